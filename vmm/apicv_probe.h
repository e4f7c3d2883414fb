/* What this CPU does with a pending virtual interrupt, asked before the guest starts.  Each probe is
 * one VM entry of a scratch vCPU in flat protected mode with the probe vector in VIRR and RVI
 * (VPPR 0) and an empty IDT (limit 0): delivering the vector faults on its gate (SDM 6.12.1), the
 * exception bitmap makes that #GP a VM exit, and its error code names the IDT entry (SDM 6.13), so
 * the exit shows what was delivered.  A VMX-preemption timer bounds the entry.
 *  - hlt: halted with RFLAGS.IF = 1.  SDM 30.2.2: "virtual-interrupt delivery wakes a logical
 *    processor from the same inactive activity states as would an external interrupt", one
 *    already pending when the guest executes `sti; hlt` included.  hlt=auto keeps HLT in the guest
 *    only where it does; Bochs 3.1 does not (docs/design.md, platform deviations).
 *  - if: running with RFLAGS.IF = 0 while a physical interrupt waits in this CPU's LAPIC.  SDM
 *    30.2.1 delivers a virtual interrupt only with IF = 1, and external-interrupt exiting makes the
 *    physical one a VM exit whatever IF is (SDM 26.2).  Bochs 3.1 delivers the virtual interrupt
 *    instead.  The hypervisor cannot steer clear of that (every kick and posted-interrupt
 *    notification is such a physical interrupt), so the probe only reports it: a guest there may
 *    take an interrupt with interrupts disabled. */
#ifndef VMM_APICV_PROBE_H
#define VMM_APICV_PROBE_H

#include <stdint.h>

#define APICV_PROBE_VECTOR 0x30 /* any vector whose class is above VPPR (0) */

/* What the probe's VM exit said. */
struct apicv_probe_exit {
    uint32_t reason;        /* basic exit reason */
    uint32_t intr_info;     /* VM-exit interruption information */
    uint32_t error_code;    /* VM-exit interruption error code */
    uint32_t idt_vectoring; /* IDT-vectoring information (only printed: Bochs 3.1 leaves it 0 here) */
    uint64_t elapsed;       /* TSC ticks from VM entry to the exit */
    uint64_t bound;         /* TSC ticks the preemption timer allowed */
};

enum apicv_probe_verdict {
    APICV_PROBE_AS_SDM,    /* the CPU did what the SDM says */
    APICV_PROBE_DEVIATION, /* it did not: a platform deviation */
    APICV_PROBE_UNCLEAR,   /* something else ended the entry (a host interrupt, say): try again */
};

/* hlt: the virtual interrupt ended the halt at once (AS_SDM), or the bound ran out first. */
enum apicv_probe_verdict apicv_probe_judge_hlt(const struct apicv_probe_exit *e);
/* if: the physical interrupt host_vector exited (AS_SDM), or the virtual one was delivered. */
enum apicv_probe_verdict apicv_probe_judge_if(const struct apicv_probe_exit *e, uint8_t host_vector);

#endif
