/* What an xAPIC lets software change that a hypervisor must follow: the APIC ID (writable in
 * xAPIC mode, SDM 11.4.6) and where the xAPIC page sits (IA32_APIC_BASE bits 51:12, SDM 11.4.5).
 * apicvisor routes IPIs by the ID as written and emulates a moved page. */
#include "guest/deliveries.h"
#include "guest/hypercall.h"
#include "guest/lapic.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"

#define NEW_ID 0xa5u                 /* an ID no CPU of ours has (they are 0..15) */
#define MOVED_BASE 0xfed00000ull     /* mapped uncached by boot.asm, no device there */
#define HELD_BACK_US 20000

static void set_id(void *arg)
{
    lapic()->write(LAPIC_ID, *(uint32_t *)arg << 24);
}

static bool only_xapic(void)
{
    if (lapic() == &lapic_xapic_ops)
        return true;
    test_skip("xAPIC mode only (the x2APIC ID is read-only and there is no xAPIC page)");
    return false;
}

/* CPU 1 takes ID 0xA5: an IPI to 0xA5 reaches it, one to its old ID reaches nobody; its old ID
 * back, the old ID works again. */
void test_xapic_id_write(void)
{
    if (!only_xapic())
        return;
    if (cpus_online < 2) {
        test_skip("needs 2 CPUs");
        return;
    }
    volatile unsigned *count = &cpus[1].count[VECTOR_IPI];
    uint32_t old = cpus[1].apic_id, new = NEW_ID;
    deliveries_reset();
    if (!CHECK(smp_call(1, set_id, &new), "CPU 1 did not run the ID write"))
        return;
    cpus[1].apic_id = new; /* smp_call wakes CPU 1 by its ID */
    uint64_t deadline = tsc_deadline_us(HELD_BACK_US * 5);
    lapic()->send_ipi(new, ICR_ASSERT | ICR_FIXED | VECTOR_IPI);
    while (*count < 1 && !tsc_passed(deadline))
        cpu_relax();
    CHECK(*count == 1, "an IPI to the written ID 0x%x reached CPU 1 %u times, expected once", new, *count);
    lapic()->send_ipi(old, ICR_ASSERT | ICR_FIXED | VECTOR_IPI);
    delay_us(HELD_BACK_US);
    CHECK(*count == 1, "an IPI to CPU 1's old ID 0x%x still reached it", old);
    CHECK(smp_call(1, set_id, &old), "CPU 1 did not take its ID back");
    cpus[1].apic_id = old;
    lapic()->send_ipi(old, ICR_ASSERT | ICR_FIXED | VECTOR_IPI);
    deadline = tsc_deadline_us(HELD_BACK_US * 5);
    while (*count < 2 && !tsc_passed(deadline))
        cpu_relax();
    CHECK(*count == 2, "with its ID back, CPU 1 got %u IPIs, expected 2", *count);
}

static volatile uint32_t *moved_reg(enum lapic_reg r)
{
    return (volatile uint32_t *)(uintptr_t)(MOVED_BASE + r);
}

/* The page moves to 0xFED00000: the ID and TPR read and write there and a self-IPI sent through
 * it waits in the IRR (interrupts off: the handler's EOI goes to the default base); moved back,
 * it is delivered.  QEMU keeps its APIC at 0xFEE00000 whatever the MSR says (the case is skipped
 * there, never under apicvisor). */
void test_apic_base_move(void)
{
    if (!only_xapic())
        return;
    struct cpu *c = this_cpu();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    uint32_t id = lapic()->read(LAPIC_ID), version = lapic()->read(LAPIC_VERSION);
    const unsigned v = VECTOR_IPI;
    deliveries_reset();
    cli();
    wrmsr(MSR_APIC_BASE, (base & 0xfffull) | MOVED_BASE);
    uint32_t moved_id = *moved_reg(LAPIC_ID), moved_version = *moved_reg(LAPIC_VERSION);
    *moved_reg(LAPIC_TPR) = 0x20;
    uint32_t tpr = *moved_reg(LAPIC_TPR);
    *moved_reg(LAPIC_TPR) = 0;
    *moved_reg(LAPIC_ICR_LOW) = ICR_ASSERT | ICR_FIXED | ICR_SELF | v;
    uint32_t irr = *moved_reg((enum lapic_reg)(0x200 + v / 32 * 16));
    wrmsr(MSR_APIC_BASE, base);
    uint32_t back = lapic()->read(LAPIC_ID);
    sti();
    if (moved_version != version && !hv_is_apicvisor()) {
        test_skip("the platform did not move the xAPIC page (version at 0x%llx reads 0x%x, expected 0x%x)",
                  MOVED_BASE, moved_version, version);
        return;
    }
    CHECK(moved_version == version, "the version at the moved page reads 0x%x, expected 0x%x", moved_version, version);
    CHECK(moved_id == id, "the ID at the moved page reads 0x%x, expected 0x%x", moved_id, id);
    CHECK(tpr == 0x20, "TPR at the moved page reads 0x%x after writing 0x20", tpr);
    CHECK(irr & (1u << (v % 32)), "IRR at the moved page 0x%x: vector 0x%x not requested", irr, v);
    CHECK(back == id, "the ID at the default base reads 0x%x after moving back, expected 0x%x", back, id);
    if (deliveries_wait_local(v, 1))
        CHECK(c->count[v] == 1, "the self-IPI arrived %u times", c->count[v]);
}
