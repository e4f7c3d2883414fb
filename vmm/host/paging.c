#include "vmm/host/paging.h"

#include <string.h>

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

static uint64_t *zeroed_table(struct pmem *pm, void *(*to_ptr)(uint64_t), uint64_t *pa)
{
    *pa = pmem_alloc(pm, 1, PAGE_SIZE, 1ull << 32);
    if (!*pa)
        return 0;
    uint64_t *t = to_ptr(*pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

uint64_t paging_build_identity(struct pmem *pm, uint64_t limit, void *(*to_ptr)(uint64_t pa))
{
    uint64_t pml4_pa, pdpt_pa;
    uint64_t *pml4 = zeroed_table(pm, to_ptr, &pml4_pa);
    uint64_t *pdpt = pml4 ? zeroed_table(pm, to_ptr, &pdpt_pa) : 0;
    if (!pdpt)
        return 0;
    uint64_t gigs = (limit + GIB - 1) / GIB;
    if (gigs < 4)
        gigs = 4;
    if (gigs > 512)
        gigs = 512; /* one PDPT: 512 GiB is far beyond any machine we run on */
    pml4[0] = pdpt_pa | PTE_PRESENT | PTE_WRITE;
    for (uint64_t g = 0; g < gigs; g++) {
        uint64_t pd_pa;
        uint64_t *pd = zeroed_table(pm, to_ptr, &pd_pa);
        if (!pd)
            return 0;
        pdpt[g] = pd_pa | PTE_PRESENT | PTE_WRITE;
        /* Memory types come from the MTRRs the firmware set (MMIO ranges UC), PAT index 0. */
        for (uint64_t i = 0; i < 512; i++)
            pd[i] = (g * GIB + i * MIB2) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
    }
    return pml4_pa;
}
