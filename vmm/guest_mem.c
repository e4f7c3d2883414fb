#include "vmm/guest_mem.h"

#include <string.h>

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

bool guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, uint64_t *gpa)
{
    if (!(pg->cr0 & CR0_PG)) {
        *gpa = linear & 0xffffffffull;
        return true;
    }
    if (!(pg->efer & EFER_LMA) || !(pg->cr4 & CR4_PAE))
        return false; /* 32-bit and PAE paging: not needed by the guests we run */
    uint64_t table = pg->cr3 & PTE_ADDR;
    for (int level = 3; level >= 0; level--) {
        unsigned index = (linear >> (12 + 9 * level)) & 511;
        const uint64_t *entry = pg->phys(pg->ctx, table + index * 8, 8);
        if (!entry || !(*entry & PTE_P))
            return false;
        uint64_t e = *entry;
        if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS))) {
            uint64_t page_mask = (1ull << (12 + 9 * level)) - 1;
            *gpa = (e & PTE_ADDR & ~page_mask) | (linear & page_mask);
            return true;
        }
        table = e & PTE_ADDR;
    }
    return false;
}

bool guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        size_t chunk = 4096 - (linear & 4095);
        if (chunk > len)
            chunk = len;
        uint64_t gpa;
        const void *src;
        if (!guest_linear_to_phys(pg, linear, &gpa) || !(src = pg->phys(pg->ctx, gpa, chunk)))
            return false;
        memcpy(out, src, chunk);
        out += chunk;
        linear += chunk;
        len -= chunk;
    }
    return true;
}
