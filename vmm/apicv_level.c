#include "vmm/apicv_level.h"

#include <stdbool.h>
#include <stddef.h>

#include "vmm/options.h"
#include "vmx/vmcs_defs.h"

/* The controls a level needs.  At apicv=tpr the APIC-access page and virtualize x2APIC mode are
 * optional (they only spare the TPR accesses an exit; vmm/apic_virt_hv.c uses them where the CPU
 * has them). */
static struct vmx_config level_config(const struct vmx_caps *caps, enum apicv_level level, enum lapic_mode mode,
                                      bool hlt_in_guest)
{
    bool vid = level >= APICV_VID;
    return (struct vmx_config){
        .x2apic_mode = vid && mode == LAPIC_MODE_X2APIC,
        .xapic_mode = vid && mode == LAPIC_MODE_XAPIC,
        .tpr_shadow = level >= APICV_TPR,
        .virtual_interrupts = vid,
        .posted_interrupts = level == APICV_FULL,
        .hlt_exiting = level != APICV_FULL || !hlt_in_guest || !vmx_ctl_can_be_1(caps->ctl[VMX_CTL_PIN], PIN_NMI_EXITING),
        .cr8_exiting = level == APICV_OFF,
        .vpid = true,
        .unrestricted_guest = true,
    };
}

/* Keeps NAME out of the first line "vmx: missing control: NAME (REG bit N)". */
struct first_missing {
    char name[64];
    unsigned len, colons;
    bool done;
};

static void keep_name(void *ctx, const char *s, size_t n)
{
    struct first_missing *f = ctx;
    for (size_t i = 0; i < n && !f->done; i++) {
        if (f->colons < 2) {
            f->colons += s[i] == ':';
            continue;
        }
        if (s[i] == '(' || s[i] == '\n' || f->len + 1 >= sizeof(f->name)) {
            f->done = true;
            continue;
        }
        if (f->len || s[i] != ' ')
            f->name[f->len++] = s[i];
    }
    while (f->len && f->name[f->len - 1] == ' ')
        f->len--;
    f->name[f->len] = '\0';
}

int apicv_choose(const struct vmx_caps *caps, enum apicv_level asked, enum lapic_mode mode, bool hlt_in_guest,
                 struct vmx_controls *out, fmt_sink_fn sink, void *ctx)
{
    enum apicv_level level = asked == APICV_AUTO ? APICV_FULL : asked;
    struct first_missing lacks = { .len = 0 };
    for (;; level--) {
        struct vmx_config cfg = level_config(caps, level, mode, hlt_in_guest);
        struct first_missing f = { .len = 0 };
        if (!vmx_compute_controls(caps, &cfg, out, keep_name, &f))
            break;
        if (asked != APICV_AUTO || level == APICV_OFF) {
            vmx_compute_controls(caps, &cfg, out, sink, ctx);
            fmt_format(sink, ctx, "apicv=%s needs controls this CPU lacks\n", apicv_level_name(level));
            return -1;
        }
        lacks = f; /* what the level above the chosen one lacks */
    }
    if (lacks.len)
        fmt_format(sink, ctx, "apicv: %s (no %s)\n", apicv_level_name(level), lacks.name);
    else
        fmt_format(sink, ctx, "apicv: %s%s\n", apicv_level_name(level),
                   out->ctl[VMX_CTL_PROC] & CPU_HLT_EXITING ? "" : " (HLT without an exit)");
    return (int)level;
}
