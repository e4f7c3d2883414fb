#include "vmx/controls.h"

#include "vmx/vmcs_defs.h"

struct ctl_request {
    uint32_t needed[VMX_CTL_COUNT];
    uint32_t optional[VMX_CTL_COUNT];
};

static void request(struct ctl_request *req, const struct vmx_config *cfg, const struct vmx_caps *caps)
{
    req->needed[VMX_CTL_PIN] = PIN_EXTERNAL_INTERRUPT_EXITING |
                               (cfg->posted_interrupts ? PIN_PROCESS_POSTED_INTERRUPTS : 0);
    /* SDM 27.2.1.1: virtual NMIs only together with NMI exiting. */
    req->optional[VMX_CTL_PIN] = vmx_ctl_can_be_1(caps->ctl[VMX_CTL_PIN], PIN_NMI_EXITING)
                                     ? PIN_NMI_EXITING | PIN_VIRTUAL_NMIS
                                     : 0;
    req->needed[VMX_CTL_PROC] = CPU_USE_TSC_OFFSETTING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS |
                                CPU_ACTIVATE_SECONDARY_CONTROLS | (cfg->hlt_exiting ? CPU_HLT_EXITING : 0) |
                                (cfg->tpr_shadow ? CPU_USE_TPR_SHADOW : 0) |
                                (cfg->cr8_exiting ? CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING : 0);
    /* MONITOR/MWAIT exit so that they #UD as CPUID says (vmm/cpu_state_hv.c). */
    req->optional[VMX_CTL_PROC] = CPU_MWAIT_EXITING | CPU_MONITOR_EXITING;
    req->needed[VMX_CTL_PROC2] = CPU2_ENABLE_EPT |
                                 (cfg->virtual_interrupts
                                      ? CPU2_APIC_REGISTER_VIRTUALIZATION | CPU2_VIRTUAL_INTERRUPT_DELIVERY
                                      : 0) |
                                 (cfg->x2apic_mode ? CPU2_VIRTUALIZE_X2APIC_MODE : 0) |
                                 (cfg->xapic_mode ? CPU2_VIRTUALIZE_APIC_ACCESSES : 0) |
                                 (cfg->unrestricted_guest ? CPU2_UNRESTRICTED_GUEST : 0);
    /* Without these the guest's RDTSCP, INVPCID and XSAVES raise #UD (SDM 26.3 "Changes to
     * Instruction Behavior in VMX Non-Root Operation"). */
    req->optional[VMX_CTL_PROC2] = CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID | CPU2_ENABLE_XSAVES |
                                   (cfg->vpid ? CPU2_ENABLE_VPID : 0);
    req->needed[VMX_CTL_EXIT] = EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_ACK_INTERRUPT_ON_EXIT |
                                EXIT_SAVE_EFER | EXIT_LOAD_EFER;
    req->optional[VMX_CTL_EXIT] = EXIT_SAVE_PAT | EXIT_LOAD_PAT;
    req->needed[VMX_CTL_ENTRY] = ENTRY_LOAD_EFER | (cfg->ia32e_guest ? ENTRY_IA32E_MODE_GUEST : 0);
    req->optional[VMX_CTL_ENTRY] = ENTRY_LOAD_PAT;
}

unsigned vmx_compute_controls(const struct vmx_caps *caps, const struct vmx_config *cfg,
                              struct vmx_controls *out, fmt_sink_fn sink, void *ctx)
{
    struct ctl_request req;
    unsigned missing = 0;
    request(&req, cfg, caps);
    for (int reg = 0; reg < VMX_CTL_COUNT; reg++) {
        uint64_t cap = caps->ctl[reg];
        missing += vmx_ctl_report_missing(reg, vmx_ctl_missing(cap, req.needed[reg]), sink, ctx);
        out->ctl[reg] = vmx_ctl_adjust(cap, req.needed[reg] | req.optional[reg]);
    }
    return missing;
}

/* "if bit is 1 in reg, other must be 1 (REQUIRES) / 0 (EXCLUDES) in other_reg" */
struct ctl_rule {
    enum vmx_ctl_reg reg;
    uint32_t bit;
    enum { REQUIRES, EXCLUDES } kind;
    enum vmx_ctl_reg other_reg;
    uint32_t other;
};

/* SDM 27.2.1.1 "VM-Execution Control Fields" and 27.2.1.2 "VM-Exit Control Fields". */
static const struct ctl_rule ctl_rules[] = {
    { VMX_CTL_PIN, PIN_VIRTUAL_NMIS, REQUIRES, VMX_CTL_PIN, PIN_NMI_EXITING },
    { VMX_CTL_PROC, CPU_NMI_WINDOW_EXITING, REQUIRES, VMX_CTL_PIN, PIN_VIRTUAL_NMIS },
    { VMX_CTL_PROC2, CPU2_VIRTUALIZE_X2APIC_MODE, REQUIRES, VMX_CTL_PROC, CPU_USE_TPR_SHADOW },
    { VMX_CTL_PROC2, CPU2_APIC_REGISTER_VIRTUALIZATION, REQUIRES, VMX_CTL_PROC, CPU_USE_TPR_SHADOW },
    { VMX_CTL_PROC2, CPU2_VIRTUAL_INTERRUPT_DELIVERY, REQUIRES, VMX_CTL_PROC, CPU_USE_TPR_SHADOW },
    { VMX_CTL_PROC2, CPU2_VIRTUALIZE_X2APIC_MODE, EXCLUDES, VMX_CTL_PROC2, CPU2_VIRTUALIZE_APIC_ACCESSES },
    { VMX_CTL_PROC2, CPU2_VIRTUAL_INTERRUPT_DELIVERY, REQUIRES, VMX_CTL_PIN, PIN_EXTERNAL_INTERRUPT_EXITING },
    { VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS, REQUIRES, VMX_CTL_PROC2, CPU2_VIRTUAL_INTERRUPT_DELIVERY },
    { VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS, REQUIRES, VMX_CTL_EXIT, EXIT_ACK_INTERRUPT_ON_EXIT },
    { VMX_CTL_PROC2, CPU2_UNRESTRICTED_GUEST, REQUIRES, VMX_CTL_PROC2, CPU2_ENABLE_EPT },
};

static void report_violation(int *count, fmt_sink_fn sink, void *ctx, const char *rule)
{
    fmt_format(sink, ctx, "vmx: control check failed: %s (SDM 27.2.1.1)\n", rule);
    (*count)++;
}

int vmx_check_controls(const struct vmx_controls *c, uint16_t pi_vector, uint64_t pi_desc_addr,
                       fmt_sink_fn sink, void *ctx)
{
    uint32_t v[VMX_CTL_COUNT];
    char rule[128];
    int count = 0;
    for (int reg = 0; reg < VMX_CTL_COUNT; reg++)
        v[reg] = c->ctl[reg];
    /* With "activate secondary controls" 0 the CPU acts as if every secondary control were 0. */
    if (!(v[VMX_CTL_PROC] & CPU_ACTIVATE_SECONDARY_CONTROLS))
        v[VMX_CTL_PROC2] = 0;
    for (unsigned i = 0; i < sizeof(ctl_rules) / sizeof(ctl_rules[0]); i++) {
        const struct ctl_rule *r = &ctl_rules[i];
        if (!(v[r->reg] & r->bit))
            continue;
        bool other_set = (v[r->other_reg] & r->other) != 0;
        const char *name = vmx_ctl_name(r->reg, r->bit), *other = vmx_ctl_name(r->other_reg, r->other);
        if (r->kind == REQUIRES && !other_set) {
            fmt_snprintf(rule, sizeof(rule), "%s requires %s", name, other);
            report_violation(&count, sink, ctx, rule);
        } else if (r->kind == EXCLUDES && other_set) {
            fmt_snprintf(rule, sizeof(rule), "%s and %s are mutually exclusive", name, other);
            report_violation(&count, sink, ctx, rule);
        }
    }
    if (v[VMX_CTL_PIN] & PIN_PROCESS_POSTED_INTERRUPTS) {
        if (pi_vector > 0xff) {
            fmt_snprintf(rule, sizeof(rule), "posted-interrupt notification vector 0x%x has bits 15:8 set",
                         pi_vector);
            report_violation(&count, sink, ctx, rule);
        }
        if (pi_desc_addr & 0x3f) {
            fmt_snprintf(rule, sizeof(rule), "posted-interrupt descriptor address 0x%llx is not 64-byte aligned",
                         (unsigned long long)pi_desc_addr);
            report_violation(&count, sink, ctx, rule);
        }
    }
    return count;
}
