/* Architectural rules for guest writes to control registers, EFER, PAT and XCR0: pure functions
 * that say whether the hardware would raise #GP(0) for the write, so that an exit handler injects
 * #GP instead of loading a value that makes the next VM entry fail (SDM 26.3.1.1).  Citations
 * are to the SDM: Vol. 2 "MOV—Move to/from Control Registers", "WRMSR", "XSETBV"; Vol. 3A 2.5
 * "Control Registers", 4.1 "Paging Modes and Control Bits", 4.4.1 "PDPTE Registers", 13.12.2
 * "IA32_PAT MSR"; Vol. 1 13.3 "Enabling the XSAVE Feature Set". */
#ifndef VMM_ARCH_RULES_H
#define VMM_ARCH_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cpu.h" /* the CR0, CR4, EFER and XCR0 bit names */

/* CR0 (SDM 2.5, Figure 2-7). */

/* MOV to CR0 with the guest's current EFER, CR4 and CS.L (64-bit code segment).  #GP for: bits
 * 63:32; NW without CD; PG without PE; setting PG with EFER.LME and CR4.PAE clear, or with CS.L
 * set (activating IA-32e mode); clearing PG in 64-bit mode or with CR4.PCIDE; clearing WP with
 * CR4.CET.  Not checked here: the PDPTEs of PAE paging (cr_write_loads_pdptes, pae_pdptes_ok)
 * and a 16-bit TSS in TR while activating IA-32e mode. */
bool cr0_write_ok(uint64_t old_cr0, uint64_t new_cr0, uint64_t efer, uint64_t cr4, bool cs_l);

/* The value CR0 takes after a write that cr0_write_ok allowed: the reserved bits of 31:0 are
 * ignored (read as 0) and ET is fixed at 1 (SDM 2.5). */
uint64_t cr0_write_value(uint64_t new_cr0);

/* MOV to CR4 with the guest's current EFER, CR0 and CR3.  `allowed` is every CR4 bit the guest may
 * set (e.g. cr4_cpuid_bits of its CPUID, less what the hypervisor keeps: VMXE, SMXE); any other
 * bit is reserved.  #GP for: a reserved bit; clearing PAE in IA-32e mode; changing LA57 in IA-32e
 * mode; setting PCIDE outside IA-32e mode or with CR3[11:0] != 0; setting CET with CR0.WP clear. */
bool cr4_write_ok(uint64_t old_cr4, uint64_t new_cr4, uint64_t efer, uint64_t cr0, uint64_t cr3,
                  uint64_t allowed);

/* The CR4 bits a processor with the given CPUID answers has (leaf 1 ECX, leaf 7 subleaf 0 EBX
 * and ECX, and EDX): CR4_BASELINE plus each bit whose feature is enumerated (UMIP, LA57, VMXE,
 * SMXE, FSGSBASE, PCIDE, OSXSAVE, KL, SMEP, SMAP, PKE, CET, PKS, UINTR).  Pass the guest's CPUID (after
 * cpuid_guest_view) to get the bits that are not reserved for the guest. */
uint64_t cr4_cpuid_bits(uint32_t leaf1_ecx, uint32_t leaf7_ebx, uint32_t leaf7_ecx, uint32_t leaf7_edx);

/* Whether MOV to CR0 or CR4 from (old_cr0, old_cr4) to (new_cr0, new_cr4) loads the PDPTEs from
 * CR3 (SDM 4.4.1): PAE paging is in use after it (PG, PAE, not LME) and it changes one of CR0.CD,
 * NW, PG or CR4.PAE, PGE, PSE, SMEP.  Then the write #GPs unless pae_pdptes_ok. */
bool cr_write_loads_pdptes(uint64_t old_cr0, uint64_t new_cr0, uint64_t old_cr4, uint64_t new_cr4,
                           uint64_t efer);

/* The four PDPTEs read from CR3[31:5]: #GP at the MOV to CR0/CR3/CR4 that loads them when a
 * present one (bit 0) sets a reserved bit: 2:1, 8:5 or 63:maxphyaddr (SDM 4.4.1, Table 4-8). */
bool pae_pdptes_ok(const uint64_t pdpte[4], unsigned maxphyaddr);

/* WRMSR to IA32_EFER with the guest's current CR0.PG.  `allowed` is every EFER bit the guest may
 * set (e.g. SCE, LME, NXE); LMA is never reserved, its written value is ignored (efer_write_value).
 * #GP for a reserved bit, or for changing LME while CR0.PG = 1 (SDM 4.1.2). */
bool efer_write_ok(uint64_t old_efer, uint64_t new_efer, bool cr0_pg, uint64_t allowed);

/* The value EFER takes after a write that efer_write_ok allowed: LMA is the processor's (it
 * reports IA-32e mode active, SDM 2.2.1), so the old LMA is kept. */
uint64_t efer_write_value(uint64_t old_efer, uint64_t new_efer);

/* WRMSR to IA32_PAT: each of the 8 bytes holds a memory type 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB)
 * or 7 (UC-) in bits 2:0 and zeros in bits 7:3; anything else #GP (SDM 13.12.2, Table 13-10). */
bool pat_write_ok(uint64_t pat);

/* XSETBV to XCR0 (ECX = 0; any other ECX #GPs) of a guest whose processor supports the state
 * components `supported`.  #GP for: x87 (bit 0) clear; an unsupported bit; AVX without SSE;
 * BNDREGS and BNDCSR not equal; AVX-512 (bits 7:5) neither all set nor all clear, or set without
 * AVX; TILECFG and TILEDATA not equal (SDM XSETBV, Vol. 1 13.3). */
bool xcr0_write_ok(uint64_t xcr0, uint64_t supported);

#endif
