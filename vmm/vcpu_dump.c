#include "vmm/vcpu_dump.h"

#include "vlapic/vapic_dump.h"

/* The VMCS dump's lines all start with "vmcs: " (vmcs_dump.h); the decoded lines from
 * vapic_dump.h do not, so they go through this sink, which indents them under the dump's own. */
#define LINE_PREFIX "vmcs:   "

struct prefixed {
    fmt_sink_fn sink;
    void *ctx;
    bool line_start;
};

static void prefixed_sink(void *pctx, const char *s, size_t n)
{
    struct prefixed *p = pctx;
    while (n) {
        if (p->line_start)
            p->sink(p->ctx, LINE_PREFIX, sizeof(LINE_PREFIX) - 1);
        size_t k = 0;
        while (k < n && s[k++] != '\n')
            ;
        p->sink(p->ctx, s, k);
        p->line_start = s[k - 1] == '\n';
        s += k;
        n -= k;
    }
}

static uint64_t field(const struct vmcs_reader *r, uint32_t enc)
{
    uint64_t v = 0;
    return r->read(r->ctx, enc, &v) ? v : 0;
}

const char *vcpu_state_name(enum vcpu_state s)
{
    static const char *const names[] = {
        [VCPU_WAIT_SIPI] = "wait-for-SIPI (parked in root operation)",
        [VCPU_RUNNING] = "running",
        [VCPU_HALTED] = "halted with IF=0 (parked in root operation)",
        [VCPU_STOPPED] = "stopped",
    };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void vcpu_apic_dump(void *hook_ctx, const struct vmcs_reader *reader, const struct vmx_caps *caps,
                    fmt_sink_fn sink, void *ctx)
{
    (void)caps;
    const struct vcpu *v = hook_ctx;
    uint64_t proc2 = field(reader, SECONDARY_VM_EXEC_CONTROL);
    fmt_format(sink, ctx, "vmcs: --- APIC virtualization (vcpu %u, APIC ID %u) ---\n", v->id, v->apic_id);
    fmt_format(sink, ctx, "vmcs:   vCPU state %s, latched events 0x%x, NMI pending %s\n", vcpu_state_name(v->state),
               v->events, v->nmi_pending ? "yes" : "no");
    fmt_format(sink, ctx, "vmcs:   LAPIC mode %s, IA32_APIC_BASE 0x%llx\n", lapic_mode_name(v->vlapic.mode),
               (unsigned long long)v->apic_base);
    fmt_format(sink, ctx, "vmcs:   virtual-APIC page 0x%llx, APIC-access page 0x%llx (%s)\n",
               (unsigned long long)field(reader, VIRTUAL_APIC_PAGE_ADDR),
               (unsigned long long)field(reader, APIC_ACCESS_ADDR),
               (proc2 & CPU2_VIRTUALIZE_APIC_ACCESSES) ? "in use" : "not in use");
    uint64_t eoi_exit[4] = {
        field(reader, EOI_EXIT_BITMAP0), field(reader, EOI_EXIT_BITMAP1),
        field(reader, EOI_EXIT_BITMAP2), field(reader, EOI_EXIT_BITMAP3),
    };
    struct prefixed pre = { sink, ctx, true };
    vapic_dump_intr_status(prefixed_sink, &pre, (uint16_t)field(reader, GUEST_INTR_STATUS), eoi_exit);
    vapic_dump_page(prefixed_sink, &pre, v->vlapic.page, v->vlapic.mode);
    fmt_format(sink, ctx, "vmcs:   emulated timer: deadline TSC %llu, period %llu, IA32_TSC_DEADLINE %llu\n",
               (unsigned long long)v->vlapic.timer_deadline, (unsigned long long)v->vlapic.timer_period,
               (unsigned long long)v->vlapic.tsc_deadline);
    fmt_format(sink, ctx, "vmcs:   posted-interrupt descriptor at 0x%llx, notification vector 0x%llx\n",
               (unsigned long long)field(reader, POSTED_INTR_DESC_ADDR),
               (unsigned long long)field(reader, POSTED_INTR_NOTIFICATION_VECTOR));
    vapic_dump_pi_desc(prefixed_sink, &pre, v->pi_desc);
}
