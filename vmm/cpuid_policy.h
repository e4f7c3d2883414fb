/* What the guest sees through CPUID: the host's answer, adjusted per vCPU. */
#ifndef VMM_CPUID_POLICY_H
#define VMM_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cpu.h"

struct cpuid_view {
    uint32_t apic_id;      /* this vCPU's APIC ID */
    unsigned nvcpus;
    bool x2apic;           /* offer x2APIC (CPUID.1:ECX[21]) */
    bool tsc_deadline;     /* offer the TSC-deadline timer (CPUID.1:ECX[24]) */
};

#define CPUID_1_ECX_MONITOR   (1u << 3)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_XSAVE     (1u << 26)
#define CPUID_1_ECX_OSXSAVE   (1u << 27)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_APIC      (1u << 9)
#define CPUID_1_EDX_HTT       (1u << 28)

/* Rewrites the host's answer r for (leaf, subleaf) into the guest's. */
void cpuid_guest_view(const struct cpuid_view *view, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

#endif
