#include "vmx/ept.h"

#include <string.h>

#include "vmx/vmcs_defs.h"

#define ENTRIES_PER_TABLE 512
#define GPA_LIMIT (1ull << 48) /* a 4-level walk translates 48 bits (SDM 29.3.2) */
#define HPA_LIMIT (1ull << 52) /* the architectural maximum of MAXPHYADDR */

const char *ept_error_name(int err)
{
    switch (err) {
    case EPT_OK: return "no error";
    case EPT_ERR_NO_MEMORY: return "out of memory";
    case EPT_ERR_ALIGNMENT: return "not 4 KiB aligned";
    case EPT_ERR_RANGE: return "address range out of bounds";
    case EPT_ERR_PERMISSIONS: return "invalid permissions";
    case EPT_ERR_MEMTYPE: return "invalid memory type";
    case EPT_ERR_UNSUPPORTED: return "unsupported by this CPU";
    default: return "?";
    }
}

/* SDM 29.3.2: an entry is present when any of bits 2:0 is set. */
static bool present(uint64_t entry)
{
    return (entry & EPT_RWX) != 0;
}

/* Level 4 is the PML4, level 1 the page table; an entry at level l maps this many bytes. */
static uint64_t level_span(int level)
{
    return EPT_PAGE_SIZE << (9 * (level - 1));
}

static uint64_t *entry_at(uint64_t *table, uint64_t gpa, int level)
{
    return &table[(gpa >> (12 + 9 * (level - 1))) & (ENTRIES_PER_TABLE - 1)];
}

static uint64_t *table_of(const struct ept *ept, uint64_t entry)
{
    return ept->alloc->phys_to_virt(ept->alloc->ctx, entry & EPT_ADDR_MASK);
}

static uint64_t *new_table(const struct ept *ept, uint64_t *pa)
{
    uint64_t *table = ept->alloc->alloc_page(ept->alloc->ctx);
    if (table) {
        memset(table, 0, EPT_PAGE_SIZE);
        *pa = ept->alloc->virt_to_phys(ept->alloc->ctx, table);
    }
    return table;
}

int ept_init(struct ept *ept, const struct page_alloc *alloc, uint64_t ept_vpid_cap)
{
    ept->alloc = alloc;
    ept->cap = ept_vpid_cap;
    ept->pml4 = new_table(ept, &ept->pml4_pa);
    return ept->pml4 ? EPT_OK : EPT_ERR_NO_MEMORY;
}

/* Replaces the 2 MiB leaf *pde with a page table of 512 4 KiB entries mapping the same memory
 * with the same attributes. */
static int split_large_page(const struct ept *ept, uint64_t *pde)
{
    uint64_t pa;
    uint64_t *pt = new_table(ept, &pa);
    if (!pt)
        return EPT_ERR_NO_MEMORY;
    uint64_t attrs = *pde & ~(EPT_ADDR_MASK | EPT_LARGE_PAGE);
    uint64_t base = *pde & EPT_ADDR_MASK;
    for (unsigned i = 0; i < ENTRIES_PER_TABLE; i++)
        pt[i] = (base + i * EPT_PAGE_SIZE) | attrs;
    /* Non-leaf entries grant everything: access is decided by the leaves. */
    *pde = pa | EPT_RWX;
    return EPT_OK;
}

/* The entry for gpa at level, creating the tables above it and splitting a large page on the way. */
static int walk_create(const struct ept *ept, uint64_t gpa, int level, uint64_t **out)
{
    uint64_t *table = ept->pml4;
    for (int l = 4; l > level; l--) {
        uint64_t *e = entry_at(table, gpa, l);
        if (!present(*e)) {
            uint64_t pa;
            if (!new_table(ept, &pa))
                return EPT_ERR_NO_MEMORY;
            *e = pa | EPT_RWX;
        } else if (*e & EPT_LARGE_PAGE) {
            int err = split_large_page(ept, e);
            if (err)
                return err;
        }
        table = table_of(ept, *e);
    }
    *out = entry_at(table, gpa, level);
    return EPT_OK;
}

/* The lowest existing entry on gpa's walk: a leaf, or the non-present entry that ends the walk. */
static uint64_t *walk_find(const struct ept *ept, uint64_t gpa, int *level)
{
    uint64_t *table = ept->pml4;
    for (int l = 4;; l--) {
        uint64_t *e = entry_at(table, gpa, l);
        if (l == 1 || !present(*e) || (*e & EPT_LARGE_PAGE)) {
            *level = l;
            return e;
        }
        table = table_of(ept, *e);
    }
}

static uint64_t leaf_bits(uint64_t perms, unsigned memtype)
{
    return perms | ((uint64_t)memtype << EPT_MEMTYPE_SHIFT);
}

/* SDM 29.3.3.1 "EPT Misconfigurations": what a leaf may not contain. */
static int check_leaf(const struct ept *ept, uint64_t perms, unsigned memtype)
{
    if (!perms || (perms & ~EPT_RWX) || ((perms & EPT_WRITE) && !(perms & EPT_READ)))
        return EPT_ERR_PERMISSIONS;
    if (perms == EPT_EXECUTE && !(ept->cap & EPT_CAP_EXECUTE_ONLY))
        return EPT_ERR_PERMISSIONS;
    if (memtype != EPT_MEMTYPE_UC && memtype != EPT_MEMTYPE_WC && memtype != EPT_MEMTYPE_WT &&
        memtype != EPT_MEMTYPE_WP && memtype != EPT_MEMTYPE_WB)
        return EPT_ERR_MEMTYPE;
    return EPT_OK;
}

static int check_range(uint64_t gpa, uint64_t size)
{
    if ((gpa | size) & (EPT_PAGE_SIZE - 1))
        return EPT_ERR_ALIGNMENT;
    if (!size || gpa >= GPA_LIMIT || size > GPA_LIMIT - gpa)
        return EPT_ERR_RANGE;
    return EPT_OK;
}

int ept_map_page(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t perms, unsigned memtype)
{
    return ept_map(ept, gpa, hpa, EPT_PAGE_SIZE, perms, memtype);
}

/* A 2 MiB leaf fits at gpa if both addresses and the size allow it and the PDE is not already a
 * page table (replacing one would orphan it). */
static bool large_page_fits(const struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size)
{
    if (!(ept->cap & EPT_CAP_2MB_PAGES) || ((gpa | hpa) & (EPT_LARGE_PAGE_SIZE - 1)) ||
        size < EPT_LARGE_PAGE_SIZE)
        return false;
    int level;
    uint64_t *e = walk_find(ept, gpa, &level);
    return level > 2 || !present(*e) || (*e & EPT_LARGE_PAGE);
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms, unsigned memtype)
{
    int err = check_range(gpa, size);
    if (!err && (hpa & (EPT_PAGE_SIZE - 1)))
        err = EPT_ERR_ALIGNMENT;
    if (!err && (hpa >= HPA_LIMIT || size > HPA_LIMIT - hpa))
        err = EPT_ERR_RANGE;
    if (!err)
        err = check_leaf(ept, perms, memtype);
    while (!err && size) {
        bool large = large_page_fits(ept, gpa, hpa, size);
        uint64_t step = large ? EPT_LARGE_PAGE_SIZE : EPT_PAGE_SIZE;
        uint64_t *e;
        err = walk_create(ept, gpa, large ? 2 : 1, &e);
        if (!err)
            *e = hpa | leaf_bits(perms, memtype) | (large ? EPT_LARGE_PAGE : 0);
        gpa += step;
        hpa += step;
        size -= step;
    }
    return err;
}

int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size)
{
    int err = check_range(gpa, size);
    while (!err && size) {
        int level;
        uint64_t *e = walk_find(ept, gpa, &level);
        uint64_t span = level_span(level);
        uint64_t offset = gpa & (span - 1);
        if (present(*e) && (offset || size < span)) {
            err = split_large_page(ept, e); /* part of a large page: split, then look again */
            continue;
        }
        *e = 0;
        uint64_t step = span - offset < size ? span - offset : size;
        gpa += step;
        size -= step;
    }
    return err;
}

bool ept_lookup(const struct ept *ept, uint64_t gpa, struct ept_leaf *leaf)
{
    if (gpa >= GPA_LIMIT)
        return false;
    int level;
    uint64_t *e = walk_find(ept, gpa, &level);
    if (!present(*e))
        return false;
    leaf->entry = *e;
    leaf->page_size = level_span(level);
    return true;
}

bool ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa)
{
    struct ept_leaf leaf;
    if (!ept_lookup(ept, gpa, &leaf))
        return false;
    *hpa = (leaf.entry & EPT_ADDR_MASK & ~(leaf.page_size - 1)) | (gpa & (leaf.page_size - 1));
    return true;
}

int ept_eptp(const struct ept *ept, bool want_ad, uint64_t *eptp)
{
    if (!(ept->cap & EPT_CAP_PAGE_WALK_4) || !(ept->cap & EPT_CAP_MEMTYPE_WB))
        return EPT_ERR_UNSUPPORTED;
    bool ad = want_ad && (ept->cap & EPT_CAP_AD_FLAGS);
    *eptp = (ept->pml4_pa & EPT_ADDR_MASK) | EPTP_MEMTYPE_WB | EPTP_PAGE_WALK_4 | (ad ? EPTP_ENABLE_AD : 0);
    return EPT_OK;
}
