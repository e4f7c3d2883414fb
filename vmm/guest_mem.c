#include "vmm/guest_mem.h"

#include <string.h>

#include "lib/cpu.h"

#define PTE_P    (1ull << 0)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull /* bits 51:12 of an 8-byte entry */
#define PTE32_ADDR 0xfffff000ull       /* bits 31:12 of a 4-byte entry */

/* One paging-structure entry of size 4 or 8 bytes (little-endian, like the host). */
static bool read_entry(const struct guest_paging *pg, uint64_t gpa, unsigned size, uint64_t *e)
{
    const void *p = pg->phys(pg->ctx, gpa, size);
    *e = 0;
    if (!p)
        return false;
    memcpy(e, p, size);
    return true;
}

/* SDM Vol. 3A 5.3 "32-Bit Paging": CR3[31:12] is a directory of 4-byte PDEs indexed by linear
 * 31:22.  A PDE with PS maps 4 MiB when CR4.PSE = 1 (PS is ignored otherwise): address 31:22 from
 * its bits 31:22 and, with PSE-36, address 39:32 from its bits 20:13 (Table 5-4).  Otherwise it
 * points to a table of 4-byte PTEs indexed by linear 21:12. */
static bool walk_32bit(const struct guest_paging *pg, uint32_t linear, uint64_t *gpa)
{
    uint64_t pde, pte;
    if (!read_entry(pg, (pg->cr3 & PTE32_ADDR) + (linear >> 22) * 4, 4, &pde) || !(pde & PTE_P))
        return false;
    if ((pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
        *gpa = (pde & 0xffc00000) | ((pde >> 13) & 0xff) << 32 | (linear & 0x3fffff);
        return true;
    }
    uint64_t pte_gpa = (pde & PTE32_ADDR) + ((linear >> 12) & 0x3ff) * 4;
    if (!read_entry(pg, pte_gpa, 4, &pte) || !(pte & PTE_P))
        return false;
    *gpa = (pte & PTE32_ADDR) | (linear & 0xfff);
    return true;
}

/* Tables of 512 8-byte entries, from `level` (0: page table, 1: directory, 2: PDPT, 3: PML4,
 * 4: PML5) down, each indexed by 9 bits of linear from bit 12 + 9 * level.  An entry with PS at a
 * level up to max_ps maps a 2 MiB (level 1) or 1 GiB (level 2) page; bit 12, PAT there, is below
 * the page's address bits.  At most five reads. */
static bool walk_tables(const struct guest_paging *pg, uint64_t table, int level, int max_ps,
                        uint64_t linear, uint64_t *gpa)
{
    for (; level >= 0; level--) {
        unsigned shift = 12 + 9 * (unsigned)level;
        uint64_t e;
        if (!read_entry(pg, table + ((linear >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
            return false;
        if (level == 0 || (level <= max_ps && (e & PTE_PS))) {
            uint64_t page_mask = (1ull << shift) - 1;
            *gpa = (e & PTE_ADDR & ~page_mask) | (linear & page_mask);
            return true;
        }
        table = e & PTE_ADDR;
    }
    return false;
}

/* SDM Vol. 3A 5.4 "PAE Paging": four PDPTEs (from CR3[31:5], or the ones the CPU holds) indexed
 * by linear 31:30, each pointing to a directory; PS in a PDE maps 2 MiB (no 1 GiB pages). */
static bool walk_pae(const struct guest_paging *pg, uint32_t linear, uint64_t *gpa)
{
    unsigned index = linear >> 30;
    uint64_t pdpte;
    if (pg->pdpte)
        pdpte = pg->pdpte[index];
    else if (!read_entry(pg, (pg->cr3 & 0xffffffe0) + index * 8, 8, &pdpte))
        return false;
    if (!(pdpte & PTE_P))
        return false;
    return walk_tables(pg, pdpte & PTE_ADDR, 1, 1, linear, gpa);
}

bool guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, uint64_t *gpa)
{
    if (!(pg->cr0 & CR0_PG)) {
        *gpa = linear & 0xffffffffull;
        return true;
    }
    if (!(pg->cr4 & CR4_PAE))
        return walk_32bit(pg, (uint32_t)linear, gpa);
    if (!(pg->efer & EFER_LMA))
        return walk_pae(pg, (uint32_t)linear, gpa);
    /* SDM Vol. 3A 5.5 "4-Level Paging and 5-Level Paging": CR3[51:12] is the PML4 or PML5. */
    return walk_tables(pg, pg->cr3 & PTE_ADDR, (pg->cr4 & CR4_LA57) ? 4 : 3, 2, linear, gpa);
}

size_t guest_read_linear_partial(const struct guest_paging *pg, uint64_t linear, void *buf,
                                 size_t len)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        size_t chunk = 4096 - (linear & 4095);
        if (chunk > len - done)
            chunk = len - done;
        uint64_t gpa;
        const void *src;
        if (!guest_linear_to_phys(pg, linear, &gpa) || !(src = pg->phys(pg->ctx, gpa, chunk)))
            break;
        memcpy(out + done, src, chunk);
        done += chunk;
        linear += chunk;
    }
    return done;
}

bool guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len)
{
    return guest_read_linear_partial(pg, linear, buf, len) == len;
}
