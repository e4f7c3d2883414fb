#include "guest/idt.h"

#include "guest/lapic.h"
#include "guest/percpu.h"
#include "guest/power.h"
#include "guest/test.h"
#include "guest/x86.h"
#include "lib/console.h"
#include "lib/rflags.h"

#define SEL_CODE64 0x08
#define GATE_INTERRUPT 0x8e   /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

struct idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
} __attribute__((packed));

extern const uint64_t isr_table[256];
extern const char isr_path_start[], isr_path_end[];
static struct idt_gate idt[256];

void idt_build(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t a = isr_table[v];
        idt[v] = (struct idt_gate){ .offset_low = (uint16_t)a, .selector = SEL_CODE64, .type = GATE_INTERRUPT,
                                    .offset_mid = (uint16_t)(a >> 16), .offset_high = (uint32_t)(a >> 32) };
    }
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" ::"m"(idtr));
}

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

/* An expected exception resumes its RAISES(); any other one fails the running test case and
 * abandons it (or, outside a case, ends the run: nothing sensible can follow). */
static void exception(struct interrupt_frame *f)
{
    struct cpu *c = this_cpu();
    if ((int)f->vector == c->fault_expected || ((c->fault_mask >> f->vector) & 1)) {
        c->fault_expected = -1;
        c->fault_mask = 0;
        c->fault_vector = (int)f->vector;
        c->fault_error = f->error;
        recover_jump(&c->fault_point);
    }
    /* Whatever the abandoned code expected (or was in the middle of) does not hold for what runs next. */
    c->fault_expected = -1;
    c->fault_mask = 0;
    c->in_interrupt = 0;
    kprintf("exception: %s (vector %lu) at rip 0x%lx, error code 0x%lx, cpu %u\n", exception_names[f->vector],
            f->vector, f->rip, f->error, c->index);
    test_fail("unexpected %s at rip 0x%lx (error 0x%lx) on cpu %u", exception_names[f->vector], f->rip, f->error,
              c->index);
    if (c->case_point_armed)
        recover_jump(&c->case_point);
    if (c->index == 0)
        power_off(POWER_OFF_FAILED);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void record(struct cpu *c, unsigned vector)
{
    unsigned n = c->log_len;
    if (n < DELIVERY_LOG_MAX) {
        c->log[n] = (struct delivery){ .vector = (uint8_t)vector, .ppr = (uint8_t)lapic()->read(LAPIC_PPR),
                                       .isr_before_eoi = lapic_isr_bit(vector), .tsc = rdtsc() };
        c->log_len = n + 1;
    }
}

/* Counts an interrupt taken while the interrupted context had IF clear (none on hardware, SDM Vol.
 * 3A 7.8.1), and whether it came in the middle of another interrupt: in the stubs and isr_common
 * (isr.asm) or in the body below. */
static void count_if0(struct cpu *c, const struct interrupt_frame *f)
{
    if (f->rflags & RFLAGS_IF)
        return;
    c->if0_taken++;
    if (c->in_interrupt || (f->rip >= (uint64_t)isr_path_start && f->rip < (uint64_t)isr_path_end))
        c->if0_nested++;
}

void interrupt_dispatch(struct interrupt_frame *f)
{
    struct cpu *c = this_cpu();
    unsigned v = (unsigned)f->vector;
    if (v == VECTOR_NMI) {
        c->count[v]++;   /* NMIs take no EOI (SDM 11.8.5) */
        return;
    }
    if (v < 32)
        exception(f);
    count_if0(c, f);
    c->in_interrupt++;
    c->count[v]++;
    /* The spurious vector is not in service and takes no EOI (SDM 11.9). */
    if (v != VECTOR_SPURIOUS) {
        bool logged = v != VECTOR_WAKE && c->log_len < DELIVERY_LOG_MAX;
        if (logged)
            record(c, v);
        if ((int)v != c->defer_eoi_vector)
            lapic_eoi();
        if (logged)
            c->log[c->log_len - 1].isr_after_eoi = lapic_isr_bit(v);
    }
    c->in_interrupt--;
}
