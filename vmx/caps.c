#include "vmx/caps.h"

#include "lib/msr.h"
#include "vmx/vmcs_defs.h"

void vmx_caps_read(struct vmx_caps *caps, msr_read_fn rdmsr)
{
    caps->basic = rdmsr(MSR_IA32_VMX_BASIC);
    /* SDM A.3.1-A.3.5: with IA32_VMX_BASIC[55] the TRUE_* MSRs report which default1 controls
     * may really be 0; they supersede the legacy MSRs. */
    caps->true_ctls = (caps->basic & VMX_BASIC_TRUE_CTLS) != 0;
    caps->ctl[VMX_CTL_PIN] = rdmsr(caps->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
    caps->ctl[VMX_CTL_PROC] = rdmsr(caps->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
    caps->ctl[VMX_CTL_EXIT] = rdmsr(caps->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
    caps->ctl[VMX_CTL_ENTRY] = rdmsr(caps->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
    /* SDM A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only if "activate secondary controls" can be 1. */
    caps->ctl[VMX_CTL_PROC2] = vmx_ctl_can_be_1(caps->ctl[VMX_CTL_PROC], CPU_ACTIVATE_SECONDARY_CONTROLS)
                                   ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2)
                                   : 0;
    caps->misc = rdmsr(MSR_IA32_VMX_MISC);
    /* SDM A.10: IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID can be enabled. */
    bool ept_or_vpid = (caps->ctl[VMX_CTL_PROC2] >> 32) & (CPU2_ENABLE_EPT | CPU2_ENABLE_VPID);
    caps->ept_vpid = ept_or_vpid ? rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
    caps->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    caps->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    caps->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    caps->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

bool vmx_ctl_can_be_0(uint64_t cap, uint32_t control)
{
    return ((uint32_t)cap & control) == 0;
}

bool vmx_ctl_can_be_1(uint64_t cap, uint32_t control)
{
    return ((uint32_t)(cap >> 32) & control) == control;
}

uint32_t vmx_ctl_adjust(uint64_t cap, uint32_t wanted)
{
    return (wanted | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

uint32_t vmx_ctl_missing(uint64_t cap, uint32_t needed)
{
    return needed & ~(uint32_t)(cap >> 32);
}

/* Required: what every apicv level needs (vmm/apicv_level.c decides which of the APIC
 * virtualization controls a level uses). */
const struct vmx_ctl_desc vmx_used_controls[] = {
    { VMX_CTL_PIN, PIN_EXTERNAL_INTERRUPT_EXITING, true },
    { VMX_CTL_PIN, PIN_NMI_EXITING, false },
    { VMX_CTL_PIN, PIN_VIRTUAL_NMIS, false },
    { VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS, false },
    { VMX_CTL_PROC, CPU_HLT_EXITING, true },
    { VMX_CTL_PROC, CPU_USE_TPR_SHADOW, false },
    { VMX_CTL_PROC, CPU_CR8_LOAD_EXITING, false },
    { VMX_CTL_PROC, CPU_CR8_STORE_EXITING, false },
    { VMX_CTL_PROC, CPU_USE_IO_BITMAPS, true },
    { VMX_CTL_PROC, CPU_USE_MSR_BITMAPS, true },
    { VMX_CTL_PROC, CPU_ACTIVATE_SECONDARY_CONTROLS, true },
    { VMX_CTL_PROC2, CPU2_VIRTUALIZE_APIC_ACCESSES, false },
    { VMX_CTL_PROC2, CPU2_ENABLE_EPT, true },
    { VMX_CTL_PROC2, CPU2_VIRTUALIZE_X2APIC_MODE, false },
    { VMX_CTL_PROC2, CPU2_ENABLE_VPID, false },
    { VMX_CTL_PROC2, CPU2_UNRESTRICTED_GUEST, true },
    { VMX_CTL_PROC2, CPU2_APIC_REGISTER_VIRTUALIZATION, false },
    { VMX_CTL_PROC2, CPU2_VIRTUAL_INTERRUPT_DELIVERY, false },
    { VMX_CTL_EXIT, EXIT_HOST_ADDRESS_SPACE_SIZE, true },
    { VMX_CTL_EXIT, EXIT_ACK_INTERRUPT_ON_EXIT, true },
    { VMX_CTL_EXIT, EXIT_SAVE_EFER, true },
    { VMX_CTL_EXIT, EXIT_LOAD_EFER, true },
    { VMX_CTL_ENTRY, ENTRY_IA32E_MODE_GUEST, true },
    { VMX_CTL_ENTRY, ENTRY_LOAD_EFER, true },
};
const unsigned vmx_used_controls_count = sizeof(vmx_used_controls) / sizeof(vmx_used_controls[0]);

static int bit_index(uint32_t bit)
{
    return __builtin_ctz(bit);
}

void vmx_caps_report(const struct vmx_caps *caps, fmt_sink_fn sink, void *ctx)
{
    fmt_format(sink, ctx, "vmx: VMCS revision 0x%llx, %s control MSRs\n",
               (unsigned long long)(caps->basic & VMX_BASIC_REVISION_MASK),
               caps->true_ctls ? "TRUE_*" : "legacy");
    for (unsigned i = 0; i < vmx_used_controls_count; i++) {
        const struct vmx_ctl_desc *d = &vmx_used_controls[i];
        uint64_t cap = caps->ctl[d->reg];
        fmt_format(sink, ctx, "vmx:   %-30s %-9s bit %-2d  can be 0: %-3s  can be 1: %s\n",
                   vmx_ctl_name(d->reg, d->bit), vmx_ctl_reg_name(d->reg), bit_index(d->bit),
                   vmx_ctl_can_be_0(cap, d->bit) ? "yes" : "no", vmx_ctl_can_be_1(cap, d->bit) ? "yes" : "no");
    }
}

unsigned vmx_ctl_report_missing(enum vmx_ctl_reg reg, uint32_t bits, fmt_sink_fn sink, void *ctx)
{
    unsigned count = 0;
    for (; bits; bits &= bits - 1, count++) {
        uint32_t bit = bits & -bits;
        const char *name = vmx_ctl_name(reg, bit);
        fmt_format(sink, ctx, "vmx: missing control: %s (%s bit %d)\n", name ? name : "reserved",
                   vmx_ctl_reg_name(reg), bit_index(bit));
    }
    return count;
}

unsigned vmx_caps_check_required(const struct vmx_caps *caps, fmt_sink_fn sink, void *ctx)
{
    unsigned missing = 0;
    for (unsigned i = 0; i < vmx_used_controls_count; i++) {
        const struct vmx_ctl_desc *d = &vmx_used_controls[i];
        if (d->required)
            missing += vmx_ctl_report_missing(d->reg, vmx_ctl_missing(caps->ctl[d->reg], d->bit), sink, ctx);
    }
    return missing;
}
