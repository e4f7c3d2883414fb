#include "vmx/ctl_names.h"

#include <stddef.h>

/* Indexed by bit position, as in the SDM tables. */
static const char *const ctl_names[VMX_CTL_COUNT][32] = {
    [VMX_CTL_PIN] = {
        [0] = "external-interrupt exiting",
        [3] = "NMI exiting",
        [5] = "virtual NMIs",
        [6] = "activate VMX-preemption timer",
        [7] = "process posted interrupts",
    },
    [VMX_CTL_PROC] = {
        [2] = "interrupt-window exiting",
        [3] = "use TSC offsetting",
        [7] = "HLT exiting",
        [9] = "INVLPG exiting",
        [10] = "MWAIT exiting",
        [11] = "RDPMC exiting",
        [12] = "RDTSC exiting",
        [15] = "CR3-load exiting",
        [16] = "CR3-store exiting",
        [17] = "activate tertiary controls",
        [19] = "CR8-load exiting",
        [20] = "CR8-store exiting",
        [21] = "use TPR shadow",
        [22] = "NMI-window exiting",
        [23] = "MOV-DR exiting",
        [24] = "unconditional I/O exiting",
        [25] = "use I/O bitmaps",
        [27] = "monitor trap flag",
        [28] = "use MSR bitmaps",
        [29] = "MONITOR exiting",
        [30] = "PAUSE exiting",
        [31] = "activate secondary controls",
    },
    [VMX_CTL_PROC2] = {
        [0] = "virtualize APIC accesses",
        [1] = "enable EPT",
        [2] = "descriptor-table exiting",
        [3] = "enable RDTSCP",
        [4] = "virtualize x2APIC mode",
        [5] = "enable VPID",
        [6] = "WBINVD exiting",
        [7] = "unrestricted guest",
        [8] = "APIC-register virtualization",
        [9] = "virtual-interrupt delivery",
        [10] = "PAUSE-loop exiting",
        [11] = "RDRAND exiting",
        [12] = "enable INVPCID",
        [13] = "enable VM functions",
        [14] = "VMCS shadowing",
        [15] = "enable ENCLS exiting",
        [16] = "RDSEED exiting",
        [17] = "enable PML",
        [18] = "EPT-violation #VE",
        [19] = "conceal VMX from PT",
        [20] = "enable XSAVES/XRSTORS",
        [21] = "PASID translation",
        [22] = "mode-based execute control for EPT",
        [23] = "sub-page write permissions for EPT",
        [24] = "Intel PT uses guest-physical addresses",
        [25] = "use TSC scaling",
        [26] = "enable user wait and pause",
        [27] = "enable PCONFIG",
        [28] = "enable ENCLV exiting",
        [30] = "VMM bus-lock detection",
        [31] = "instruction timeout",
    },
    [VMX_CTL_EXIT] = {
        [2] = "save debug controls",
        [9] = "host address-space size",
        [12] = "load IA32_PERF_GLOBAL_CTRL (exit)",
        [15] = "acknowledge interrupt on exit",
        [18] = "save IA32_PAT",
        [19] = "load IA32_PAT (exit)",
        [20] = "save IA32_EFER",
        [21] = "load IA32_EFER (exit)",
        [22] = "save VMX-preemption timer value",
        [23] = "clear IA32_BNDCFGS",
        [24] = "conceal VMX from PT (exit)",
        [25] = "clear IA32_RTIT_CTL",
        [26] = "clear IA32_LBR_CTL",
        [27] = "clear UINV",
        [28] = "load CET state (exit)",
        [29] = "load PKRS (exit)",
        [30] = "save IA32_PERF_GLOBAL_CTL",
        [31] = "activate secondary controls (exit)",
    },
    [VMX_CTL_ENTRY] = {
        [2] = "load debug controls",
        [9] = "IA-32e mode guest",
        [10] = "entry to SMM",
        [11] = "deactivate dual-monitor treatment",
        [13] = "load IA32_PERF_GLOBAL_CTRL (entry)",
        [14] = "load IA32_PAT (entry)",
        [15] = "load IA32_EFER (entry)",
        [16] = "load IA32_BNDCFGS",
        [17] = "conceal VMX from PT (entry)",
        [18] = "load IA32_RTIT_CTL",
        [19] = "load UINV",
        [20] = "load CET state (entry)",
        [21] = "load guest IA32_LBR_CTL",
        [22] = "load PKRS (entry)",
    },
};

static const char *const tertiary_names[8] = {
    [0] = "LOADIWKEY exiting",
    [1] = "enable HLAT",
    [2] = "EPT paging-write control",
    [3] = "guest-paging verification",
    [4] = "IPI virtualization",
    [7] = "virtualize IA32_SPEC_CTRL",
};

static int single_bit_index(uint64_t bit)
{
    return bit && !(bit & (bit - 1)) ? __builtin_ctzll(bit) : -1;
}

const char *vmx_ctl_reg_name(enum vmx_ctl_reg reg)
{
    static const char *const names[VMX_CTL_COUNT] = {
        [VMX_CTL_PIN] = "pin-based",
        [VMX_CTL_PROC] = "primary",
        [VMX_CTL_PROC2] = "secondary",
        [VMX_CTL_EXIT] = "exit",
        [VMX_CTL_ENTRY] = "entry",
    };
    return (unsigned)reg < VMX_CTL_COUNT ? names[reg] : "?";
}

const char *vmx_ctl_name(enum vmx_ctl_reg reg, uint32_t bit)
{
    int i = single_bit_index(bit);
    return (unsigned)reg < VMX_CTL_COUNT && i >= 0 ? ctl_names[reg][i] : NULL;
}

const char *vmx_tertiary_ctl_name(uint64_t bit)
{
    int i = single_bit_index(bit);
    return i >= 0 && i < 8 ? tertiary_names[i] : NULL;
}
