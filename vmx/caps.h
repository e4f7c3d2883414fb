/* VMX capability MSRs: reading them once, and the allowed-0/allowed-1 rules (SDM Appendix A.3). */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "vmx/ctl_names.h"

struct vmx_caps {
    uint64_t basic;
    bool true_ctls;                /* IA32_VMX_BASIC[55]: the TRUE_* MSRs exist and are used */
    uint64_t ctl[VMX_CTL_COUNT];   /* the capability MSR in force for each control register */
    uint64_t misc, ept_vpid;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

typedef uint64_t (*msr_read_fn)(uint32_t msr);

/* Reads every capability MSR through rdmsr (a fake one in unit tests). */
void vmx_caps_read(struct vmx_caps *caps, msr_read_fn rdmsr);

/* SDM A.3: bits 31:0 are the allowed-0 settings (a 1 there forces the control on),
 * bits 63:32 the allowed-1 settings (a 0 there forces it off). */
bool vmx_ctl_can_be_0(uint64_t cap, uint32_t control);
bool vmx_ctl_can_be_1(uint64_t cap, uint32_t control);
/* The value to write: the wanted bits plus the forced-on bits, minus the forced-off bits. */
uint32_t vmx_ctl_adjust(uint64_t cap, uint32_t wanted);
/* The bits of needed that this CPU cannot set. */
uint32_t vmx_ctl_missing(uint64_t cap, uint32_t needed);

/* A control apicvisor uses; its name comes from vmx_ctl_name(). */
struct vmx_ctl_desc {
    enum vmx_ctl_reg reg;
    uint32_t bit;
    bool required; /* apicvisor cannot run without it */
};

/* The controls apicvisor uses, in report order. */
extern const struct vmx_ctl_desc vmx_used_controls[];
extern const unsigned vmx_used_controls_count;

/* Prints "vmx: missing control: NAME (REG bit N)" for each bit of bits; returns how many. */
unsigned vmx_ctl_report_missing(enum vmx_ctl_reg reg, uint32_t bits, fmt_sink_fn sink, void *ctx);

/* Prints the decoded capability report, one line per used control. */
void vmx_caps_report(const struct vmx_caps *caps, fmt_sink_fn sink, void *ctx);

/* Prints one line per required control that cannot be 1; returns how many. */
unsigned vmx_caps_check_required(const struct vmx_caps *caps, fmt_sink_fn sink, void *ctx);

#endif
