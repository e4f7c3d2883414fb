/* What the guest sees through CPUID: "CPUID says only what is virtualized".  An allow-list over
 * the host's answer: each leaf the hypervisor knows keeps the host bits it lets the guest use
 * (instructions that run natively in VMX non-root operation, MSRs it passes through or
 * emulates), adds what it virtualizes itself (the APIC, x2APIC, the TSC-deadline timer, the
 * hypervisor leaves), and every other leaf, subleaf and bit reads 0, so that no feature is offered
 * whose MSRs or instructions would end in #GP, #UD or a dead VM.  docs/hypercalls.md ("What a
 * guest sees") lists the result leaf by leaf. */
#ifndef VMM_CPUID_POLICY_H
#define VMM_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cpu.h"
#include "vmm/arch_rules.h"

/* The highest leaves the guest is told about (CPUID.0:EAX, CPUID.80000000H:EAX), less where the
 * host's are lower.  Leaves above them read all zeros. */
#define CPUID_GUEST_MAX_BASIC    0x1fu
#define CPUID_GUEST_MAX_EXTENDED 0x80000008u

/* The XSAVE state components a guest may enable in XCR0, at most (with view.xsave).  The ones it
 * may enable on this host (xcr0_write_ok's `supported`) are EAX of its leaf 0DH subleaf 0. */
#define CPUID_GUEST_XCR0 (XCR0_X87 | XCR0_SSE | XCR0_AVX)

struct cpuid_view {
    uint32_t apic_id;        /* this vCPU's APIC ID: 1:EBX[31:24], 0BH/1FH:EDX */
    unsigned nvcpus;         /* 1:EBX[23:16], addressable logical processor IDs (cpuid_id_space) */
    uint32_t host_max_basic; /* the host's CPUID.0:EAX: a basic leaf above it reads zeros */
    uint32_t host_max_ext;   /* the host's CPUID.80000000H:EAX: likewise for 8000xxxxH leaves */
    bool apic_enabled;       /* IA32_APIC_BASE.EN: 1:EDX[9] reads 0 while it is 0 (SDM CPUID 01H) */
    bool x2apic;             /* offer x2APIC (1:ECX[21]) */
    bool tsc_deadline;       /* offer the TSC-deadline timer (1:ECX[24]) */
    /* Offer XSAVE (1:ECX[26], leaf 0DH) with at most CPUID_GUEST_XCR0 and XSAVEOPT: the
     * hypervisor emulates XSETBV and keeps the guest's XCR0 and XSAVE state.  AVX, FMA, F16C,
     * AVX2, VAES and VPCLMULQDQ are offered only with it (they need XCR0.AVX).  No XSAVES,
     * XSAVEC or XFD: they need IA32_XSS / IA32_XFD. */
    bool xsave;
    bool osxsave;            /* the guest's CR4.OSXSAVE, which 1:ECX[27] reflects */
    uint64_t xcr0;           /* the guest's XCR0: 0DH.0:EBX is the XSAVE area size it needs */
    bool rdtscp;             /* "enable RDTSCP" is on: offer RDTSCP and RDPID (#UD without it: SDM
                              * "Changes to Instruction Behavior in VMX Non-Root Operation") */
    bool invpcid;            /* "enable INVPCID" is on: offer INVPCID (7:EBX[10]) */
    bool tsc_adjust;         /* IA32_TSC_ADJUST (0x3B) is emulated: 7:EBX[1] */
    bool arch_capabilities;  /* IA32_ARCH_CAPABILITIES (0x10A) is emulated: 7:EDX[29] */
    /* hv_signature=kvm: 40000000H says "KVMKVMKVM" with 40000001H all zero (no paravirtual
     * feature), apicvisor's own signature moves to 40000100H.  Linux trusts x2APIC without
     * interrupt remapping only under a hypervisor it knows (x86_init.hyper.x2apic_available). */
    bool kvm_signature;
};

/* CPUID.1:EBX[23:16] for these APIC IDs: the IDs a package must be able to address, the smallest
 * power of two above the highest ID (SDM CPUID leaf 01H; with sparse IDs, as with SMT off, the
 * count of vCPUs would be too small and put some in another package), at most 255. */
unsigned cpuid_id_space(const uint32_t *apic_ids, unsigned n);

/* Rewrites the host's answer r for (leaf, subleaf) into the guest's. */
void cpuid_guest_view(const struct cpuid_view *view, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

#endif
