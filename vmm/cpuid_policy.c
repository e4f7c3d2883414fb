#include "vmm/cpuid_policy.h"

#include "apicvisor/hypercall.h"

/* Bit positions from the SDM's CPUID description (Vol. 2A, CPUID, Tables 3-8 to 3-11). */
#define BIT(n) (1u << (n))

/* Leaf 01H ECX.  Hidden: DTES64 2, MONITOR 3, DS-CPL 4, VMX 5, SMX 6, EIST 7, TM2 8, CNXT-ID 10,
 * SDBG 11, xTPR 14, PDCM 15, DCA 18 (MSRs or instructions apicvisor does not virtualize). */
#define ECX1_SSE3      BIT(0)
#define ECX1_PCLMULQDQ BIT(1)
#define ECX1_SSSE3     BIT(9)
#define ECX1_FMA       BIT(12)
#define ECX1_CX16      BIT(13)
#define ECX1_PCID      BIT(17)
#define ECX1_SSE41     BIT(19)
#define ECX1_SSE42     BIT(20)
#define ECX1_X2APIC    BIT(21)
#define ECX1_MOVBE     BIT(22)
#define ECX1_POPCNT    BIT(23)
#define ECX1_TSC_DEADLINE BIT(24)
#define ECX1_AES       BIT(25)
#define ECX1_XSAVE     BIT(26)
#define ECX1_OSXSAVE   BIT(27)
#define ECX1_AVX       BIT(28)
#define ECX1_F16C      BIT(29)
#define ECX1_RDRAND    BIT(30)
#define ECX1_HYPERVISOR BIT(31)
#define ECX1_KEEP (ECX1_SSE3 | ECX1_PCLMULQDQ | ECX1_SSSE3 | ECX1_CX16 | ECX1_PCID | ECX1_SSE41 | ECX1_SSE42 | \
                   ECX1_MOVBE | ECX1_POPCNT | ECX1_AES | ECX1_RDRAND)
#define ECX1_AVX_FAMILY (ECX1_FMA | ECX1_AVX | ECX1_F16C)

/* Leaf 01H EDX.  Hidden: MCE 7, MTRR 12 (the guest's MTRRs do not apply under EPT; MTRRCAP and
 * MTRR_DEF_TYPE read 0 for guests that look anyway), MCA 14, PSN 18, DS 21, ACPI 22, TM 29,
 * PBE 31, and the reserved bits. */
#define EDX1_FPU    BIT(0)
#define EDX1_VME    BIT(1)
#define EDX1_DE     BIT(2)
#define EDX1_PSE    BIT(3)
#define EDX1_TSC    BIT(4)
#define EDX1_MSR    BIT(5)
#define EDX1_PAE    BIT(6)
#define EDX1_CX8    BIT(8)
#define EDX1_APIC   BIT(9)
#define EDX1_SEP    BIT(11)
#define EDX1_PGE    BIT(13)
#define EDX1_CMOV   BIT(15)
#define EDX1_PAT    BIT(16)
#define EDX1_PSE36  BIT(17)
#define EDX1_CLFSH  BIT(19)
#define EDX1_MMX    BIT(23)
#define EDX1_FXSR   BIT(24)
#define EDX1_SSE    BIT(25)
#define EDX1_SSE2   BIT(26)
#define EDX1_SS     BIT(27)
#define EDX1_HTT    BIT(28)
#define EDX1_KEEP (EDX1_FPU | EDX1_VME | EDX1_DE | EDX1_PSE | EDX1_TSC | EDX1_MSR | EDX1_PAE | EDX1_CX8 | \
                   EDX1_SEP | EDX1_PGE | EDX1_CMOV | EDX1_PAT | EDX1_PSE36 | EDX1_CLFSH | EDX1_MMX | EDX1_FXSR | \
                   EDX1_SSE | EDX1_SSE2 | EDX1_SS)

/* Leaf 01H EBX: [15:0] brand index and CLFLUSH size, [23:16] logical processor IDs, [31:24]
 * initial APIC ID. */
#define EBX1_HOST_BITS 0x0000ffffu

/* Leaf 06H EAX: always-running APIC timer (the virtual timer runs in every guest state). */
#define EAX6_ARAT BIT(2)

/* Leaf 07H subleaf 0: instructions that run natively, nothing with MSRs or extra state.  Hidden
 * in EBX: SGX 2, HLE 4, RTM 11, RDT-M 12, MPX 14, RDT-A 15, AVX-512 16/17/21/26/27/28/30/31,
 * PT 25; in ECX: AVX-512 1/6/11/12/14, UMIP 2 (CR4.UMIP is not offered), PKU 3, OSPKE 4,
 * WAITPKG 5, CET_SS 7, TME 13, LA57 16 (CR4.LA57 is not offered), MAWAU 21:17, KL 23,
 * BUS_LOCK_DETECT 24, ENQCMD 29, SGX_LC 30, PKS 31; in EDX everything but FSRM and SERIALIZE
 * (AVX-512, UINTR, SRBDS_CTRL, MD_CLEAR, TSX, HYBRID, PCONFIG, ARCH_LBR, CET_IBT, AMX, IBRS/IBPB,
 * STIBP, L1D_FLUSH, CORE_CAPABILITIES, SSBD: no SPEC_CTRL or other MSR is emulated). */
#define EBX7_FSGSBASE   BIT(0)
#define EBX7_TSC_ADJUST BIT(1)
#define EBX7_BMI1       BIT(3)
#define EBX7_AVX2       BIT(5)
#define EBX7_FDP_EXCPTN_ONLY BIT(6)
#define EBX7_SMEP       BIT(7)
#define EBX7_BMI2       BIT(8)
#define EBX7_ERMS       BIT(9)
#define EBX7_INVPCID    BIT(10)
#define EBX7_FPU_CSDS   BIT(13)
#define EBX7_RDSEED     BIT(18)
#define EBX7_ADX        BIT(19)
#define EBX7_SMAP       BIT(20)
#define EBX7_CLFLUSHOPT BIT(23)
#define EBX7_CLWB       BIT(24)
#define EBX7_SHA        BIT(29)
#define EBX7_KEEP (EBX7_FSGSBASE | EBX7_BMI1 | EBX7_FDP_EXCPTN_ONLY | EBX7_SMEP | EBX7_BMI2 | EBX7_ERMS | \
                   EBX7_FPU_CSDS | EBX7_RDSEED | EBX7_ADX | EBX7_SMAP | EBX7_CLFLUSHOPT | EBX7_CLWB | EBX7_SHA)
#define ECX7_PREFETCHWT1 BIT(0)
#define ECX7_GFNI       BIT(8)
#define ECX7_VAES       BIT(9)
#define ECX7_VPCLMULQDQ BIT(10)
#define ECX7_RDPID      BIT(22)
#define ECX7_CLDEMOTE   BIT(25)
#define ECX7_MOVDIRI    BIT(27)
#define ECX7_MOVDIR64B  BIT(28)
#define ECX7_KEEP (ECX7_PREFETCHWT1 | ECX7_GFNI | ECX7_CLDEMOTE | ECX7_MOVDIRI | ECX7_MOVDIR64B)
#define ECX7_AVX_FAMILY (ECX7_VAES | ECX7_VPCLMULQDQ)
#define EDX7_FSRM       BIT(4)
#define EDX7_SERIALIZE  BIT(14)
#define EDX7_ARCH_CAPABILITIES BIT(29)
#define EDX7_KEEP (EDX7_FSRM | EDX7_SERIALIZE)

/* Leaf 0DH (SDM Vol. 1 13.2): subleaf 0 EAX/EDX the XCR0 bits supported, EBX the XSAVE area size
 * for the current XCR0, ECX for all supported bits; subleaf 1 EAX XSAVEOPT 0 (XSAVEC 1, XGETBV
 * with ECX = 1 2, XSAVES 3, XFD 4 hidden); subleaf 2: AVX state, EAX size and EBX offset. */
#define EAX_D1_XSAVEOPT BIT(0)
#define XSAVE_AREA_LEGACY 576u  /* 512-byte legacy region + 64-byte XSAVE header (SDM 13.4) */
#define XSAVE_AREA_AVX    832u  /* + AVX state: 256 bytes at offset 576 (CPUID.(0DH,2)) */
#define XSAVE_SUBLEAF_AVX 2u

/* Leaf 80000001H: ECX LAHF-SAHF 0, LZCNT 5, PREFETCHW 8; EDX SYSCALL 11, NX 20, 1-GByte pages
 * 26, RDTSCP 27, Intel 64 29 (every bit Intel defines there). */
#define ECX_E1_KEEP (BIT(0) | BIT(5) | BIT(8))
#define EDX_E1_KEEP (BIT(11) | BIT(20) | BIT(26) | BIT(29))
#define EDX_E1_RDTSCP BIT(27)
/* Leaf 80000007H EDX: invariant TSC (the guest reads the host's TSC). */
#define EDX_E7_INVARIANT_TSC BIT(8)
/* Leaf 80000008H: EAX [7:0] physical, [15:8] linear address bits (48: no LA57); EBX WBNOINVD 9. */
#define EAX_E8_PHYS_BITS 0xffu
#define EAX_E8_LINEAR_SHIFT 8
#define LINEAR_BITS_4LEVEL 48u
#define EBX_E8_WBNOINVD BIT(9)

#define HYPERVISOR_LEAVES_END 0x50000000u /* 40000000H-4FFFFFFFH: reserved for hypervisors */
#define KVM_CPUID_FEATURES    0x40000001u
#define KVM_SIG_EBX           0x4b4d564bu /* "KVMK" */
#define KVM_SIG_ECX           0x564b4d56u /* "VMKV" */
#define KVM_SIG_EDX           0x0000004du /* "M\0\0\0" */
#define EXTENDED_LEAVES_END   0x90000000u

static void zero(struct cpuid_regs *r)
{
    r->eax = r->ebx = r->ecx = r->edx = 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Whether the leaf is one the guest is told exists. */
static bool leaf_offered(const struct cpuid_view *v, uint32_t leaf)
{
    if (leaf < APICVISOR_CPUID_BASE)
        return leaf <= min_u32(v->host_max_basic, CPUID_GUEST_MAX_BASIC);
    if (leaf < HYPERVISOR_LEAVES_END)
        return leaf == APICVISOR_CPUID_BASE ||
               (v->kvm_signature && (leaf == KVM_CPUID_FEATURES || leaf == APICVISOR_CPUID_BASE_KVM));
    if (leaf >= 0x80000000u && leaf < EXTENDED_LEAVES_END)
        return leaf <= min_u32(v->host_max_ext, CPUID_GUEST_MAX_EXTENDED);
    return false;
}

static void leaf_1(const struct cpuid_view *v, struct cpuid_regs *r)
{
    bool xsave = v->xsave && (r->ecx & ECX1_XSAVE);
    r->ebx = (r->ebx & EBX1_HOST_BITS) | ((v->apic_id & 0xffu) << 24) | ((v->nvcpus & 0xffu) << 16);
    r->ecx = (r->ecx & (ECX1_KEEP | (xsave ? ECX1_XSAVE | ECX1_AVX_FAMILY : 0))) | ECX1_HYPERVISOR |
             (xsave && v->osxsave ? ECX1_OSXSAVE : 0) | (v->x2apic ? ECX1_X2APIC : 0) |
             (v->tsc_deadline ? ECX1_TSC_DEADLINE : 0);
    /* HTT: EBX[23:16] is only valid with it set (SDM CPUID leaf 01H). */
    r->edx = (r->edx & EDX1_KEEP) | EDX1_HTT | (v->apic_enabled ? EDX1_APIC : 0);
}

static void leaf_6(struct cpuid_regs *r)
{
    zero(r);
    r->eax = EAX6_ARAT;
}

static void leaf_7(const struct cpuid_view *v, uint32_t subleaf, struct cpuid_regs *r)
{
    if (subleaf != 0) {
        zero(r);
        return;
    }
    /* AVX2, VAES, VPCLMULQDQ need XCR0.AVX: only with XSAVE (a host with them has XSAVE). */
    bool avx = v->xsave;
    r->eax = 0; /* the highest subleaf */
    r->ebx = (r->ebx & (EBX7_KEEP | (avx ? EBX7_AVX2 : 0))) | (v->tsc_adjust ? EBX7_TSC_ADJUST : 0) |
             (v->invpcid ? r->ebx & EBX7_INVPCID : 0);
    r->ecx = (r->ecx & (ECX7_KEEP | (avx ? ECX7_AVX_FAMILY : 0))) | (v->rdtscp ? r->ecx & ECX7_RDPID : 0);
    r->edx = (r->edx & EDX7_KEEP) | (v->arch_capabilities ? EDX7_ARCH_CAPABILITIES : 0);
}

/* The XSAVE area size, standard format, for the components in xcr0 (x87, SSE, AVX at most). */
static uint32_t xsave_size(uint64_t xcr0)
{
    return (xcr0 & XCR0_AVX) ? XSAVE_AREA_AVX : XSAVE_AREA_LEGACY;
}

static void leaf_0xd(const struct cpuid_view *v, uint32_t subleaf, struct cpuid_regs *r)
{
    struct cpuid_regs host = *r;
    zero(r);
    if (!v->xsave)
        return;
    if (subleaf == 0 && (host.eax & XCR0_X87)) {
        r->eax = host.eax & (uint32_t)CPUID_GUEST_XCR0;
        r->ebx = xsave_size(v->xcr0 & r->eax);
        r->ecx = xsave_size(r->eax);
    } else if (subleaf == 1) {
        r->eax = host.eax & EAX_D1_XSAVEOPT;
    } else if (subleaf == XSAVE_SUBLEAF_AVX) {
        r->eax = host.eax; /* size */
        r->ebx = host.ebx; /* offset; ECX: neither supervisor nor compacted-aligned */
    }
}

static void leaf_0x80000001(const struct cpuid_view *v, struct cpuid_regs *r)
{
    r->eax = r->ebx = 0;
    r->ecx &= ECX_E1_KEEP;
    r->edx &= EDX_E1_KEEP | (v->rdtscp ? EDX_E1_RDTSCP : 0);
}

static void leaf_0x80000008(struct cpuid_regs *r)
{
    uint32_t linear = min_u32((r->eax >> EAX_E8_LINEAR_SHIFT) & 0xffu, LINEAR_BITS_4LEVEL);
    r->eax = (r->eax & EAX_E8_PHYS_BITS) | (linear << EAX_E8_LINEAR_SHIFT);
    r->ebx &= EBX_E8_WBNOINVD;
    r->ecx = r->edx = 0;
}

static void signature(struct cpuid_regs *r, uint32_t base)
{
    r->eax = base; /* the highest leaf of this hypervisor's range */
    r->ebx = APICVISOR_SIG_EBX;
    r->ecx = APICVISOR_SIG_ECX;
    r->edx = APICVISOR_SIG_EDX;
}

/* KVM's CPUID interface (Linux Documentation/virt/kvm/x86/cpuid.rst): "KVMKVMKVM\0\0\0", the
 * highest leaf 40000001H, whose EAX (features) and EDX (hints) are 0: no kvmclock, no PV EOI,
 * no PV IPIs, nothing that would need KVM's MSRs or hypercalls. */
static void kvm_signature(struct cpuid_regs *r)
{
    r->eax = KVM_CPUID_FEATURES;
    r->ebx = KVM_SIG_EBX;
    r->ecx = KVM_SIG_ECX;
    r->edx = KVM_SIG_EDX;
}

/* The leaves whose host answer is kept whole: cache and TLB descriptors (2), deterministic cache
 * parameters (4: the vCPUs are the physical CPUs with their APIC IDs, so the sharing and core
 * counts hold), the brand string and the L2 cache (8000000[2-6]H). */
static bool kept_whole(uint32_t leaf)
{
    return leaf == 0x2 || leaf == 0x4 || (leaf >= 0x80000002u && leaf <= 0x80000004u) || leaf == 0x80000006u;
}

unsigned cpuid_id_space(const uint32_t *apic_ids, unsigned n)
{
    uint32_t highest = 0;
    for (unsigned i = 0; i < n; i++)
        if (apic_ids[i] > highest)
            highest = apic_ids[i];
    unsigned space = 1;
    while (space <= highest && space < 256)
        space <<= 1;
    return space > 255 ? 255 : space;
}

void cpuid_guest_view(const struct cpuid_view *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    if (!leaf_offered(v, leaf)) {
        zero(r);
        return;
    }
    if (kept_whole(leaf))
        return;
    switch (leaf) {
    case 0x0: r->eax = min_u32(r->eax, CPUID_GUEST_MAX_BASIC); return; /* EBX:EDX:ECX: the vendor */
    case 0x1: leaf_1(v, r); return;
    case 0x6: leaf_6(r); return;
    case 0x7: leaf_7(v, subleaf, r); return;
    case 0xb:
    case 0x1f: r->edx = v->apic_id; return; /* topology: EDX is the asking CPU's x2APIC ID */
    case 0xd: leaf_0xd(v, subleaf, r); return;
    case APICVISOR_CPUID_BASE:
        if (v->kvm_signature)
            kvm_signature(r);
        else
            signature(r, APICVISOR_CPUID_BASE);
        return;
    case APICVISOR_CPUID_BASE_KVM: signature(r, APICVISOR_CPUID_BASE_KVM); return;
    case 0x80000000u:
        r->eax = min_u32(r->eax, CPUID_GUEST_MAX_EXTENDED);
        r->ebx = r->ecx = r->edx = 0;
        return;
    case 0x80000001u: leaf_0x80000001(v, r); return;
    case 0x80000007u:
        r->edx &= EDX_E7_INVARIANT_TSC;
        r->eax = r->ebx = r->ecx = 0;
        return;
    case 0x80000008u: leaf_0x80000008(r); return;
    /* Among the rest: PSN 3, MONITOR 5, DCA 9, PMU 0AH, RDT 0FH/10H, SGX 12H, PT 14H, 15H
     * (the TSC/crystal ratio: the virtual APIC timer runs at the TSC's rate, not the crystal's,
     * so a guest that derived the timer rate from it would mis-time; it calibrates instead) and
     * 16H (Linux takes its base frequency for the TSC's without 15H, and it need not be: Bochs
     * says 2400 MHz for a TSC at 200 MHz; the guest measures the TSC against the PIT instead). */
    default: zero(r); return;
    }
}
