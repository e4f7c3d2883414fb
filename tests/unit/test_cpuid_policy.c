/* The guest's CPUID view, leaf by leaf, against a made-up host that sets every bit (0xffffffff)
 * and against a realistic one (a Tiger Lake-like client part).  Every bit position below is
 * written here from the SDM's CPUID description (Vol. 2A, CPUID, Tables 3-8 to 3-11; Vol. 1 13.2
 * for leaf 0DH), not taken from vmm/cpuid_policy.c; the apicvisor signature is from
 * include/apicvisor/hypercall.h ("ApicvisorVMM" in EBX:ECX:EDX of 40000000H). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cpuid_policy.h"

#define BIT(n) (1u << (n))
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Leaf 01H ECX */
enum {
    SSE3 = 0, PCLMULQDQ = 1, DTES64 = 2, MONITOR = 3, DS_CPL = 4, VMX = 5, SMX = 6, EIST = 7, TM2 = 8,
    SSSE3 = 9, CNXT_ID = 10, SDBG = 11, FMA = 12, CX16 = 13, XTPR = 14, PDCM = 15, PCID = 17, DCA = 18,
    SSE41 = 19, SSE42 = 20, X2APIC = 21, MOVBE = 22, POPCNT = 23, TSC_DEADLINE = 24, AES = 25,
    XSAVE = 26, OSXSAVE = 27, AVX = 28, F16C = 29, RDRAND = 30, HYPERVISOR = 31,
};
/* Leaf 01H EDX */
enum {
    FPU = 0, VME = 1, DE = 2, PSE = 3, TSC = 4, MSR = 5, PAE = 6, MCE = 7, CX8 = 8, APIC = 9, SEP = 11,
    MTRR = 12, PGE = 13, MCA = 14, CMOV = 15, PAT = 16, PSE36 = 17, PSN = 18, CLFSH = 19, DS = 21,
    ACPI = 22, MMX = 23, FXSR = 24, SSE = 25, SSE2 = 26, SS = 27, HTT = 28, TM = 29, PBE = 31,
};
/* Leaf 07H subleaf 0 EBX */
enum {
    FSGSBASE = 0, TSC_ADJUST = 1, SGX = 2, BMI1 = 3, HLE = 4, AVX2 = 5, FDP_EXCPTN_ONLY = 6, SMEP = 7,
    BMI2 = 8, ERMS = 9, INVPCID = 10, RTM = 11, RDT_M = 12, FPU_CSDS = 13, MPX = 14, RDT_A = 15,
    AVX512F = 16, AVX512DQ = 17, RDSEED = 18, ADX = 19, SMAP = 20, AVX512_IFMA = 21, CLFLUSHOPT = 23,
    CLWB = 24, PT = 25, AVX512PF = 26, AVX512ER = 27, AVX512CD = 28, SHA = 29, AVX512BW = 30,
    AVX512VL = 31,
};
/* Leaf 07H subleaf 0 ECX */
enum {
    PREFETCHWT1 = 0, AVX512_VBMI = 1, UMIP = 2, PKU = 3, OSPKE = 4, WAITPKG = 5, AVX512_VBMI2 = 6,
    CET_SS = 7, GFNI = 8, VAES = 9, VPCLMULQDQ = 10, AVX512_VNNI = 11, AVX512_BITALG = 12, TME_EN = 13,
    AVX512_VPOPCNTDQ = 14, LA57 = 16, RDPID = 22, KL = 23, BUS_LOCK_DETECT = 24, CLDEMOTE = 25,
    MOVDIRI = 27, MOVDIR64B = 28, ENQCMD = 29, SGX_LC = 30, PKS = 31,
};
/* Leaf 07H subleaf 0 EDX */
enum {
    AVX512_4VNNIW = 2, AVX512_4FMAPS = 3, FSRM = 4, UINTR = 5, AVX512_VP2INTERSECT = 8, SRBDS_CTRL = 9,
    MD_CLEAR = 10, RTM_ALWAYS_ABORT = 11, TSX_FORCE_ABORT = 13, SERIALIZE = 14, HYBRID = 15,
    TSXLDTRK = 16, PCONFIG = 18, ARCH_LBR = 19, CET_IBT = 20, AMX_BF16 = 22, AVX512_FP16 = 23,
    AMX_TILE = 24, AMX_INT8 = 25, IBRS_IBPB = 26, STIBP = 27, L1D_FLUSH = 28, ARCH_CAPABILITIES = 29,
    CORE_CAPABILITIES = 30, SSBD = 31,
};
/* Leaf 06H EAX: ARAT 2.  Leaf 0DH subleaf 1 EAX: XSAVEOPT 0, XSAVEC 1, XGETBV_ECX1 2, XSAVES 3,
 * XFD 4.  XCR0: x87 0, SSE 1, AVX 2, AVX-512 7:5, PKRU 9.  80000001H ECX: LAHF 0, LZCNT 5,
 * PREFETCHW 8; EDX: SYSCALL 11, NX 20, PAGE1GB 26, RDTSCP 27, LM 29.  80000007H EDX: invariant
 * TSC 8.  80000008H EBX: WBNOINVD 9. */
enum { ARAT = 2, XSAVEOPT = 0, INVARIANT_TSC = 8, WBNOINVD = 9 };
enum { LAHF = 0, LZCNT = 5, PREFETCHW = 8, SYSCALL = 11, NX = 20, PAGE1GB = 26, RDTSCP = 27, LM = 29 };
#define XCR0_BITS_X87 0x1u
#define XCR0_BITS_SSE 0x2u
#define XCR0_BITS_AVX 0x4u

static const struct cpuid_regs ones = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
static const struct cpuid_regs zeros = { 0, 0, 0, 0 };

/* A plain view: one vCPU, APIC enabled, nothing optional offered. */
static struct cpuid_view plain(void)
{
    return (struct cpuid_view){ .apic_id = 0, .nvcpus = 1, .host_max_basic = 0x1f,
                                .host_max_ext = 0x80000008u, .apic_enabled = true };
}

/* Everything optional offered. */
static struct cpuid_view everything(void)
{
    struct cpuid_view v = plain();
    v.x2apic = v.tsc_deadline = v.xsave = v.osxsave = v.rdtscp = v.invpcid = true;
    v.tsc_adjust = v.arch_capabilities = true;
    v.xcr0 = XCR0_BITS_X87 | XCR0_BITS_SSE | XCR0_BITS_AVX;
    return v;
}

static struct cpuid_regs ask(const struct cpuid_view *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs host)
{
    cpuid_guest_view(v, leaf, subleaf, &host);
    return host;
}

static uint32_t bits(const int *list, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= BIT(list[i]);
    return m;
}
#define BITS(...) bits((const int[]){ __VA_ARGS__ }, COUNT(((const int[]){ __VA_ARGS__ })))

static void assert_regs(struct cpuid_regs r, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    assert_int_equal(r.eax, eax);
    assert_int_equal(r.ebx, ebx);
    assert_int_equal(r.ecx, ecx);
    assert_int_equal(r.edx, edx);
}

/* For each bit of `hidden`: a host with only that bit set gives a result without it. */
static void assert_each_hidden(const struct cpuid_view *v, uint32_t leaf, uint32_t subleaf, int reg,
                               uint32_t hidden)
{
    for (int b = 0; b < 32; b++) {
        if (!(hidden & BIT(b)))
            continue;
        struct cpuid_regs host = zeros;
        uint32_t *regs[4] = { &host.eax, &host.ebx, &host.ecx, &host.edx };
        *regs[reg] = BIT(b);
        struct cpuid_regs r = ask(v, leaf, subleaf, host);
        uint32_t got[4] = { r.eax, r.ebx, r.ecx, r.edx };
        if (got[reg] & BIT(b))
            fail_msg("leaf %#x.%u register %d bit %d passed through", leaf, subleaf, reg, b);
    }
}
enum { EAX, EBX, ECX, EDX };

/* --- leaf 0 and the range of leaves -------------------------------------------------------- */
static void leaf0_clamps_the_max_basic_leaf_and_keeps_the_vendor(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    /* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel" */
    struct cpuid_regs host = { 0x1b, 0x756e6547, 0x6c65746e, 0x49656e69 };
    assert_regs(ask(&v, 0, 0, host), 0x1b, 0x756e6547, 0x6c65746e, 0x49656e69);
    host.eax = 0x23;
    v.host_max_basic = 0x23;
    assert_int_equal(ask(&v, 0, 0, host).eax, 0x1f);
    host.eax = 0xd;
    v.host_max_basic = 0xd;
    assert_int_equal(ask(&v, 0, 0, host).eax, 0xd);
}

static void basic_leaves_above_the_max_read_zero(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    v.host_max_basic = 0xd; /* the host has no 0x16, 0x1f: its CPU would answer with other data */
    assert_regs(ask(&v, 0x1f, 0, ones), 0, 0, 0, 0);
    assert_regs(ask(&v, 0x16, 0, ones), 0, 0, 0, 0);
    assert_regs(ask(&v, 0xe, 0, ones), 0, 0, 0, 0);
    assert_int_equal(ask(&v, 0xb, 0, ones).ebx, 0xffffffffu); /* 0xb is still there */
    v.host_max_basic = 0x23; /* the host has more than apicvisor offers */
    assert_regs(ask(&v, 0x20, 0, ones), 0, 0, 0, 0);
    assert_regs(ask(&v, 0x23, 0, ones), 0, 0, 0, 0);
    assert_int_equal(ask(&v, 0x1f, 0, ones).ebx, 0xffffffffu);
}

static void leaves_outside_every_range_read_zero(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    static const uint32_t leaves[] = { 0x3fffffffu, 0x50000000u, 0x7fffffffu, 0x80000009u, 0x8000001fu,
                                       0x8fffffffu, 0x90000000u, 0xc0000000u, 0xc0000001u, 0xffffffffu };
    for (size_t i = 0; i < COUNT(leaves); i++)
        assert_regs(ask(&v, leaves[i], 0, ones), 0, 0, 0, 0);
}

/* --- leaf 1 ------------------------------------------------------------------------------- */
static void leaf1_apic_id_and_count_in_ebx(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    v.apic_id = 3;
    v.nvcpus = 4;
    struct cpuid_regs host = { 0x000906ea, 0x12345678, 0, 0 };
    struct cpuid_regs r = ask(&v, 1, 0, host);
    /* APIC ID 3 in [31:24], 4 in [23:16], the host's brand index / CLFLUSH size [15:0] kept */
    assert_int_equal(r.ebx, 0x03045678);
    assert_int_equal(r.eax, 0x000906ea); /* family/model/stepping untouched */
    v.apic_id = 0xab;
    v.nvcpus = 1;
    assert_int_equal(ask(&v, 1, 0, ones).ebx, 0xab01ffffu);
}

/* What the guest keeps of leaf 1 ECX from a host with every bit set. */
static uint32_t ecx1_kept(void)
{
    return BITS(SSE3, PCLMULQDQ, SSSE3, CX16, PCID, SSE41, SSE42, MOVBE, POPCNT, AES, RDRAND);
}

static void leaf1_ecx_from_an_all_ones_host(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_int_equal(ask(&v, 1, 0, ones).ecx, ecx1_kept() | BIT(HYPERVISOR));
    v = everything();
    assert_int_equal(ask(&v, 1, 0, ones).ecx, ecx1_kept() | BITS(HYPERVISOR, X2APIC, TSC_DEADLINE, XSAVE,
                                                                  OSXSAVE, AVX, FMA, F16C));
    /* from an all-zero host: only what apicvisor provides itself */
    assert_int_equal(ask(&v, 1, 0, zeros).ecx, BITS(HYPERVISOR, X2APIC, TSC_DEADLINE));
}

static void leaf1_ecx_hides_each_unvirtualized_feature(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    assert_each_hidden(&v, 1, 0, ECX, BITS(DTES64, MONITOR, DS_CPL, VMX, SMX, EIST, TM2, CNXT_ID, SDBG, XTPR,
                                           PDCM, 16, DCA));
    /* ... and a host bit 31 is not what sets the guest's: it is set from an all-zero host too */
    assert_true(ask(&v, 1, 0, zeros).ecx & BIT(HYPERVISOR));
}

static void leaf1_x2apic_and_tsc_deadline_follow_the_view(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    struct cpuid_regs r = ask(&v, 1, 0, ones);
    assert_false(r.ecx & BIT(X2APIC));
    assert_false(r.ecx & BIT(TSC_DEADLINE));
    v.x2apic = true;
    r = ask(&v, 1, 0, ones);
    assert_true(r.ecx & BIT(X2APIC));
    assert_false(r.ecx & BIT(TSC_DEADLINE));
    v.x2apic = false;
    v.tsc_deadline = true;
    r = ask(&v, 1, 0, zeros); /* virtualized: offered whatever the host has */
    assert_false(r.ecx & BIT(X2APIC));
    assert_true(r.ecx & BIT(TSC_DEADLINE));
}

static void leaf1_xsave_family_follows_the_view_and_the_host(void **state)
{
    (void)state;
    const uint32_t family = BITS(XSAVE, OSXSAVE, AVX, FMA, F16C);
    struct cpuid_view v = everything();
    v.xsave = false;
    assert_int_equal(ask(&v, 1, 0, ones).ecx & family, 0);
    /* a host without XSAVE: nothing of the family, whatever the view says */
    v = everything();
    struct cpuid_regs host = ones;
    host.ecx &= ~BIT(XSAVE);
    assert_int_equal(ask(&v, 1, 0, host).ecx & family, 0);
    /* OSXSAVE is the guest's CR4.OSXSAVE, not the host's */
    v.osxsave = false;
    assert_int_equal(ask(&v, 1, 0, ones).ecx & family, BITS(XSAVE, AVX, FMA, F16C));
    v.osxsave = true;
    host = ones;
    host.ecx &= ~BIT(OSXSAVE);
    assert_int_equal(ask(&v, 1, 0, host).ecx & family, family);
    /* a host without AVX: XSAVE alone */
    host = ones;
    host.ecx &= ~BITS(AVX, FMA, F16C);
    assert_int_equal(ask(&v, 1, 0, host).ecx & family, BITS(XSAVE, OSXSAVE));
}

static void leaf1_edx_from_an_all_ones_host(void **state)
{
    (void)state;
    const uint32_t kept = BITS(FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, PAT, PSE36, CLFSH, MMX,
                               FXSR, SSE, SSE2, SS, HTT);
    struct cpuid_view v = plain();
    assert_int_equal(ask(&v, 1, 0, ones).edx, kept | BIT(APIC));
    v.apic_enabled = false;
    assert_int_equal(ask(&v, 1, 0, ones).edx, kept);
    v = everything();
    assert_each_hidden(&v, 1, 0, EDX, BITS(MCE, 10, MTRR, MCA, PSN, 20, DS, ACPI, TM, 30, PBE));
}

static void leaf1_apic_bit_follows_apic_enabled(void **state)
{
    (void)state;
    /* SDM CPUID 01H EDX[9]: the APIC is present and enabled (IA32_APIC_BASE.EN) */
    struct cpuid_view v = plain();
    assert_int_equal(ask(&v, 1, 0, zeros).edx, BITS(APIC, HTT));
    v.apic_enabled = false;
    assert_int_equal(ask(&v, 1, 0, zeros).edx, BIT(HTT));
    assert_false(ask(&v, 1, 0, ones).edx & BIT(APIC));
    v = everything();
    v.apic_enabled = false; /* x2APIC stays offered: it says what the APIC can become */
    struct cpuid_regs r = ask(&v, 1, 0, ones);
    assert_false(r.edx & BIT(APIC));
    assert_true(r.ecx & BIT(X2APIC));
}

static void leaf1_realistic_host(void **state)
{
    (void)state;
    /* A Tiger Lake-like client part: every leaf 1 feature but CNXT-ID, DCA (and the reserved bits) */
    struct cpuid_regs host = { 0x000806c1, 0x00100800,
                               BITS(SSE3, PCLMULQDQ, DTES64, MONITOR, DS_CPL, VMX, SMX, EIST, TM2, SSSE3, SDBG,
                                    FMA, CX16, XTPR, PDCM, PCID, SSE41, SSE42, X2APIC, MOVBE, POPCNT,
                                    TSC_DEADLINE, AES, XSAVE, OSXSAVE, AVX, F16C, RDRAND),
                               BITS(FPU, VME, DE, PSE, TSC, MSR, PAE, MCE, CX8, APIC, SEP, MTRR, PGE, MCA,
                                    CMOV, PAT, PSE36, CLFSH, DS, ACPI, MMX, FXSR, SSE, SSE2, SS, HTT, TM,
                                    PBE) };
    struct cpuid_view v = plain();
    v.apic_id = 2;
    v.nvcpus = 4;
    v.x2apic = true; /* as apicvisor's x2apic=auto on a host without the preemption timer */
    struct cpuid_regs r = ask(&v, 1, 0, host);
    assert_regs(r, 0x000806c1, 0x02040800,
                BITS(SSE3, PCLMULQDQ, SSSE3, CX16, PCID, SSE41, SSE42, X2APIC, MOVBE, POPCNT, AES, RDRAND,
                     HYPERVISOR),
                BITS(FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, APIC, SEP, PGE, CMOV, PAT, PSE36, CLFSH, MMX, FXSR,
                     SSE, SSE2, SS, HTT));
    v = everything();
    v.osxsave = false;
    r = ask(&v, 1, 0, host);
    assert_int_equal(r.ecx, BITS(SSE3, PCLMULQDQ, SSSE3, FMA, CX16, PCID, SSE41, SSE42, X2APIC, MOVBE, POPCNT,
                                 TSC_DEADLINE, AES, XSAVE, AVX, F16C, RDRAND, HYPERVISOR));
}

/* --- leaf 6 ------------------------------------------------------------------------------- */
static void leaf6_is_arat_only(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_regs(ask(&v, 6, 0, ones), BIT(ARAT), 0, 0, 0);
    assert_regs(ask(&v, 6, 0, zeros), BIT(ARAT), 0, 0, 0); /* the virtual timer always runs */
    /* Tiger Lake-like: DTS, turbo, ARAT, PLN, ECMD, PTM, HWP...; ECX hardware feedback */
    assert_regs(ask(&v, 6, 0, (struct cpuid_regs){ 0x0017eff7, 0x2, 0x9, 0 }), BIT(ARAT), 0, 0, 0);
}

/* --- leaf 7 ------------------------------------------------------------------------------- */
static uint32_t ebx7_kept(void)
{
    return BITS(FSGSBASE, BMI1, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS, FPU_CSDS, RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB,
                SHA);
}

static uint32_t ecx7_kept(void)
{
    return BITS(PREFETCHWT1, GFNI, CLDEMOTE, MOVDIRI, MOVDIR64B);
}

static void leaf7_from_an_all_ones_host(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_regs(ask(&v, 7, 0, ones), 0, ebx7_kept(), ecx7_kept(), BITS(FSRM, SERIALIZE));
    v = everything();
    assert_regs(ask(&v, 7, 0, ones), 0, ebx7_kept() | BITS(AVX2, TSC_ADJUST, INVPCID),
                ecx7_kept() | BITS(VAES, VPCLMULQDQ, RDPID), BITS(FSRM, SERIALIZE, ARCH_CAPABILITIES));
}

static void leaf7_hides_each_feature_with_msrs_or_state(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    assert_each_hidden(&v, 7, 0, EAX, 0xffffffffu); /* EAX: the highest subleaf, 0 */
    assert_each_hidden(&v, 7, 0, EBX, BITS(SGX, HLE, RTM, RDT_M, MPX, RDT_A, AVX512F, AVX512DQ, AVX512_IFMA, 22,
                                           PT, AVX512PF, AVX512ER, AVX512CD, AVX512BW, AVX512VL));
    assert_each_hidden(&v, 7, 0, ECX, BITS(AVX512_VBMI, UMIP, PKU, OSPKE, WAITPKG, AVX512_VBMI2, CET_SS,
                                           AVX512_VNNI, AVX512_BITALG, TME_EN, AVX512_VPOPCNTDQ, 15, LA57, 17,
                                           18, 19, 20, 21, KL, BUS_LOCK_DETECT, 26, ENQCMD, SGX_LC, PKS));
    assert_each_hidden(&v, 7, 0, EDX, BITS(0, 1, AVX512_4VNNIW, AVX512_4FMAPS, UINTR, 6, 7, AVX512_VP2INTERSECT,
                                           SRBDS_CTRL, MD_CLEAR, RTM_ALWAYS_ABORT, 12, TSX_FORCE_ABORT, HYBRID,
                                           TSXLDTRK, 17, PCONFIG, ARCH_LBR, CET_IBT, 21, AMX_BF16, AVX512_FP16,
                                           AMX_TILE, AMX_INT8, IBRS_IBPB, STIBP, L1D_FLUSH, CORE_CAPABILITIES,
                                           SSBD));
}

static void leaf7_view_switches(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    /* emulated MSRs: offered as the view says, whatever the host has */
    v.tsc_adjust = true;
    v.arch_capabilities = true;
    struct cpuid_regs r = ask(&v, 7, 0, zeros);
    assert_int_equal(r.ebx, BIT(TSC_ADJUST));
    assert_int_equal(r.edx, BIT(ARCH_CAPABILITIES));
    v = everything();
    v.tsc_adjust = v.arch_capabilities = false;
    r = ask(&v, 7, 0, ones);
    assert_false(r.ebx & BIT(TSC_ADJUST));
    assert_false(r.edx & BIT(ARCH_CAPABILITIES));
    /* native instructions behind a VM-execution control: host and view both */
    v = everything();
    assert_false(ask(&v, 7, 0, zeros).ebx & BIT(INVPCID));
    assert_false(ask(&v, 7, 0, zeros).ecx & BIT(RDPID));
    v.invpcid = v.rdtscp = false;
    r = ask(&v, 7, 0, ones);
    assert_false(r.ebx & BIT(INVPCID));
    assert_false(r.ecx & BIT(RDPID));
    /* AVX2, VAES, VPCLMULQDQ only with XSAVE */
    v = everything();
    v.xsave = false;
    r = ask(&v, 7, 0, ones);
    assert_false(r.ebx & BIT(AVX2));
    assert_int_equal(r.ecx & BITS(VAES, VPCLMULQDQ), 0);
}

static void leaf7_other_subleaves_are_zero(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    static const uint32_t subleaves[] = { 1, 2, 3, 0x80000000u, 0xffffffffu };
    for (size_t i = 0; i < COUNT(subleaves); i++)
        assert_regs(ask(&v, 7, subleaves[i], ones), 0, 0, 0, 0);
}

static void leaf7_realistic_host(void **state)
{
    (void)state;
    struct cpuid_regs host = {
        0,
        BITS(FSGSBASE, TSC_ADJUST, BMI1, AVX2, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS, INVPCID, FPU_CSDS, AVX512F,
             AVX512DQ, RDSEED, ADX, SMAP, AVX512_IFMA, CLFLUSHOPT, CLWB, PT, AVX512CD, SHA, AVX512BW, AVX512VL),
        BITS(AVX512_VBMI, UMIP, PKU, OSPKE, AVX512_VBMI2, CET_SS, GFNI, VAES, VPCLMULQDQ, AVX512_VNNI,
             AVX512_BITALG, TME_EN, AVX512_VPOPCNTDQ, RDPID, MOVDIRI, MOVDIR64B),
        BITS(FSRM, AVX512_VP2INTERSECT, MD_CLEAR, CET_IBT, IBRS_IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES,
             CORE_CAPABILITIES, SSBD),
    };
    struct cpuid_view v = everything();
    v.tsc_adjust = v.arch_capabilities = false;
    assert_regs(ask(&v, 7, 0, host), 0,
                BITS(FSGSBASE, BMI1, AVX2, FDP_EXCPTN_ONLY, SMEP, BMI2, ERMS, INVPCID, FPU_CSDS, RDSEED, ADX, SMAP,
                     CLFLUSHOPT, CLWB, SHA),
                BITS(GFNI, VAES, VPCLMULQDQ, RDPID, MOVDIRI, MOVDIR64B), BIT(FSRM));
}

/* --- leaves read as all zeros, and leaves kept whole ------------------------------------------ */
static void unvirtualized_leaves_are_zero(void **state)
{
    (void)state;
    /* PSN 3, MONITOR 5, 8, DCA 9, PMU 0AH, 0CH, 0EH, RDT 0FH/10H, 11H, SGX 12H, 13H, PT 14H,
     * TSC/crystal 15H, SoC 17H, TLB 18H, Key Locker 19H, hybrid 1AH, PCONFIG 1BH, LBR 1CH,
     * AMX 1DH/1EH */
    static const uint32_t leaves[] = { 3, 5, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                       0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e };
    struct cpuid_view v = everything();
    for (size_t i = 0; i < COUNT(leaves); i++)
        for (uint32_t sub = 0; sub < 4; sub++)
            assert_regs(ask(&v, leaves[i], sub, ones), 0, 0, 0, 0);
}

static void cache_leaves_are_the_hosts(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    /* 2 descriptors, 4 deterministic cache parameters (EAX[31:26] cores - 1 as the host says:
     * the vCPUs are the host's CPUs), brand string, 80000006H L2 */
    struct cpuid_regs host = { 0x1c004121, 0x02c0003f, 0x0000003f, 0 };
    static const uint32_t leaves[] = { 2, 4, 0x80000002u, 0x80000003u, 0x80000004u, 0x80000006u };
    for (size_t i = 0; i < COUNT(leaves); i++) {
        for (uint32_t sub = 0; sub < 3; sub++) {
            struct cpuid_regs r = ask(&v, leaves[i], sub, host);
            assert_memory_equal(&r, &host, sizeof(r));
        }
    }
}

/* 16H (base, maximum and bus frequencies) reads zeros even where the host has it: Linux takes the
 * base frequency for the TSC's when 15H is absent (cpu_khz_from_cpuid), and Bochs's 16H says
 * 2400 MHz for a TSC running at 200 MHz; without it Linux measures the TSC against the PIT. */
static void frequency_leaf_is_hidden(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    assert_regs(ask(&v, 0x16, 0, (struct cpuid_regs){ 2400, 4200, 100, 0 }), 0, 0, 0, 0);
}

static void topology_leaves_report_the_x2apic_id_in_edx(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    v.apic_id = 0x105;
    v.nvcpus = 8;
    struct cpuid_regs host = { 0x11, 0x22, 0x133, 0x7 };
    for (uint32_t sub = 0; sub < 3; sub++) {
        assert_regs(ask(&v, 0xb, sub, host), 0x11, 0x22, 0x133, 0x105);
        assert_regs(ask(&v, 0x1f, sub, host), 0x11, 0x22, 0x133, 0x105);
    }
}

/* --- leaf 0DH ----------------------------------------------------------------------------- */
static void leaf_0xd_is_zero_without_xsave(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    v.xsave = false;
    for (uint32_t sub = 0; sub < 4; sub++)
        assert_regs(ask(&v, 0xd, sub, ones), 0, 0, 0, 0);
}

static void leaf_0xd_subleaf0_offers_x87_sse_avx_at_most(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    /* standard-format sizes: 512 legacy + 64 header = 576; AVX adds 256 at offset 576 = 832 */
    v.xcr0 = XCR0_BITS_X87;
    assert_regs(ask(&v, 0xd, 0, ones), 0x7, 576, 832, 0);
    v.xcr0 = XCR0_BITS_X87 | XCR0_BITS_SSE;
    assert_regs(ask(&v, 0xd, 0, ones), 0x7, 576, 832, 0);
    v.xcr0 = XCR0_BITS_X87 | XCR0_BITS_SSE | XCR0_BITS_AVX;
    assert_regs(ask(&v, 0xd, 0, ones), 0x7, 832, 832, 0);
    /* a realistic host: x87, SSE, AVX, AVX-512 (7:5), PKRU (9); sizes for all of them */
    struct cpuid_regs host = { 0x2e7, 0xa88, 0xa88, 0 };
    assert_regs(ask(&v, 0xd, 0, host), 0x7, 832, 832, 0);
    /* a host without AVX: the guest's XCR0 cannot have it either */
    host = (struct cpuid_regs){ 0x3, 0x240, 0x240, 0 };
    assert_regs(ask(&v, 0xd, 0, host), 0x3, 576, 576, 0);
    /* no XSAVE on the host: leaf 0DH is all zeros there, and stays so */
    assert_regs(ask(&v, 0xd, 0, zeros), 0, 0, 0, 0);
}

static void leaf_0xd_subleaf1_is_xsaveopt_only(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    /* no XSAVEC (1), XGETBV ECX=1 (2), XSAVES (3), XFD (4); no IA32_XSS size or bits */
    assert_regs(ask(&v, 0xd, 1, ones), BIT(XSAVEOPT), 0, 0, 0);
    assert_regs(ask(&v, 0xd, 1, (struct cpuid_regs){ 0xf, 0x988, 0x1900, 0 }), BIT(XSAVEOPT), 0, 0, 0);
    assert_regs(ask(&v, 0xd, 1, (struct cpuid_regs){ 0xe, 0, 0, 0 }), 0, 0, 0, 0);
}

static void leaf_0xd_subleaf2_is_the_avx_component(void **state)
{
    (void)state;
    struct cpuid_view v = everything();
    assert_regs(ask(&v, 0xd, 2, (struct cpuid_regs){ 256, 576, 0, 0 }), 256, 576, 0, 0);
    /* neither supervisor (ECX[0]) nor 64-byte aligned when compacted (ECX[1]): no XSAVES/XSAVEC */
    assert_regs(ask(&v, 0xd, 2, ones), 0xffffffffu, 0xffffffffu, 0, 0);
    for (uint32_t sub = 3; sub < 64; sub++)
        assert_regs(ask(&v, 0xd, sub, ones), 0, 0, 0, 0);
}

/* --- extended leaves ------------------------------------------------------------------------ */
static void leaf_0x80000000_clamps_the_max_extended_leaf(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_regs(ask(&v, 0x80000000u, 0, (struct cpuid_regs){ 0x80000008u, 1, 2, 3 }), 0x80000008u, 0, 0, 0);
    v.host_max_ext = 0x80000021u;
    assert_regs(ask(&v, 0x80000000u, 0, (struct cpuid_regs){ 0x80000021u, 0, 0, 0 }), 0x80000008u, 0, 0, 0);
    assert_regs(ask(&v, 0x80000021u, 0, ones), 0, 0, 0, 0);
    /* a host with fewer extended leaves: the missing ones read zeros */
    v.host_max_ext = 0x80000004u;
    assert_regs(ask(&v, 0x80000006u, 0, ones), 0, 0, 0, 0);
    assert_regs(ask(&v, 0x80000008u, 0, ones), 0, 0, 0, 0);
    assert_int_equal(ask(&v, 0x80000004u, 0, ones).eax, 0xffffffffu);
}

static void leaf_0x80000001_keeps_the_intel_features(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_regs(ask(&v, 0x80000001u, 0, ones), 0, 0, BITS(LAHF, LZCNT, PREFETCHW), BITS(SYSCALL, NX, PAGE1GB, LM));
    v.rdtscp = true;
    assert_regs(ask(&v, 0x80000001u, 0, ones), 0, 0, BITS(LAHF, LZCNT, PREFETCHW),
                BITS(SYSCALL, NX, PAGE1GB, RDTSCP, LM));
    /* realistic: the same bits, and RDTSCP needs the host too */
    struct cpuid_regs host = { 0, 0, 0x121, 0x2c100800 };
    assert_regs(ask(&v, 0x80000001u, 0, host), 0, 0, 0x121, 0x2c100800);
    assert_false(ask(&v, 0x80000001u, 0, zeros).edx & BIT(RDTSCP));
}

static void leaf_0x80000005_and_7_and_8(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    assert_regs(ask(&v, 0x80000005u, 0, ones), 0, 0, 0, 0);
    assert_regs(ask(&v, 0x80000007u, 0, ones), 0, 0, 0, BIT(INVARIANT_TSC));
    assert_regs(ask(&v, 0x80000007u, 0, zeros), 0, 0, 0, 0);
    /* 39 physical and 48 linear address bits */
    assert_regs(ask(&v, 0x80000008u, 0, (struct cpuid_regs){ 0x3027, 0, 0, 0 }), 0x3027, 0, 0, 0);
    /* a host with LA57 (57 linear bits): the guest gets 48, CR4.LA57 not being offered */
    assert_regs(ask(&v, 0x80000008u, 0, (struct cpuid_regs){ 0x3934, 0x200, 0, 0 }), 0x3034, BIT(WBNOINVD), 0, 0);
    assert_regs(ask(&v, 0x80000008u, 0, ones), 0x30ff, BIT(WBNOINVD), 0, 0);
}

/* --- hypervisor leaves ------------------------------------------------------------------------ */
/* The signature as bytes: little-endian register bytes, EBX then ECX then EDX. */
static void signature_bytes(struct cpuid_regs r, uint8_t sig[12])
{
    for (int i = 0; i < 4; i++) {
        sig[i] = (uint8_t)(r.ebx >> (8 * i));
        sig[4 + i] = (uint8_t)(r.ecx >> (8 * i));
        sig[8 + i] = (uint8_t)(r.edx >> (8 * i));
    }
}

static void signature_leaf_spells_apicvisorvmm(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    struct cpuid_regs r = ask(&v, 0x40000000u, 0, zeros);
    uint8_t sig[12];
    signature_bytes(r, sig);
    assert_memory_equal(sig, "ApicvisorVMM", 12);
    /* by hand: 'A' 0x41 'p' 0x70 'i' 0x69 'c' 0x63 */
    assert_int_equal(r.ebx, 0x63697041);
    /* EAX: the highest hypervisor leaf; no leaf above the base carries information */
    assert_int_equal(r.eax, 0x40000000u);
    struct cpuid_regs again = ask(&v, 0x40000000u, 0, ones); /* whatever the host said */
    assert_memory_equal(&again, &r, sizeof(r));
}

static void hypervisor_leaves_above_the_base_are_zero(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    static const uint32_t leaves[] = { 0x40000001u, 0x40000010u, 0x40000080u, 0x400000ffu, 0x40000100u,
                                       0x40000101u, 0x4fffffffu };
    for (size_t i = 0; i < COUNT(leaves); i++)
        assert_regs(ask(&v, leaves[i], 0, ones), 0, 0, 0, 0);
}

/* hv_signature=kvm: KVM's signature and an all-zero feature leaf, ours one range up. */
static void kvm_signature_with_no_features(void **state)
{
    (void)state;
    struct cpuid_view v = plain();
    v.kvm_signature = true;
    struct cpuid_regs r = ask(&v, 0x40000000u, 0, zeros);
    uint8_t sig[12];
    signature_bytes(r, sig);
    assert_memory_equal(sig, "KVMKVMKVM\0\0\0", 12);
    assert_int_equal(r.eax, 0x40000001u); /* the highest KVM leaf */
    assert_regs(ask(&v, 0x40000001u, 0, ones), 0, 0, 0, 0); /* no paravirtual features, no hints */
    r = ask(&v, 0x40000100u, 0, zeros);
    assert_int_equal(r.eax, 0x40000100u);
    assert_int_equal(r.ebx, 0x63697041); /* "Apic" */
    assert_regs(ask(&v, 0x40000101u, 0, ones), 0, 0, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leaf0_clamps_the_max_basic_leaf_and_keeps_the_vendor),
        cmocka_unit_test(basic_leaves_above_the_max_read_zero),
        cmocka_unit_test(leaves_outside_every_range_read_zero),
        cmocka_unit_test(leaf1_apic_id_and_count_in_ebx),
        cmocka_unit_test(leaf1_ecx_from_an_all_ones_host),
        cmocka_unit_test(leaf1_ecx_hides_each_unvirtualized_feature),
        cmocka_unit_test(leaf1_x2apic_and_tsc_deadline_follow_the_view),
        cmocka_unit_test(leaf1_xsave_family_follows_the_view_and_the_host),
        cmocka_unit_test(leaf1_edx_from_an_all_ones_host),
        cmocka_unit_test(leaf1_apic_bit_follows_apic_enabled),
        cmocka_unit_test(leaf1_realistic_host),
        cmocka_unit_test(leaf6_is_arat_only),
        cmocka_unit_test(leaf7_from_an_all_ones_host),
        cmocka_unit_test(leaf7_hides_each_feature_with_msrs_or_state),
        cmocka_unit_test(leaf7_view_switches),
        cmocka_unit_test(leaf7_other_subleaves_are_zero),
        cmocka_unit_test(leaf7_realistic_host),
        cmocka_unit_test(unvirtualized_leaves_are_zero),
        cmocka_unit_test(cache_leaves_are_the_hosts),
        cmocka_unit_test(frequency_leaf_is_hidden),
        cmocka_unit_test(topology_leaves_report_the_x2apic_id_in_edx),
        cmocka_unit_test(leaf_0xd_is_zero_without_xsave),
        cmocka_unit_test(leaf_0xd_subleaf0_offers_x87_sse_avx_at_most),
        cmocka_unit_test(leaf_0xd_subleaf1_is_xsaveopt_only),
        cmocka_unit_test(leaf_0xd_subleaf2_is_the_avx_component),
        cmocka_unit_test(leaf_0x80000000_clamps_the_max_extended_leaf),
        cmocka_unit_test(leaf_0x80000001_keeps_the_intel_features),
        cmocka_unit_test(leaf_0x80000005_and_7_and_8),
        cmocka_unit_test(signature_leaf_spells_apicvisorvmm),
        cmocka_unit_test(kvm_signature_with_no_features),
        cmocka_unit_test(hypervisor_leaves_above_the_base_are_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
