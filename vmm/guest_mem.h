/* Reading guest memory by guest-linear address: the guest's own paging, then guest RAM.  The
 * paging mode follows SDM Vol. 3A 5.1.1 and Table 5-1 "Properties of Different Paging Modes":
 *
 *   CR0.PG = 0                                    no paging: linear = physical (bits 31:0)
 *   CR0.PG = 1, CR4.PAE = 0                       32-bit paging (5.3): 4 KiB, and 4 MiB with CR4.PSE
 *   CR0.PG = 1, CR4.PAE = 1, EFER.LMA = 0         PAE paging (5.4): 4 KiB and 2 MiB
 *   CR0.PG = 1, CR4.PAE = 1, EFER.LMA = 1         4-level paging (5.5): 4 KiB, 2 MiB, 1 GiB;
 *                                                 5-level with CR4.LA57
 *
 * The walk checks only the P bits: the callers read bytes the CPU just fetched or accessed, so no
 * permission (R/W, U/S, XD, PKRU) and no reserved-bit checks.  It reads every entry through
 * pg->phys, visits at most five levels, and sets no accessed or dirty bits. */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    /* A host pointer to guest-physical [gpa, gpa + len), or NULL. */
    void *(*phys)(void *ctx, uint64_t gpa, uint64_t len);
    void *ctx;
    /* PAE paging only: the four PDPTEs the CPU holds (with EPT, the VMCS guest PDPTE fields that
     * every exit saves, SDM Vol. 3C "Saving Non-Register State"), which differ from memory at CR3
     * once the guest edits its PDPT without reloading CR3; NULL reads them from memory at
     * CR3[31:5], as the CPU does when it loads them (SDM Vol. 3A 5.4.1 "PDPTE Registers"). */
    const uint64_t *pdpte;
};

/* Translates a guest-linear address; false if it is not mapped. */
bool guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, uint64_t *gpa);

/* Copies up to len bytes from guest-linear address linear (possibly across pages) and returns how
 * many it copied: all len, or the bytes before the first page that is not mapped or not in guest
 * RAM (so an instruction at the end of a mapped page can be decoded from fewer than 15 bytes). */
size_t guest_read_linear_partial(const struct guest_paging *pg, uint64_t linear, void *buf,
                                 size_t len);

/* Copies len bytes from guest-linear address linear; false if any byte is not mapped. */
bool guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len);

#endif
