/* The #GP rules for guest writes, case by case from the SDM: Vol. 2 "MOV—Move to/from Control
 * Registers" (MOV CR), "XSETBV"; Vol. 3A 2.5 "Control Registers", 4.1.2 "Paging-Mode Enabling",
 * 4.4.1 "PDPTE Registers" (Table 4-8), 13.12.2 "IA32_PAT MSR"; Vol. 1 13.3.  Bit positions are
 * written here from the SDM's figures, not taken from vmm/arch_rules.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/arch_rules.h"

#define B(n) (1ull << (n))

/* CR0 (Figure 2-7): PE 0, MP 1, ET 4, NE 5, WP 16, AM 18, NW 29, CD 30, PG 31 */
static const uint64_t pe = B(0), mp = B(1), et = B(4), wp = B(16), am = B(18), nw = B(29),
                      cd = B(30), pg = B(31);
/* CR4: PSE 4, PAE 5, PGE 7, OSFXSR 9, UMIP 11, LA57 12, VMXE 13, SMXE 14, FSGSBASE 16, PCIDE 17,
 * OSXSAVE 18, SMEP 20, CET 23 */
static const uint64_t pse = B(4), pae = B(5), pge = B(7), osfxsr = B(9), la57 = B(12), vmxe = B(13),
                      pcide = B(17), osxsave = B(18), smep = B(20), cet = B(23);
/* EFER (Table 2-1): SCE 0, LME 8, LMA 10, NXE 11 */
static const uint64_t sce = B(0), lme = B(8), lma = B(10), nxe = B(11);

/* A 64-bit guest: protected mode with paging, EFER.LME and LMA, CR4.PAE. */
static const uint64_t cr0_long = B(0) | B(4) | B(5) | B(16) | B(31), efer_long = B(8) | B(10);
/* What a guest may set in CR4 here: everything but VMXE and SMXE. */
static const uint64_t cr4_guest = 0x7ff | B(16) | B(17) | B(18) | B(20) | B(21) | B(23) | B(12);

/* --- MOV to CR0 ----------------------------------------------------------------------------- */
static void cr0_ordinary_transitions_are_allowed(void **state)
{
    (void)state;
    /* real mode -> protected mode -> 32-bit paging -> back */
    assert_true(cr0_write_ok(et, pe | et, 0, 0, false));
    assert_true(cr0_write_ok(pe | et, pe | et | pg, 0, 0, false));
    assert_true(cr0_write_ok(pe | et | pg, pe | et, 0, 0, false));
    assert_true(cr0_write_ok(pe | et | pg, et, 0, 0, false));
    /* PAE paging, then entering IA-32e mode from a 32-bit code segment (SDM 10.8.5) */
    assert_true(cr0_write_ok(pe | et, pe | et | pg, 0, pae, false));
    assert_true(cr0_write_ok(pe | et, pe | et | pg, lme, pae, false));
    /* TS, MP, AM, WP, CD+NW toggled in 64-bit mode */
    assert_true(cr0_write_ok(cr0_long, cr0_long | mp | B(3) | am, efer_long, pae, true));
    assert_true(cr0_write_ok(cr0_long, cr0_long | cd | nw, efer_long, pae, true));
    assert_true(cr0_write_ok(cr0_long, cr0_long | cd, efer_long, pae, true));
    assert_true(cr0_write_ok(cr0_long, cr0_long & ~wp, efer_long, pae, true));
}

static void cr0_bits_63_32_are_gp(void **state)
{
    (void)state;
    /* SDM 2.5: "Writing a nonzero value to any of the upper 32 bits results in #GP(0)" */
    assert_false(cr0_write_ok(pe | et, pe | et | B(32), 0, 0, false));
    assert_false(cr0_write_ok(cr0_long, cr0_long | B(63), efer_long, pae, true));
    assert_false(cr0_write_ok(cr0_long, cr0_long | 0xffffffff00000000ull, efer_long, pae, true));
}

static void cr0_reserved_bits_below_32_are_ignored_not_gp(void **state)
{
    (void)state;
    /* bits 15:6, 17, 28:19 are reserved: a write of them is ignored (KVM: "even on Intel") */
    uint64_t junk = B(6) | B(15) | B(17) | B(19) | B(28);
    assert_true(cr0_write_ok(pe | et, pe | et | junk, 0, 0, false));
    assert_int_equal(cr0_write_value(pe | et | junk), pe | et);
    /* ET is fixed at 1 on every processor since the i486 DX */
    assert_int_equal(cr0_write_value(pe), pe | et);
    assert_int_equal(cr0_write_value(cr0_long | cd | nw | am | mp), cr0_long | cd | nw | am | mp);
}

static void cr0_nw_without_cd_is_gp(void **state)
{
    (void)state;
    /* MOV CR: "setting the CD flag to 0 when the NW flag is set to 1" */
    assert_false(cr0_write_ok(pe | et, pe | et | nw, 0, 0, false));
    assert_false(cr0_write_ok(pe | et | cd | nw, pe | et | nw, 0, 0, false));
    assert_true(cr0_write_ok(pe | et, pe | et | cd | nw, 0, 0, false));
}

static void cr0_pg_without_pe_is_gp(void **state)
{
    (void)state;
    /* MOV CR: "setting the PG flag to 1 when the PE flag is set to 0" */
    assert_false(cr0_write_ok(et, et | pg, 0, 0, false));
    /* clearing PE while PG stays set is the same combination */
    assert_false(cr0_write_ok(pe | et | pg, et | pg, 0, 0, false));
    assert_false(cr0_write_ok(cr0_long, cr0_long & ~pe, efer_long, pae, false));
}

static void cr0_paging_with_lme_needs_pae_and_a_32bit_cs(void **state)
{
    (void)state;
    /* SDM 4.1.2: "Paging cannot be enabled ... while CR4.PAE = 0 and IA32_EFER.LME = 1" */
    assert_false(cr0_write_ok(pe | et, pe | et | pg, lme, 0, false));
    assert_false(cr0_write_ok(pe | et, pe | et | pg, lme, pse, false));
    assert_true(cr0_write_ok(pe | et, pe | et | pg, 0, 0, false)); /* 32-bit paging without LME */
    /* MOV CR: "activate IA-32e mode and ... the current CS has the L-bit set" */
    assert_false(cr0_write_ok(pe | et, pe | et | pg, lme, pae, true));
    assert_true(cr0_write_ok(pe | et, pe | et | pg, 0, pae, true)); /* L is ignored without LME */
}

static void cr0_clearing_pg_in_ia32e_mode(void **state)
{
    (void)state;
    /* MOV CR, 64-bit mode exceptions: "Attempting to clear CR0.PG" */
    assert_false(cr0_write_ok(cr0_long, cr0_long & ~pg, efer_long, pae, true));
    /* compatibility mode (CS.L = 0) leaves IA-32e mode that way (SDM 10.8.5.4) */
    assert_true(cr0_write_ok(cr0_long, cr0_long & ~pg, efer_long, pae, false));
    /* MOV CR: "clear CR0.PG[bit 31] while CR4.PCIDE = 1" */
    assert_false(cr0_write_ok(cr0_long, cr0_long & ~pg, efer_long, pae | pcide, false));
    /* clearing PE and PG together in compatibility mode is fine as far as CR0 goes */
    assert_true(cr0_write_ok(cr0_long, cr0_long & ~(pg | pe), efer_long, pae, false));
}

static void cr0_clearing_wp_with_cet_is_gp(void **state)
{
    (void)state;
    /* MOV CR: "clear CR0.WP while CR4.CET = 1" */
    assert_false(cr0_write_ok(cr0_long, cr0_long & ~wp, efer_long, pae | cet, true));
    assert_true(cr0_write_ok(cr0_long, cr0_long, efer_long, pae | cet, true));
}

/* --- MOV to CR4 ----------------------------------------------------------------------------- */
static void cr4_bits_outside_the_allowed_mask_are_gp(void **state)
{
    (void)state;
    assert_true(cr4_write_ok(0, pae | pge | osfxsr | osxsave, 0, pe, 0, cr4_guest));
    /* VMXE: CPUID hides VMX, so the bit is reserved for the guest */
    assert_false(cr4_write_ok(0, vmxe, 0, pe, 0, cr4_guest));
    assert_false(cr4_write_ok(0, B(14), 0, pe, 0, cr4_guest)); /* SMXE */
    assert_false(cr4_write_ok(0, B(15), 0, pe, 0, cr4_guest)); /* reserved everywhere */
    assert_false(cr4_write_ok(0, B(32), 0, pe, 0, cr4_guest));
    assert_false(cr4_write_ok(pae, pae | B(63), efer_long, cr0_long, 0, cr4_guest));
    /* an allowed bit is fine even if the old value had a disallowed one (not re-checked) */
    assert_true(cr4_write_ok(pae, pae | pge, 0, pe, 0, pae | pge));
}

static void cr4_pae_cannot_be_cleared_in_ia32e_mode(void **state)
{
    (void)state;
    /* SDM 4.1.2: "CR4.PAE cannot be cleared while IA-32e paging is active" */
    assert_false(cr4_write_ok(pae | pge, pge, efer_long, cr0_long, 0, cr4_guest));
    /* outside IA-32e mode it can (PAE paging -> 32-bit paging) */
    assert_true(cr4_write_ok(pae | pge, pge, 0, pe | pg, 0, cr4_guest));
    /* LME set but paging off: not yet IA-32e mode */
    assert_true(cr4_write_ok(pae, 0, lme, pe, 0, cr4_guest));
}

static void cr4_la57_cannot_change_in_ia32e_mode(void **state)
{
    (void)state;
    /* MOV CR: "change CR4.LA57 ... while IA32_EFER.LMA = 1" */
    assert_false(cr4_write_ok(pae, pae | la57, efer_long, cr0_long, 0, cr4_guest));
    assert_false(cr4_write_ok(pae | la57, pae, efer_long, cr0_long, 0, cr4_guest));
    assert_true(cr4_write_ok(pae | la57, pae | la57 | pge, efer_long, cr0_long, 0, cr4_guest));
    assert_true(cr4_write_ok(pae, pae | la57, lme, pe, 0, cr4_guest)); /* before paging is on */
}

static void cr4_pcide_rules(void **state)
{
    (void)state;
    /* MOV CR: PCIDE 0 -> 1 only in IA-32e mode, and only with CR3[11:0] = 0 */
    assert_true(cr4_write_ok(pae, pae | pcide, efer_long, cr0_long, 0x1000, cr4_guest));
    assert_false(cr4_write_ok(pae, pae | pcide, efer_long, cr0_long, 0x1001, cr4_guest));
    assert_false(cr4_write_ok(pae, pae | pcide, efer_long, cr0_long, 0x1800, cr4_guest));
    assert_false(cr4_write_ok(pae, pae | pcide, 0, pe | pg, 0x1000, cr4_guest));
    assert_false(cr4_write_ok(0, pcide, 0, 0, 0, cr4_guest));
    /* already set: CR3 carries a PCID and other bits change freely */
    assert_true(cr4_write_ok(pae | pcide, pae | pcide | smep, efer_long, cr0_long, 0x1005, cr4_guest));
    /* clearing it is allowed */
    assert_true(cr4_write_ok(pae | pcide, pae, efer_long, cr0_long, 0x1000, cr4_guest));
}

static void cr4_cet_needs_wp(void **state)
{
    (void)state;
    /* MOV CR: "set CR4.CET when CR0.WP = 0" */
    assert_false(cr4_write_ok(pae, pae | cet, efer_long, cr0_long & ~wp, 0, cr4_guest));
    assert_true(cr4_write_ok(pae, pae | cet, efer_long, cr0_long, 0, cr4_guest));
}

static void cr4_bits_follow_cpuid(void **state)
{
    (void)state;
    /* VME..OSXMMEXCPT (bits 10:0) always */
    assert_int_equal(cr4_cpuid_bits(0, 0, 0, 0), 0x7ff);
    /* 1.ECX: VMX 5 -> VMXE 13, SMX 6 -> SMXE 14, PCID 17 -> PCIDE 17, XSAVE 26 -> OSXSAVE 18 */
    assert_int_equal(cr4_cpuid_bits(1u << 5, 0, 0, 0), 0x7ff | B(13));
    assert_int_equal(cr4_cpuid_bits(1u << 6, 0, 0, 0), 0x7ff | B(14));
    assert_int_equal(cr4_cpuid_bits(1u << 17, 0, 0, 0), 0x7ff | B(17));
    assert_int_equal(cr4_cpuid_bits(1u << 26, 0, 0, 0), 0x7ff | B(18));
    /* 7.EBX: FSGSBASE 0 -> 16, SMEP 7 -> 20, SMAP 20 -> 21 */
    assert_int_equal(cr4_cpuid_bits(0, 1u << 0, 0, 0), 0x7ff | B(16));
    assert_int_equal(cr4_cpuid_bits(0, 1u << 7, 0, 0), 0x7ff | B(20));
    assert_int_equal(cr4_cpuid_bits(0, 1u << 20, 0, 0), 0x7ff | B(21));
    /* 7.ECX: UMIP 2 -> 11, PKU 3 -> PKE 22, CET_SS 7 -> CET 23, LA57 16 -> 12, KL 23 -> 19,
     * PKS 31 -> 24; 7.EDX: UINTR 5 -> 25, CET_IBT 20 -> CET 23 */
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 2, 0), 0x7ff | B(11));
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 3, 0), 0x7ff | B(22));
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 7, 0), 0x7ff | B(23));
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 16, 0), 0x7ff | B(12));
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 23, 0), 0x7ff | B(19));
    assert_int_equal(cr4_cpuid_bits(0, 0, 1u << 31, 0), 0x7ff | B(24));
    assert_int_equal(cr4_cpuid_bits(0, 0, 0, 1u << 5), 0x7ff | B(25));
    assert_int_equal(cr4_cpuid_bits(0, 0, 0, 1u << 20), 0x7ff | B(23));
    /* everything: bits 25:16, 14:0; 15 stays reserved, and nothing above 25 */
    assert_int_equal(cr4_cpuid_bits(~0u, ~0u, ~0u, ~0u), 0x03ff7fffull);
    /* other bits of the registers add nothing */
    assert_int_equal(cr4_cpuid_bits(~((1u << 5) | (1u << 6) | (1u << 17) | (1u << 26)), 0, 0, 0), 0x7ff);
}

/* --- PDPTEs (SDM 4.4.1) --------------------------------------------------------------------- */
static void pdptes_load_when_pae_paging_results_and_a_listed_bit_changes(void **state)
{
    (void)state;
    /* MOV to CR0 setting PG with CR4.PAE and LME = 0: PAE paging starts */
    assert_true(cr_write_loads_pdptes(pe, pe | pg, pae, pae, 0));
    /* ... with LME = 1 it is IA-32e paging instead: no PDPTEs */
    assert_false(cr_write_loads_pdptes(pe, pe | pg, pae, pae, lme));
    /* 32-bit paging: no PDPTEs */
    assert_false(cr_write_loads_pdptes(pe, pe | pg, pse, pse, 0));
    /* MOV to CR4 setting PAE under paging: 32-bit -> PAE paging */
    assert_true(cr_write_loads_pdptes(pe | pg, pe | pg, 0, pae, 0));
    /* within PAE paging: CD, NW, PGE, PSE, SMEP reload them; WP, TS, OSFXSR do not */
    assert_true(cr_write_loads_pdptes(pe | pg, pe | pg | cd, pae, pae, 0));
    assert_true(cr_write_loads_pdptes(pe | pg | cd, pe | pg | cd | nw, pae, pae, 0));
    assert_true(cr_write_loads_pdptes(pe | pg, pe | pg, pae, pae | pge, 0));
    assert_true(cr_write_loads_pdptes(pe | pg, pe | pg, pae | pse, pae, 0));
    assert_true(cr_write_loads_pdptes(pe | pg, pe | pg, pae, pae | smep, 0));
    assert_false(cr_write_loads_pdptes(pe | pg, pe | pg | wp, pae, pae, 0));
    assert_false(cr_write_loads_pdptes(pe | pg, pe | pg | B(3), pae, pae, 0));
    assert_false(cr_write_loads_pdptes(pe | pg, pe | pg, pae, pae | osfxsr, 0));
    assert_false(cr_write_loads_pdptes(pe | pg, pe | pg, pae, pae, 0));
    /* turning paging off loads nothing */
    assert_false(cr_write_loads_pdptes(pe | pg, pe, pae, pae, 0));
}

static void pdptes_reserved_bits_of_present_entries_are_gp(void **state)
{
    (void)state;
    uint64_t ok[4] = { 0x1001, 0x2001 | B(3) | B(4) | B(9) | B(10) | B(11), 0, 0xfffffffffffffffe };
    assert_true(pae_pdptes_ok(ok, 36)); /* PWT, PCD, ignored 11:9; a not-present entry is anything */
    static const unsigned bad_bits[] = { 1, 2, 5, 6, 7, 8, 36, 40, 51, 52, 62, 63 };
    for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
        for (unsigned slot = 0; slot < 4; slot++) {
            uint64_t pdpte[4] = { 0x1001, 0x2001, 0x3001, 0x4001 };
            pdpte[slot] |= B(bad_bits[i]);
            assert_false(pae_pdptes_ok(pdpte, 36));
        }
    }
    /* the address may use every bit below MAXPHYADDR */
    uint64_t high[4] = { 0xffffff000ull | 1, 0, 0, 0 };
    assert_true(pae_pdptes_ok(high, 36));
    high[0] = 0x000ffffffffff001ull; /* present, address bits 51:12 */
    assert_true(pae_pdptes_ok(high, 52));
    assert_false(pae_pdptes_ok(high, 39));
}

/* --- WRMSR IA32_EFER ------------------------------------------------------------------------ */
static void efer_reserved_bits_are_gp(void **state)
{
    (void)state;
    const uint64_t allowed = sce | lme | nxe;
    assert_true(efer_write_ok(0, sce | nxe, false, allowed));
    assert_true(efer_write_ok(0, lme, false, allowed));
    assert_false(efer_write_ok(0, B(1), false, allowed));
    assert_false(efer_write_ok(0, B(14), false, allowed)); /* FFXSR: AMD's, not offered */
    assert_false(efer_write_ok(0, B(63), false, allowed));
    assert_false(efer_write_ok(0, nxe, false, sce | lme)); /* NX not offered */
}

static void efer_lme_cannot_change_with_paging_on(void **state)
{
    (void)state;
    const uint64_t allowed = sce | lme | nxe;
    /* SDM 4.1.2: "IA32_EFER.LME cannot be modified while paging is enabled" */
    assert_false(efer_write_ok(0, lme, true, allowed));
    assert_false(efer_write_ok(lme | lma, lma, true, allowed));
    assert_true(efer_write_ok(lme | lma, lme | lma | nxe | sce, true, allowed));
    assert_true(efer_write_ok(lme, 0, false, allowed));
}

static void efer_lma_is_the_processors(void **state)
{
    (void)state;
    const uint64_t allowed = sce | lme | nxe;
    /* writing a different LMA is not #GP; the old LMA stays */
    assert_true(efer_write_ok(lme | lma, lme, true, allowed));
    assert_int_equal(efer_write_value(lme | lma, lme | sce), lme | lma | sce);
    assert_true(efer_write_ok(0, lma, false, allowed));
    assert_int_equal(efer_write_value(0, lma | nxe), nxe);
}

/* --- WRMSR IA32_PAT --------------------------------------------------------------------------- */
static void pat_accepts_only_defined_memory_types(void **state)
{
    (void)state;
    assert_true(pat_write_ok(0x0007040600070406ull)); /* the power-on value (SDM Table 13-12) */
    assert_true(pat_write_ok(0x0606060606060606ull));
    assert_true(pat_write_ok(0));
    assert_true(pat_write_ok(0x0705040601000706ull));
    /* every value in every entry: only 0, 1, 4, 5, 6, 7 (Table 13-10) */
    for (unsigned entry = 0; entry < 8; entry++) {
        for (unsigned type = 0; type < 256; type++) {
            uint64_t pat = 0x0606060606060606ull & ~(0xffull << (8 * entry));
            pat |= (uint64_t)type << (8 * entry);
            bool valid = type == 0 || type == 1 || type == 4 || type == 5 || type == 6 || type == 7;
            assert_int_equal(pat_write_ok(pat), valid);
        }
    }
}

/* --- XSETBV XCR0 -------------------------------------------------------------------------------- */
static void xcr0_rules(void **state)
{
    (void)state;
    const uint64_t x87 = B(0), sse = B(1), avx = B(2), all = 0x600ffull;
    assert_true(xcr0_write_ok(x87, all));
    assert_true(xcr0_write_ok(x87 | sse, all));
    assert_true(xcr0_write_ok(x87 | sse | avx, all));
    /* XSETBV: "clear bit 0 of XCR0" */
    assert_false(xcr0_write_ok(0, all));
    assert_false(xcr0_write_ok(sse | avx, all));
    /* XSETBV: "set XCR0[2] (AVX state) while clearing XCR0[1] (SSE state)" */
    assert_false(xcr0_write_ok(x87 | avx, all));
    /* reserved = not supported */
    assert_false(xcr0_write_ok(x87 | sse | avx, x87 | sse));
    assert_false(xcr0_write_ok(x87 | B(9), all));       /* PKRU: not supported here */
    assert_false(xcr0_write_ok(x87 | B(63), all));
}

static void xcr0_component_groups_are_all_or_none(void **state)
{
    (void)state;
    const uint64_t base = B(0) | B(1) | B(2), all = 0x600ffull;
    /* 13.3: XCR0[7:5] is 000b or 111b, and 111b needs AVX */
    assert_true(xcr0_write_ok(base | B(5) | B(6) | B(7), all));
    assert_false(xcr0_write_ok(base | B(5), all));
    assert_false(xcr0_write_ok(base | B(6) | B(7), all));
    assert_false(xcr0_write_ok(B(0) | B(1) | B(5) | B(6) | B(7), all));
    /* BNDREGS (3) and BNDCSR (4) together */
    assert_true(xcr0_write_ok(base | B(3) | B(4), all));
    assert_false(xcr0_write_ok(base | B(3), all));
    assert_false(xcr0_write_ok(base | B(4), all));
    /* TILECFG (17) and TILEDATA (18) together */
    assert_true(xcr0_write_ok(base | B(17) | B(18), all));
    assert_false(xcr0_write_ok(base | B(18), all));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cr0_ordinary_transitions_are_allowed),
        cmocka_unit_test(cr0_bits_63_32_are_gp),
        cmocka_unit_test(cr0_reserved_bits_below_32_are_ignored_not_gp),
        cmocka_unit_test(cr0_nw_without_cd_is_gp),
        cmocka_unit_test(cr0_pg_without_pe_is_gp),
        cmocka_unit_test(cr0_paging_with_lme_needs_pae_and_a_32bit_cs),
        cmocka_unit_test(cr0_clearing_pg_in_ia32e_mode),
        cmocka_unit_test(cr0_clearing_wp_with_cet_is_gp),
        cmocka_unit_test(cr4_bits_outside_the_allowed_mask_are_gp),
        cmocka_unit_test(cr4_pae_cannot_be_cleared_in_ia32e_mode),
        cmocka_unit_test(cr4_la57_cannot_change_in_ia32e_mode),
        cmocka_unit_test(cr4_pcide_rules),
        cmocka_unit_test(cr4_cet_needs_wp),
        cmocka_unit_test(cr4_bits_follow_cpuid),
        cmocka_unit_test(pdptes_load_when_pae_paging_results_and_a_listed_bit_changes),
        cmocka_unit_test(pdptes_reserved_bits_of_present_entries_are_gp),
        cmocka_unit_test(efer_reserved_bits_are_gp),
        cmocka_unit_test(efer_lme_cannot_change_with_paging_on),
        cmocka_unit_test(efer_lma_is_the_processors),
        cmocka_unit_test(pat_accepts_only_defined_memory_types),
        cmocka_unit_test(xcr0_rules),
        cmocka_unit_test(xcr0_component_groups_are_all_or_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
