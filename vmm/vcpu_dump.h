/* The APIC part of a vCPU's VMCS dump: what neither KVM nor Xen prints. */
#ifndef VMM_VCPU_DUMP_H
#define VMM_VCPU_DUMP_H

#include "vmm/vcpu.h"
#include "vmm/vmcs_dump.h"

/* A vmcs_dump_apic_hook callback; hook_ctx is the struct vcpu.  Prints the LAPIC mode and
 * IA32_APIC_BASE, the APIC-access and virtual-APIC page addresses, guest interrupt status
 * (RVI/SVI) and EOI-exit bitmaps, the decoded virtual-APIC page, the emulated timer and the
 * posted-interrupt descriptor. */
void vcpu_apic_dump(void *hook_ctx, const struct vmcs_reader *reader, const struct vmx_caps *caps,
                    fmt_sink_fn sink, void *ctx);

/* The vCPU state machine's state, in words (docs/design.md "vCPU lifecycle"). */
const char *vcpu_state_name(enum vcpu_state s);

#endif
