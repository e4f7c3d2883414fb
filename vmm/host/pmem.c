#include "vmm/host/pmem.h"

void pmem_init(struct pmem *pm)
{
    pm->count = 0;
    pm->free_pages = 0;
    pm->top = 0;
}

bool pmem_add_range(struct pmem *pm, uint64_t base, uint64_t bytes, uint64_t floor)
{
    uint64_t end = base + bytes;
    if (end < base)
        end = UINT64_MAX & ~(PAGE_SIZE - 1);
    if (base < floor)
        base = floor;
    base = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    end &= ~(PAGE_SIZE - 1);
    if (end <= base)
        return true;
    if (pm->count == PMEM_MAX_RANGES)
        return false;
    pm->ranges[pm->count++] = (struct pmem_range){ base, end };
    if (end > pm->top)
        pm->top = end;
    pm->free_pages += (end - base) / PAGE_SIZE;
    return true;
}

/* Allocation takes from the top of a range so that low memory (below 1 MiB, below 4 GiB) stays
 * available for the callers that need it; the alignment gap above the block stays in a new range
 * when there is room for one, otherwise it is given up. */
uint64_t pmem_alloc(struct pmem *pm, uint64_t pages, uint64_t align, uint64_t limit)
{
    if (!pages || align < PAGE_SIZE || (align & (align - 1)))
        return 0;
    uint64_t bytes = pages * PAGE_SIZE;
    for (unsigned i = pm->count; i-- > 0;) {
        struct pmem_range *r = &pm->ranges[i];
        uint64_t top = r->end < limit ? r->end : limit;
        if (top < r->base + bytes)
            continue;
        uint64_t start = (top - bytes) & ~(align - 1);
        if (start < r->base)
            continue;
        uint64_t gap_base = start + bytes, gap_end = r->end;
        r->end = start;
        pm->free_pages -= (gap_end - start) / PAGE_SIZE;
        if (gap_end > gap_base)
            (void)pmem_add_range(pm, gap_base, gap_end - gap_base, 0); /* table full: gap lost, safely */
        return start;
    }
    return 0;
}

#define FOUR_GIB (1ull << 32)

uint64_t pmem_alloc_any(struct pmem *pm, uint64_t pages, uint64_t align)
{
    uint64_t pa = pmem_alloc(pm, pages, align, FOUR_GIB);
    return pa ? pa : pmem_alloc(pm, pages, align, ~0ull);
}
