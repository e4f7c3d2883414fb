/* The VMCS dump's field table (vmm/vmcs_dump.c prints it): every field, its group, the control
 * whose capability gates it, and how its value is decoded. */
#ifndef VMM_VMCS_DUMP_FIELDS_H
#define VMM_VMCS_DUMP_FIELDS_H

#include <stdint.h>

#include "vmx/ctl_names.h"

enum vmcs_decode {
    DECODE_NONE,
    DECODE_PIN,   /* DECODE_PIN + enum vmx_ctl_reg: a 32-bit control field, bit by bit */
    DECODE_PROC,
    DECODE_PROC2,
    DECODE_EXIT,
    DECODE_ENTRY,
    DECODE_TERTIARY,
    DECODE_EXIT_REASON,
    DECODE_INSTRUCTION_ERROR,
    DECODE_INTR_INFO,
};
_Static_assert(DECODE_ENTRY - DECODE_PIN == VMX_CTL_ENTRY, "control decoders follow enum vmx_ctl_reg");

struct vmcs_field_desc {
    uint32_t enc;
    const char *name;
    enum vmx_ctl_reg gate_reg; /* shown only if gate_bit can be 1 in this control field... */
    uint32_t gate_bit;         /* ...or always, when gate_bit is 0 */
    enum vmcs_decode decode;
};

struct vmcs_field_group {
    const char *title;
    const struct vmcs_field_desc *fields;
    unsigned count;
};

extern const struct vmcs_field_group vmcs_dump_groups[];
extern const unsigned vmcs_dump_group_count;

#endif
