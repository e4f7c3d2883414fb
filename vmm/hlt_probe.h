/* hlt=auto: whether HLT may run in the guest at apicv=full.  Without the HLT exit a halted vCPU
 * relies on the CPU to wake it for a virtual interrupt (SDM 30.2.2: "virtual-interrupt delivery
 * wakes a logical processor from the same inactive activity states as would an external
 * interrupt"), including one already pending in RVI when the guest executes `sti; hlt`.  Bochs 3.1
 * does not (docs/design.md, platform deviations), so the hypervisor asks the CPU it runs on: one
 * VM entry in the HLT activity state with RFLAGS.IF = 1 and a virtual interrupt pending, whose
 * delivery faults on an empty IDT into a #GP exit; a VMX-preemption timer bounds the wait.  The
 * #GP's error code names the IDT entry (SDM 6.13), so the exit shows which vector was delivered. */
#ifndef VMM_HLT_PROBE_H
#define VMM_HLT_PROBE_H

#include <stdint.h>

#define HLT_PROBE_VECTOR 0x30 /* any vector whose class is above VPPR (0) */

/* What the probe's VM exit said. */
struct hlt_probe_exit {
    uint32_t reason;        /* basic exit reason */
    uint32_t intr_info;     /* VM-exit interruption information */
    uint32_t error_code;    /* VM-exit interruption error code */
    uint32_t idt_vectoring; /* IDT-vectoring information (only printed: Bochs 3.1 leaves it 0 here) */
    uint64_t elapsed;       /* TSC ticks from VM entry to the exit */
    uint64_t bound;         /* TSC ticks the preemption timer allowed */
};

enum hlt_probe_verdict {
    HLT_PROBE_WOKE,    /* the virtual interrupt ended the halt at once: HLT may stay in the guest */
    HLT_PROBE_SLEPT,   /* the halt outlasted the bound: a platform deviation, HLT must exit */
    HLT_PROBE_UNCLEAR, /* something else ended the entry (a host interrupt, say): try again */
};

enum hlt_probe_verdict hlt_probe_judge(const struct hlt_probe_exit *e);

#endif
