/* The VM-execution, VM-exit and VM-entry control values apicvisor programs, computed from the
 * capability MSRs, and the consistency checks a VM entry would make on them. */
#ifndef VMX_CONTROLS_H
#define VMX_CONTROLS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "vmx/caps.h"

/* What the guest needs.  Set exactly one of x2apic_mode / xapic_mode: the guest's local APIC is
 * virtualized either through MSRs (virtualize x2APIC mode) or through the APIC-access page at
 * 0xFEE00000 (virtualize APIC accesses); asking for both yields controls that
 * vmx_check_controls() rejects. */
struct vmx_config {
    bool x2apic_mode;        /* needs "virtualize x2APIC mode" */
    bool xapic_mode;         /* needs "virtualize APIC accesses" */
    bool tpr_shadow;         /* needs "use TPR shadow" */
    bool virtual_interrupts; /* needs "APIC-register virtualization" and "virtual-interrupt delivery" */
    bool posted_interrupts;  /* needs "process posted interrupts" */
    bool hlt_exiting;        /* "HLT exiting" (off: the guest halts without an exit) */
    bool cr8_exiting;        /* "CR8-load exiting" and "CR8-store exiting" (no TPR shadow) */
    bool vpid;               /* "enable VPID" when available (a TLB optimisation, never needed) */
    bool unrestricted_guest; /* needs "unrestricted guest": the guest starts in real mode */
    bool ia32e_guest;        /* needs "IA-32e mode guest": the guest starts in long mode */
};

/* Control values indexed by enum vmx_ctl_reg, ready for VMWRITE to PIN_BASED_VM_EXEC_CONTROL,
 * CPU_BASED_VM_EXEC_CONTROL, SECONDARY_VM_EXEC_CONTROL, VM_EXIT_CONTROLS, VM_ENTRY_CONTROLS. */
struct vmx_controls {
    uint32_t ctl[VMX_CTL_COUNT];
};

/* Fills *out with, per control field, the controls the config needs, the optional controls the
 * CPU allows, and the bits the CPU forces on (vmx_ctl_adjust).  Each needed control the CPU
 * cannot set is left out and reported as "vmx: missing control: NAME (REG bit N)"; returns how
 * many were missing (0: the values are usable, subject to vmx_check_controls). */
unsigned vmx_compute_controls(const struct vmx_caps *caps, const struct vmx_config *cfg,
                              struct vmx_controls *out, fmt_sink_fn sink, void *ctx);

/* Checks the APIC-virtualization and related rules that VM entry applies to the controls
 * (SDM 27.2.1.1 "VM-Execution Control Fields"), with the posted-interrupt notification vector
 * and descriptor address apicvisor will program.  Prints one line per violated rule,
 * "vmx: control check failed: RULE (SDM 27.2.1.1)", and returns how many. */
int vmx_check_controls(const struct vmx_controls *c, uint16_t pi_vector, uint64_t pi_desc_addr,
                       fmt_sink_fn sink, void *ctx);

#endif
