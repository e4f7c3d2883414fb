#include "vmm/arch_rules.h"

#define CR0_RESERVED_HIGH 0xffffffff00000000ull /* SDM 2.5: a 1 here is #GP(0) */

/* CPUID bits that make CR4 bits exist (SDM Vol. 2 CPUID, Table 3-10 and leaf 07H). */
#define CPUID_1_ECX_SMX     (1u << 6)
#define CPUID_1_ECX_PCID    (1u << 17)
#define CPUID_7_EBX_FSGSBASE (1u << 0)
#define CPUID_7_EBX_SMEP    (1u << 7)
#define CPUID_7_EBX_SMAP    (1u << 20)
#define CPUID_7_ECX_UMIP    (1u << 2)
#define CPUID_7_ECX_PKU     (1u << 3)
#define CPUID_7_ECX_CET_SS  (1u << 7)
#define CPUID_7_ECX_LA57    (1u << 16)
#define CPUID_7_ECX_KL      (1u << 23)
#define CPUID_7_ECX_PKS     (1u << 31)
#define CPUID_7_EDX_UINTR   (1u << 5)
#define CPUID_7_EDX_CET_IBT (1u << 20)

/* PDPTE (SDM 4.4.1, Table 4-8): present in bit 0, reserved 2:1 and 8:5 and M..63. */
#define PDPTE_P            (1ull << 0)
#define PDPTE_RESERVED_LOW 0x1e6ull
#define PDPTE_COUNT        4

/* IA32_PAT memory types (SDM 13.12.2, Table 13-10); 2, 3 and 8-255 are reserved. */
#define PAT_UC       0
#define PAT_WC       1
#define PAT_WT       4
#define PAT_WP       5
#define PAT_WB       6
#define PAT_UC_MINUS 7
#define PAT_ENTRIES  8

bool cr0_write_ok(uint64_t old_cr0, uint64_t new_cr0, uint64_t efer, uint64_t cr4, bool cs_l)
{
    bool pg = new_cr0 & CR0_PG, setting_pg = pg && !(old_cr0 & CR0_PG);
    if (new_cr0 & CR0_RESERVED_HIGH)
        return false;
    /* MOV CR: "invalid bit combinations": NW without CD, PG without PE. */
    if ((new_cr0 & CR0_NW) && !(new_cr0 & CR0_CD))
        return false;
    if (pg && !(new_cr0 & CR0_PE))
        return false;
    /* SDM 4.1.2: no paging with LME and without PAE; MOV CR: activating IA-32e mode from a code
     * segment with L set. */
    if (setting_pg && (efer & EFER_LME) && (!(cr4 & CR4_PAE) || cs_l))
        return false;
    /* MOV CR: clearing PG with CR4.PCIDE, or in 64-bit mode (leave through compatibility mode). */
    if (!pg && ((cr4 & CR4_PCIDE) || ((efer & EFER_LMA) && cs_l)))
        return false;
    /* MOV CR: clearing WP with CR4.CET. */
    return (new_cr0 & CR0_WP) || !(cr4 & CR4_CET);
}

uint64_t cr0_write_value(uint64_t new_cr0)
{
    return (new_cr0 & CR0_DEFINED) | CR0_ET;
}

bool cr4_write_ok(uint64_t old_cr4, uint64_t new_cr4, uint64_t efer, uint64_t cr0, uint64_t cr3,
                  uint64_t allowed)
{
    bool ia32e = efer & EFER_LMA;
    if (new_cr4 & ~allowed)
        return false;
    /* SDM 4.1.2: PAE stays set in IA-32e mode; MOV CR: so does LA57 (4- or 5-level). */
    if (ia32e && (!(new_cr4 & CR4_PAE) || ((old_cr4 ^ new_cr4) & CR4_LA57)))
        return false;
    /* MOV CR: PCIDE is set only in IA-32e mode and with CR3[11:0] = 0 (SDM 4.10.1). */
    if ((new_cr4 & ~old_cr4 & CR4_PCIDE) && (!ia32e || (cr3 & CR3_PCID_MASK)))
        return false;
    /* MOV CR: CET needs CR0.WP. */
    return !(new_cr4 & CR4_CET) || (cr0 & CR0_WP);
}

static uint64_t if_set(uint32_t reg, uint32_t feature, uint64_t cr4_bit)
{
    return (reg & feature) ? cr4_bit : 0;
}

uint64_t cr4_cpuid_bits(uint32_t leaf1_ecx, uint32_t leaf7_ebx, uint32_t leaf7_ecx, uint32_t leaf7_edx)
{
    return CR4_BASELINE | if_set(leaf1_ecx, CPUID_1_ECX_VMX, CR4_VMXE) |
           if_set(leaf1_ecx, CPUID_1_ECX_SMX, CR4_SMXE) | if_set(leaf1_ecx, CPUID_1_ECX_PCID, CR4_PCIDE) |
           if_set(leaf1_ecx, CPUID_1_ECX_XSAVE, CR4_OSXSAVE) |
           if_set(leaf7_ebx, CPUID_7_EBX_FSGSBASE, CR4_FSGSBASE) | if_set(leaf7_ebx, CPUID_7_EBX_SMEP, CR4_SMEP) |
           if_set(leaf7_ebx, CPUID_7_EBX_SMAP, CR4_SMAP) | if_set(leaf7_ecx, CPUID_7_ECX_UMIP, CR4_UMIP) |
           if_set(leaf7_ecx, CPUID_7_ECX_PKU, CR4_PKE) | if_set(leaf7_ecx, CPUID_7_ECX_LA57, CR4_LA57) |
           if_set(leaf7_ecx, CPUID_7_ECX_KL, CR4_KL) | if_set(leaf7_ecx, CPUID_7_ECX_PKS, CR4_PKS) |
           if_set(leaf7_ecx, CPUID_7_ECX_CET_SS, CR4_CET) |
           if_set(leaf7_edx, CPUID_7_EDX_CET_IBT, CR4_CET) | if_set(leaf7_edx, CPUID_7_EDX_UINTR, CR4_UINTR);
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME); /* SDM 4.1.1 */
}

bool cr_write_loads_pdptes(uint64_t old_cr0, uint64_t new_cr0, uint64_t old_cr4, uint64_t new_cr4,
                           uint64_t efer)
{
    const uint64_t cr0_bits = CR0_CD | CR0_NW | CR0_PG, cr4_bits = CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP;
    return pae_paging(new_cr0, new_cr4, efer) &&
           (((old_cr0 ^ new_cr0) & cr0_bits) || ((old_cr4 ^ new_cr4) & cr4_bits));
}

bool pae_pdptes_ok(const uint64_t pdpte[4], unsigned maxphyaddr)
{
    uint64_t reserved = PDPTE_RESERVED_LOW | (maxphyaddr < 64 ? ~0ull << maxphyaddr : 0);
    for (unsigned i = 0; i < PDPTE_COUNT; i++)
        if ((pdpte[i] & PDPTE_P) && (pdpte[i] & reserved))
            return false;
    return true;
}

bool efer_write_ok(uint64_t old_efer, uint64_t new_efer, bool cr0_pg, uint64_t allowed)
{
    if (new_efer & ~(allowed | EFER_LMA))
        return false;
    return !cr0_pg || !((old_efer ^ new_efer) & EFER_LME); /* SDM 4.1.2 */
}

uint64_t efer_write_value(uint64_t old_efer, uint64_t new_efer)
{
    return (new_efer & ~EFER_LMA) | (old_efer & EFER_LMA);
}

static bool pat_type_ok(uint8_t type)
{
    switch (type) {
    case PAT_UC: case PAT_WC: case PAT_WT: case PAT_WP: case PAT_WB: case PAT_UC_MINUS: return true;
    default: return false; /* also every value with a bit of 7:3 set */
    }
}

bool pat_write_ok(uint64_t pat)
{
    for (unsigned i = 0; i < PAT_ENTRIES; i++)
        if (!pat_type_ok((uint8_t)(pat >> (8 * i))))
            return false;
    return true;
}

static bool all_or_none(uint64_t value, uint64_t bits)
{
    return (value & bits) == 0 || (value & bits) == bits;
}

bool xcr0_write_ok(uint64_t xcr0, uint64_t supported)
{
    if (!(xcr0 & XCR0_X87) || (xcr0 & ~supported))
        return false;
    if ((xcr0 & XCR0_AVX) && !(xcr0 & XCR0_SSE))
        return false;
    if (!all_or_none(xcr0, XCR0_BNDREGS | XCR0_BNDCSR) || !all_or_none(xcr0, XCR0_TILECFG | XCR0_TILEDATA))
        return false;
    return all_or_none(xcr0, XCR0_AVX512) && (!(xcr0 & XCR0_AVX512) || (xcr0 & XCR0_AVX));
}
