/* The SDM name of every VM-execution, VM-exit and VM-entry control bit (SDM 25.6.1, 25.6.2,
 * 25.7.1, 25.8.1).  One table serves the capability report, missing-control messages and the
 * VMCS dump.  Names that occur among both the exit and the entry controls (and "activate
 * secondary controls", which also names a primary control) carry " (exit)" or " (entry)", so a
 * one-line message naming a control is never ambiguous. */
#ifndef VMX_CTL_NAMES_H
#define VMX_CTL_NAMES_H

#include <stdint.h>

/* The 32-bit control fields, in the order of the capability MSRs. */
enum vmx_ctl_reg {
    VMX_CTL_PIN,
    VMX_CTL_PROC,
    VMX_CTL_PROC2,
    VMX_CTL_EXIT,
    VMX_CTL_ENTRY,
    VMX_CTL_COUNT
};

/* "pin-based", "primary", "secondary", "exit", "entry"; "?" for anything else. */
const char *vmx_ctl_reg_name(enum vmx_ctl_reg reg);

/* The name of the control bit given as a one-bit mask, or NULL when the bit is reserved, the
 * mask is not exactly one bit, or reg is out of range. */
const char *vmx_ctl_name(enum vmx_ctl_reg reg, uint32_t bit);

/* The same for the 64-bit tertiary processor-based controls (SDM 25.6.2, table 25-8). */
const char *vmx_tertiary_ctl_name(uint64_t bit);

#endif
