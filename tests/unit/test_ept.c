/* EPT construction: page-size choice, splitting, translation, the EPTP and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/ept.h"
#include "vmx/vmcs_defs.h"

/* Host allocator: heap pages, "physical" address = virtual address; at most limit pages. */
struct host_pages {
    void *page[64];
    unsigned count, limit;
};

static void *host_alloc(void *ctx)
{
    struct host_pages *h = ctx;
    if (h->count == h->limit)
        return NULL;
    void *p = aligned_alloc(4096, 4096);
    memset(p, 0xa5, 4096); /* ept must clear its tables itself */
    return h->page[h->count++] = p;
}

static uint64_t host_v2p(void *ctx, void *p)
{
    (void)ctx;
    return (uint64_t)(uintptr_t)p;
}

static void *host_p2v(void *ctx, uint64_t pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static struct host_pages pages;
static const struct page_alloc alloc = { host_alloc, host_v2p, host_p2v, &pages };
static struct ept ept;

#define CAP_ALL (EPT_CAP_EXECUTE_ONLY | EPT_CAP_PAGE_WALK_4 | EPT_CAP_MEMTYPE_WB | EPT_CAP_2MB_PAGES | EPT_CAP_AD_FLAGS)
/* Leaf entries as the SDM lays them out: bits 2:0 RWX, 5:3 memory type, 7 large page. */
#define LEAF_WB_RWX 0x37ull  /* WB (6) << 3 | RWX */
#define LARGE_WB_RWX 0xb7ull /* the same with bit 7 */

static int setup_with(uint64_t cap)
{
    memset(&pages, 0, sizeof(pages));
    pages.limit = 64;
    return ept_init(&ept, &alloc, cap);
}

static int setup(void **state)
{
    (void)state;
    return setup_with(CAP_ALL);
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < pages.count; i++)
        free(pages.page[i]);
    return 0;
}

static void aligned_ranges_use_2m_pages(void **state)
{
    (void)state;
    assert_int_equal(ept_map(&ept, 0, 0x40000000, 0x400000, EPT_RWX, EPT_MEMTYPE_WB), EPT_OK);
    assert_int_equal(pages.count, 3); /* PML4, PDPT, PD: no page table */
    struct ept_leaf leaf;
    assert_true(ept_lookup(&ept, 0x201000, &leaf));
    assert_int_equal(leaf.entry, 0x40200000ull | LARGE_WB_RWX);
    assert_int_equal(leaf.page_size, 0x200000);
    uint64_t hpa;
    assert_true(ept_translate(&ept, 0x123456, &hpa));
    assert_int_equal(hpa, 0x40123456);
    assert_true(ept_translate(&ept, 0x3fffff, &hpa));
    assert_int_equal(hpa, 0x403fffff);
    assert_false(ept_translate(&ept, 0x400000, &hpa));
}

static void misaligned_ranges_use_4k_pages(void **state)
{
    (void)state;
    /* gpa 2 MiB-aligned but hpa not: 4 KiB pages only. */
    assert_int_equal(ept_map(&ept, 0x200000, 0x40001000, 0x200000, EPT_READ | EPT_WRITE, EPT_MEMTYPE_WB), EPT_OK);
    struct ept_leaf leaf;
    assert_true(ept_lookup(&ept, 0x3ff000, &leaf));
    assert_int_equal(leaf.entry, 0x40200000ull | 0x33); /* WB << 3 | RW */
    assert_int_equal(leaf.page_size, 0x1000);
    /* A range straddling 2 MiB boundaries: a 4 KiB head, a 2 MiB-aligned middle, a 4 KiB tail. */
    assert_int_equal(ept_map(&ept, 0x1ff000, 0x801ff000, 0x202000, EPT_RWX, EPT_MEMTYPE_WB), EPT_OK);
    assert_true(ept_lookup(&ept, 0x1ff000, &leaf));
    assert_int_equal(leaf.page_size, 0x1000);
    assert_int_equal(leaf.entry, 0x801ff000ull | LEAF_WB_RWX);
    assert_true(ept_lookup(&ept, 0x200000, &leaf));
    /* the PD entry for 0x200000 already holds a page table: 4 KiB pages again, no orphaned table */
    assert_int_equal(leaf.page_size, 0x1000);
    assert_int_equal(leaf.entry, 0x80200000ull | LEAF_WB_RWX);
    assert_true(ept_lookup(&ept, 0x400000, &leaf));
    assert_int_equal(leaf.page_size, 0x1000);
    assert_int_equal(leaf.entry, 0x80400000ull | LEAF_WB_RWX);
}

static void apic_access_page_splits_the_2m_page(void **state)
{
    (void)state;
    assert_int_equal(ept_map(&ept, 0xfec00000, 0xfec00000, 0x400000, EPT_RWX, EPT_MEMTYPE_WB), EPT_OK);
    unsigned before = pages.count;
    assert_int_equal(ept_map_page(&ept, 0xfee00000, 0x12345000, EPT_READ | EPT_WRITE, EPT_MEMTYPE_UC), EPT_OK);
    assert_int_equal(pages.count, before + 1); /* one new page table */
    struct ept_leaf leaf;
    assert_true(ept_lookup(&ept, 0xfee00000, &leaf));
    assert_int_equal(leaf.entry, 0x12345000ull | 0x3); /* UC (0) << 3 | RW */
    assert_int_equal(leaf.page_size, 0x1000);
    /* The rest of the split 2 MiB page keeps its mapping and attributes. */
    assert_true(ept_lookup(&ept, 0xfee01000, &leaf));
    assert_int_equal(leaf.entry, 0xfee01000ull | LEAF_WB_RWX);
    assert_true(ept_lookup(&ept, 0xfefff000, &leaf));
    assert_int_equal(leaf.entry, 0xfefff000ull | LEAF_WB_RWX);
    /* The neighbouring 2 MiB page is untouched. */
    assert_true(ept_lookup(&ept, 0xfec00000, &leaf));
    assert_int_equal(leaf.entry, 0xfec00000ull | LARGE_WB_RWX);
    uint64_t hpa;
    assert_true(ept_translate(&ept, 0xfee00300, &hpa));
    assert_int_equal(hpa, 0x12345300);
}

static void unmapped_addresses_do_not_translate(void **state)
{
    (void)state;
    uint64_t hpa = 0xdead;
    assert_false(ept_translate(&ept, 0, &hpa));
    assert_false(ept_translate(&ept, 0xfee00000, &hpa));
    assert_false(ept_translate(&ept, 1ull << 48, &hpa));
    assert_int_equal(hpa, 0xdead);
    assert_int_equal(ept_map(&ept, 0, 0, 0x400000, EPT_RWX, EPT_MEMTYPE_WB), EPT_OK);
    /* unmapping one 4 KiB page of a 2 MiB page splits it */
    assert_int_equal(ept_unmap(&ept, 0x1000, 0x1000), EPT_OK);
    assert_false(ept_translate(&ept, 0x1000, &hpa));
    assert_true(ept_translate(&ept, 0x2000, &hpa));
    assert_int_equal(hpa, 0x2000);
    assert_true(ept_translate(&ept, 0, &hpa));
    /* an aligned 2 MiB page goes whole; unmapping unmapped space is fine */
    assert_int_equal(ept_unmap(&ept, 0x200000, 0x10000000), EPT_OK);
    assert_false(ept_translate(&ept, 0x200000, &hpa));
    assert_false(ept_translate(&ept, 0x3ff000, &hpa));
    assert_true(ept_translate(&ept, 0x1ff000, &hpa));
}

static void without_2m_support_only_4k_pages(void **state)
{
    (void)state;
    teardown(state);
    assert_int_equal(setup_with(EPT_CAP_PAGE_WALK_4 | EPT_CAP_MEMTYPE_WB), EPT_OK);
    assert_int_equal(ept_map(&ept, 0, 0, 0x200000, EPT_RWX, EPT_MEMTYPE_WB), EPT_OK);
    struct ept_leaf leaf;
    assert_true(ept_lookup(&ept, 0x1ff000, &leaf));
    assert_int_equal(leaf.page_size, 0x1000);
    assert_int_equal(leaf.entry, 0x1ff000ull | LEAF_WB_RWX);
    /* and no execute-only mappings */
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_EXECUTE, EPT_MEMTYPE_WB), EPT_ERR_PERMISSIONS);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    assert_int_equal(ept_map(&ept, 0x800, 0, 0x1000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_ALIGNMENT);
    assert_int_equal(ept_map(&ept, 0, 0x800, 0x1000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_ALIGNMENT);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1800, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_ALIGNMENT);
    assert_int_equal(ept_map(&ept, 0, 0, 0, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_RANGE);
    assert_int_equal(ept_map(&ept, 0xfffffffff000ull, 0, 0x2000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_RANGE);
    assert_int_equal(ept_map(&ept, 0xfffffffffffff000ull, 0, 0x2000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_RANGE);
    assert_int_equal(ept_map(&ept, 0, 0xffffffffff000ull, 0x2000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_RANGE);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_WRITE, EPT_MEMTYPE_WB), EPT_ERR_PERMISSIONS);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_WRITE | EPT_EXECUTE, EPT_MEMTYPE_WB), EPT_ERR_PERMISSIONS);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, 0, EPT_MEMTYPE_WB), EPT_ERR_PERMISSIONS);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_RWX | EPT_LARGE_PAGE, EPT_MEMTYPE_WB), EPT_ERR_PERMISSIONS);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_RWX, 2), EPT_ERR_MEMTYPE);
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_RWX, 7), EPT_ERR_MEMTYPE);
    assert_int_equal(ept_unmap(&ept, 0x10, 0x1000), EPT_ERR_ALIGNMENT);
    assert_int_equal(pages.count, 1); /* nothing was built */
    /* execute-only is fine where the CPU supports it */
    assert_int_equal(ept_map(&ept, 0, 0, 0x1000, EPT_EXECUTE, EPT_MEMTYPE_WB), EPT_OK);
    assert_string_equal(ept_error_name(EPT_ERR_MEMTYPE), "invalid memory type");
}

static void allocation_failure_is_reported(void **state)
{
    (void)state;
    pages.limit = pages.count + 2; /* PDPT and PD, but no page table */
    assert_int_equal(ept_map(&ept, 0x1000, 0x1000, 0x1000, EPT_RWX, EPT_MEMTYPE_WB), EPT_ERR_NO_MEMORY);
    uint64_t hpa;
    assert_false(ept_translate(&ept, 0x1000, &hpa));
    assert_string_equal(ept_error_name(EPT_ERR_NO_MEMORY), "out of memory");
}

static void eptp_is_write_back_4_level(void **state)
{
    (void)state;
    uint64_t eptp;
    assert_int_equal(ept_eptp(&ept, true, &eptp), EPT_OK);
    assert_int_equal(eptp, ept.pml4_pa | 0x5e); /* WB 6, walk length 4 as 3 << 3, A/D bit 6 */
    assert_int_equal(ept_eptp(&ept, false, &eptp), EPT_OK);
    assert_int_equal(eptp, ept.pml4_pa | 0x1e);
    ept.cap &= ~EPT_CAP_AD_FLAGS;
    assert_int_equal(ept_eptp(&ept, true, &eptp), EPT_OK);
    assert_int_equal(eptp, ept.pml4_pa | 0x1e);
    ept.cap &= ~EPT_CAP_MEMTYPE_WB;
    assert_int_equal(ept_eptp(&ept, true, &eptp), EPT_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(aligned_ranges_use_2m_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(misaligned_ranges_use_4k_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(apic_access_page_splits_the_2m_page, setup, teardown),
        cmocka_unit_test_setup_teardown(unmapped_addresses_do_not_translate, setup, teardown),
        cmocka_unit_test_setup_teardown(without_2m_support_only_4k_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(eptp_is_write_back_4_level, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
