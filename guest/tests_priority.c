/* EOI, ISR/IRR and priority on the BSP, with self-IPIs on vectors of chosen priority classes
 * (class = vector >> 4, SDM 11.8.3). */
#include "guest/deliveries.h"
#include "guest/lapic.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"

/* How long an interrupt that must stay pending is given to show up anyway. */
#define HELD_BACK_US 20000

static bool send_self(unsigned vector)
{
    return CHECK(lapic_send_self(vector), "self-IPI 0x%x: the ICR never went idle", vector);
}

/* SDM 11.8.4/11.8.5: an interrupt stays in service (ISR bit set, PPR raised to its class) until
 * EOI; while it does, another vector of the same class stays pending in IRR.  EOI clears the ISR
 * bit and releases the pending one. */
void test_eoi_clears_isr(void)
{
    struct cpu *c = this_cpu();
    const unsigned first = 0x71, second = 0x72;
    deliveries_reset();
    CHECK(!lapic_isr_bit(first), "ISR bit 0x%x set before any interrupt", first);
    c->defer_eoi_vector = first;
    if (!send_self(first) || !deliveries_wait_local(first, 1))
        return;
    CHECK(c->log[0].isr_before_eoi, "ISR bit 0x%x clear inside its handler", first);
    CHECK(lapic_isr_bit(first), "ISR bit 0x%x clear after its handler returned without EOI", first);
    uint32_t ppr = lapic()->read(LAPIC_PPR);
    CHECK(ppr == 0x70, "PPR 0x%x with 0x%x in service, expected 0x70 (SDM 11.8.3.1)", ppr, first);
    send_self(second);
    delay_us(HELD_BACK_US);
    CHECK(c->count[second] == 0, "0x%x delivered while 0x%x of its class was in service", second, first);
    CHECK(lapic_irr_bit(second), "IRR bit 0x%x not set for the held-back interrupt", second);
    c->defer_eoi_vector = -1;
    lapic_eoi();
    if (!deliveries_wait_local(second, 1))
        return;
    CHECK(!lapic_isr_bit(first), "ISR bit 0x%x still set after EOI", first);
    CHECK(c->log_len == 2 && c->log[1].isr_before_eoi && !c->log[1].isr_after_eoi,
          "0x%x: ISR bit not set in its handler or not cleared by its EOI", second);
}

/* Raised with interrupts disabled, all four wait in IRR; enabled, they come highest vector first
 * (SDM 11.8.3), the two of class 6 too. */
void test_priority_order(void)
{
    static const uint8_t raised[] = { 0x41, 0x91, 0x61, 0x62 };
    static const uint8_t order[] = { 0x91, 0x62, 0x61, 0x41 };
    struct cpu *c = this_cpu();
    deliveries_reset();
    cli();
    for (unsigned i = 0; i < sizeof(raised); i++)
        send_self(raised[i]);
    for (unsigned i = 0; i < sizeof(raised); i++)
        CHECK(lapic_irr_bit(raised[i]), "IRR bit 0x%x not set with interrupts disabled", raised[i]);
    sti();
    if (!deliveries_wait_local(0x41, 1))
        return;
    delay_us(DELIVERY_SETTLE_US);
    if (!CHECK(c->log_len == sizeof(order), "%u deliveries, expected %zu", c->log_len, sizeof(order)))
        return;
    for (unsigned i = 0; i < sizeof(order); i++)
        CHECK(c->log[i].vector == order[i], "delivery %u was 0x%x, expected 0x%x (order 0x%x 0x%x 0x%x 0x%x)", i,
              c->log[i].vector, order[i], c->log[0].vector, c->log[1].vector, c->log[2].vector, c->log[3].vector);
}

/* SDM 11.8.3.1: with TPR 0x80 and nothing in service PPR is 0x80 and vectors of class <= 8 stay
 * pending; a class 9 vector still comes, with PPR 0x90 in its handler; TPR 0 releases the rest. */
void test_tpr_ppr(void)
{
    struct cpu *c = this_cpu();
    const unsigned low = 0x61, high = 0x91;
    deliveries_reset();
    lapic()->write(LAPIC_TPR, 0x80);
    uint32_t tpr = lapic()->read(LAPIC_TPR), ppr = lapic()->read(LAPIC_PPR);
    CHECK(tpr == 0x80, "TPR reads 0x%x after writing 0x80", tpr);
    CHECK(ppr == 0x80, "PPR 0x%x with TPR 0x80 and nothing in service", ppr);
    send_self(low);
    delay_us(HELD_BACK_US);
    CHECK(c->count[low] == 0, "0x%x delivered through TPR 0x80", low);
    CHECK(lapic_irr_bit(low), "IRR bit 0x%x not set while TPR holds it back", low);
    if (!send_self(high) || !deliveries_wait_local(high, 1))
        return;
    CHECK(c->log[0].vector == high && c->log[0].ppr == 0x90, "in the handler of 0x%x PPR was 0x%x, expected 0x90",
          high, c->log[0].ppr);
    lapic()->write(LAPIC_TPR, 0);
    if (!deliveries_wait_local(low, 1))
        return;
    CHECK(c->log[1].ppr == 0x60, "in the handler of 0x%x PPR was 0x%x, expected 0x60", low, c->log[1].ppr);
    ppr = lapic()->read(LAPIC_PPR);
    CHECK(ppr == 0, "PPR 0x%x with TPR 0 and nothing in service", ppr);
}

static uint64_t read_cr8(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr8, %0" : "=r"(v));
    return v;
}

static void write_cr8(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr8" ::"r"(v) : "memory");
}

/* SDM 10.8.6.1: CR8[3:0] is TPR[7:4], both ways.  A vector CR8 holds back comes as soon as a CR8
 * write lowers the priority: under a hypervisor with a TPR shadow but no virtual-interrupt
 * delivery only the TPR threshold makes that write exit (SDM 29.1.2), without a TPR shadow the
 * CR8 write itself exits. */
void test_tpr_cr8(void)
{
    struct cpu *c = this_cpu();
    const unsigned low = 0x51;
    deliveries_reset();
    write_cr8(6);
    uint32_t tpr = lapic()->read(LAPIC_TPR);
    CHECK(tpr == 0x60, "TPR reads 0x%x after CR8 = 6, expected 0x60", tpr);
    lapic()->write(LAPIC_TPR, 0x75);
    uint64_t cr8 = read_cr8();
    CHECK(cr8 == 7, "CR8 reads %lu with TPR 0x75, expected 7", cr8);
    write_cr8(6);
    send_self(low);
    delay_us(HELD_BACK_US);
    CHECK(c->count[low] == 0, "0x%x delivered through CR8 = 6", low);
    write_cr8(0);
    if (!deliveries_wait_local(low, 1))
        return;
    cr8 = read_cr8();
    uint32_t ppr = lapic()->read(LAPIC_PPR);
    CHECK(cr8 == 0 && ppr == 0, "CR8 %lu, PPR 0x%x after CR8 = 0 and the EOI, expected 0 and 0", cr8, ppr);
}
