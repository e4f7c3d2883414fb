/* The hypervisor's physical page allocator, built over the free ranges of the UEFI memory map
 * at handover.  Physical memory is identity-mapped, so a page's address is also its pointer. */
#ifndef VMM_HOST_PMEM_H
#define VMM_HOST_PMEM_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PMEM_MAX_RANGES 64

struct pmem_range {
    uint64_t base, end; /* [base, end), page aligned */
};

struct pmem {
    struct pmem_range ranges[PMEM_MAX_RANGES];
    unsigned count;
    uint64_t free_pages;
    uint64_t top;       /* the end of the highest range ever added: what the identity map must cover */
};

void pmem_init(struct pmem *pm);
/* Adds [base, base + bytes) shrunk to whole pages; ranges below `floor` are cut off.
 * Returns false when the table is full (the range is then dropped). */
bool pmem_add_range(struct pmem *pm, uint64_t base, uint64_t bytes, uint64_t floor);
/* Allocates `pages` physically contiguous pages aligned to `align` bytes (a power of two,
 * at least PAGE_SIZE) below `limit`; returns the physical address or 0.  Memory is not zeroed. */
uint64_t pmem_alloc(struct pmem *pm, uint64_t pages, uint64_t align, uint64_t limit);
/* The same with no hard limit, but below 4 GiB while that lasts: real machines have RAM above
 * 4 GiB, and the hypervisor maps all of it (paging_build_identity up to pm->top), yet keeping its
 * own structures and the guest low avoids emulator bugs with code above 4 GiB (PLATFORM.md). */
uint64_t pmem_alloc_any(struct pmem *pm, uint64_t pages, uint64_t align);

#endif
