/* A readable dump of every VMCS field, grouped like KVM's dump_vmcs: guest state, host state,
 * controls, VM-exit information.  Fields read through a struct vmcs_reader (VMREAD on the
 * current VMCS in the hypervisor: vmcs_current_reader; a fake VMCS in tests).
 *
 * Fields that exist only with an optional feature are shown only if the capability MSRs say the
 * feature's control can be 1 (e.g. EPT_POINTER with "enable EPT", the posted-interrupt fields
 * with "process posted interrupts"); caps == NULL shows every field.  A field whose read fails
 * prints "unavailable" and the dump goes on.  Control fields are decoded bit by bit with SDM
 * names, the exit reason, VM-instruction error and interruption-information fields in words.
 * Every line starts with "vmcs: " and is at most VMCS_DUMP_MAX_COLUMNS characters long. */
#ifndef VMM_VMCS_DUMP_H
#define VMM_VMCS_DUMP_H

#include "lib/format.h"
#include "vmx/caps.h"
#include "vmx/vmcs_access.h"

#define VMCS_DUMP_MAX_COLUMNS 100

/* The APIC part of the dump (virtual-APIC page, posted-interrupt descriptor, EOI-exit bitmaps
 * decoded), written in vlapic/.  Called once, at the end, with the dump's reader, caps and sink. */
struct vmcs_dump_apic_hook {
    void (*dump)(void *hook_ctx, const struct vmcs_reader *reader, const struct vmx_caps *caps,
                 fmt_sink_fn sink, void *ctx);
    void *hook_ctx;
};

/* apic may be NULL. */
void vmcs_dump(const struct vmcs_reader *reader, const struct vmx_caps *caps,
               const struct vmcs_dump_apic_hook *apic, fmt_sink_fn sink, void *ctx);

#endif
