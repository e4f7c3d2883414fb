/* Extended page tables (SDM 29.3 "The Extended Page Table Mechanism"): building a 4-level EPT
 * that maps guest-physical to host-physical addresses, looking addresses up, and the EPTP.
 *
 * Pages for the tables come from a caller-supplied allocator, so the same code runs in the
 * hypervisor (firmware or boot-time pages, identity-mapped) and in unit tests (aligned_alloc).
 * Tables are never freed: unmapping clears entries only.
 *
 * Overlaps: a later mapping replaces what was there.  Mapping a 4 KiB page inside an existing
 * 2 MiB page splits that large page into 512 4 KiB entries with the same permissions and memory
 * type, then replaces the one entry (this is how the APIC-access page at 0xFEE00000 is placed
 * inside guest RAM or MMIO mapped with 2 MiB pages).  A 2 MiB-aligned chunk whose page directory
 * entry already points to a page table is mapped with 4 KiB entries in that table, so no table
 * is ever orphaned.  Unmapping part of a 2 MiB page splits it the same way.
 *
 * Not thread-safe: build before the vCPUs run, or serialize callers (and INVEPT afterwards). */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include <stdbool.h>
#include <stdint.h>

struct page_alloc {
    void *(*alloc_page)(void *ctx); /* one 4 KiB-aligned 4 KiB page (contents need not be zero), or NULL */
    uint64_t (*virt_to_phys)(void *ctx, void *page);
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    void *ctx;
};

struct ept {
    const struct page_alloc *alloc;
    uint64_t *pml4;
    uint64_t pml4_pa;
    uint64_t cap; /* IA32_VMX_EPT_VPID_CAP */
};

enum ept_error {
    EPT_OK = 0,
    EPT_ERR_NO_MEMORY = -1,   /* the allocator returned NULL; earlier pages of the range stay mapped */
    EPT_ERR_ALIGNMENT = -2,   /* an address or size is not a multiple of 4 KiB */
    EPT_ERR_RANGE = -3,       /* empty, wraps, or beyond 48-bit guest / 52-bit host addresses */
    EPT_ERR_PERMISSIONS = -4, /* none, write without read, or execute-only the CPU lacks */
    EPT_ERR_MEMTYPE = -5,     /* not UC, WC, WT, WP or WB */
    EPT_ERR_UNSUPPORTED = -6, /* EPTP: the CPU lacks 4-level walks or a write-back EPTP */
};

/* "out of memory" etc. */
const char *ept_error_name(int err);

#define EPT_PAGE_SIZE      0x1000ull
#define EPT_LARGE_PAGE_SIZE 0x200000ull

/* Allocates the PML4.  ept_vpid_cap is IA32_VMX_EPT_VPID_CAP: it decides whether 2 MiB pages
 * and execute-only mappings may be used. */
int ept_init(struct ept *ept, const struct page_alloc *alloc, uint64_t ept_vpid_cap);

/* Maps [gpa, gpa + size) to [hpa, hpa + size) with perms (EPT_READ | EPT_WRITE | EPT_EXECUTE)
 * and memtype (EPT_MEMTYPE_*), using 2 MiB pages where gpa, hpa and the remaining size allow
 * and the CPU supports them, 4 KiB pages elsewhere.  All of gpa, hpa, size: multiples of 4 KiB. */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms, unsigned memtype);

/* Maps one 4 KiB page, splitting a 2 MiB page that covers gpa. */
int ept_map_page(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t perms, unsigned memtype);

/* Removes the mappings of [gpa, gpa + size); unmapped parts are skipped. */
int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size);

/* The host-physical address gpa maps to; false if unmapped. */
bool ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa);

/* The leaf entry that maps gpa and the size of the page it maps; false if unmapped. */
struct ept_leaf {
    uint64_t entry;
    uint64_t page_size;
};
bool ept_lookup(const struct ept *ept, uint64_t gpa, struct ept_leaf *leaf);

/* The EPT pointer for VMWRITE(EPT_POINTER): write-back, 4-level walk, and accessed/dirty flags
 * when want_ad and the CPU supports them (SDM 25.6.11). */
int ept_eptp(const struct ept *ept, bool want_ad, uint64_t *eptp);

#endif
