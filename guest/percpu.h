/* Per-CPU data, indexed by the CPU number (0 = BSP, APs in the order they came up).  IA32_GS_BASE
 * points at each CPU's own entry so that this_cpu() is one load. */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/recover.h"

struct lapic_ops;

#define DELIVERY_LOG_MAX 32

/* One interrupt as the handler saw it, before and after its EOI. */
struct delivery {
    uint8_t vector;
    uint8_t ppr;              /* PPR inside the handler (SDM 11.8.3.1) */
    bool isr_before_eoi;      /* the vector's ISR bit was set while in service (SDM 11.8.4) */
    bool isr_after_eoi;
    uint64_t tsc;
};

struct cpu {
    struct cpu *self;                     /* offset 0: read through %gs:0 */
    unsigned index;
    uint32_t apic_id;                     /* read from the LAPIC when the CPU came up */
    const struct lapic_ops *lapic;        /* this CPU's LAPIC mode (tests switch it at run time) */

    volatile uint32_t count[256];         /* deliveries per vector; [2] counts NMIs */
    struct delivery log[DELIVERY_LOG_MAX];
    volatile unsigned log_len;
    volatile int defer_eoi_vector;        /* the handler leaves this vector in service (-1: none) */
    /* Interrupts (vectors 32-255) whose interrupted context had RFLAGS.IF clear: none on hardware
     * (SDM Vol. 3A 7.8.1); Bochs 3.1 takes some (PLATFORM.md, ipi-storm). */
    volatile uint32_t if0_taken;
    volatile uint32_t if0_nested;         /* of those, taken on the way into, in or out of a handler */
    volatile unsigned in_interrupt;       /* interrupt_dispatch depth for vectors 32-255 */

    /* Remote calls: the caller bumps call_req, the CPU runs call_fn and sets call_done = call_req. */
    void (*volatile call_fn)(void *arg);
    void *volatile call_arg;
    volatile uint32_t call_req, call_done;

    /* An exception the running code expects (-1: none) and where to resume when it comes. */
    volatile int fault_expected;
    volatile uint32_t fault_mask;         /* or any of these vectors (bit n: vector n), FAULT_OF() */
    volatile int fault_vector;            /* the vector that resumed fault_point */
    volatile uint64_t fault_error;
    struct recover_point fault_point;
    /* Where an unexpected exception resumes: the end of the current test or remote call. */
    volatile bool case_point_armed;
    struct recover_point case_point;
};

extern struct cpu cpus[GUEST_MAX_CPUS];
extern volatile unsigned cpus_online;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Makes cpus[index] this CPU's per-CPU data and loads the IDT. */
void cpu_setup(unsigned index);

#endif
