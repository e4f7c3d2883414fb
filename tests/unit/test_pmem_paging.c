/* The physical page allocator and the hypervisor's identity-map page tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/host/paging.h"
#include "vmm/host/pmem.h"

static void ranges_are_page_aligned_and_floored(void **state)
{
    (void)state;
    struct pmem pm;
    pmem_init(&pm);
    assert_true(pmem_add_range(&pm, 0x1001, 0x3000, 0));    /* [0x2000, 0x4000) */
    assert_true(pmem_add_range(&pm, 0x80000, 0x100000, 0x100000)); /* [0x100000, 0x180000) */
    assert_true(pmem_add_range(&pm, 0x500, 0x200, 0));      /* no whole page: dropped */
    assert_int_equal(pm.count, 2);
    assert_int_equal(pm.ranges[0].base, 0x2000);
    assert_int_equal(pm.ranges[0].end, 0x4000);
    assert_int_equal(pm.ranges[1].base, 0x100000);
    assert_int_equal(pm.ranges[1].end, 0x180000);
    assert_int_equal(pm.free_pages, 2 + 0x80);
}

static void allocations_come_from_the_top_aligned_and_below_the_limit(void **state)
{
    (void)state;
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, 0x100000, 0x100000, 0);    /* 1-2 MiB */
    pmem_add_range(&pm, 0x10000000, 0x400000, 0);  /* 256-260 MiB */
    assert_int_equal(pmem_alloc(&pm, 1, PAGE_SIZE, ~0ull), 0x103ff000);
    assert_int_equal(pmem_alloc(&pm, 2, PAGE_SIZE, 0x200000), 0x1fe000); /* below 2 MiB */
    /* 2 MiB-aligned: 0x10200000 (the block at the top no longer fits below 0x103ff000) */
    assert_int_equal(pmem_alloc(&pm, 512, 0x200000, ~0ull), 0x10000000);
    /* the gap between the aligned block and the page taken first is still usable */
    assert_int_equal(pmem_alloc(&pm, 0x1ff, PAGE_SIZE, ~0ull), 0x10200000);
    assert_int_equal(pm.free_pages, 0x100 - 2 + 0x400 - 1 - 512 - 0x1ff);
    assert_int_equal(pmem_alloc(&pm, 0x1000, PAGE_SIZE, ~0ull), 0); /* too big */
    assert_int_equal(pmem_alloc(&pm, 1, 3 * PAGE_SIZE, ~0ull), 0);  /* alignment not a power of two */
    assert_int_equal(pmem_alloc(&pm, 0, PAGE_SIZE, ~0ull), 0);
}

static void exhausting_memory_returns_zero(void **state)
{
    (void)state;
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, 0x200000, 4 * PAGE_SIZE, 0);
    for (int i = 0; i < 4; i++)
        assert_int_not_equal(pmem_alloc(&pm, 1, PAGE_SIZE, ~0ull), 0);
    assert_int_equal(pmem_alloc(&pm, 1, PAGE_SIZE, ~0ull), 0);
    assert_int_equal(pm.free_pages, 0);
}

/* A fake physical memory: 64 pages at "physical" 0x1000000. */
#define FAKE_BASE 0x1000000ull
static uint8_t *fake_mem;

static void *fake_ptr(uint64_t pa)
{
    assert_true(pa >= FAKE_BASE && pa < FAKE_BASE + 64 * PAGE_SIZE);
    return fake_mem + (pa - FAKE_BASE);
}

static uint64_t walk(uint64_t cr3, uint64_t va)
{
    uint64_t *pml4 = fake_ptr(cr3);
    uint64_t e = pml4[(va >> 39) & 511];
    if (!(e & PTE_PRESENT))
        return ~0ull;
    e = ((uint64_t *)fake_ptr(e & ~0xfffull))[(va >> 30) & 511];
    if (!(e & PTE_PRESENT))
        return ~0ull;
    e = ((uint64_t *)fake_ptr(e & ~0xfffull))[(va >> 21) & 511];
    if (!(e & PTE_PRESENT) || !(e & PTE_LARGE) || !(e & PTE_WRITE))
        return ~0ull;
    return (e & ~0x1fffffull) | (va & 0x1fffff);
}

static void identity_map_covers_the_limit_in_2m_pages(void **state)
{
    (void)state;
    fake_mem = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
    memset(fake_mem, 0xcc, 64 * PAGE_SIZE); /* tables must be zeroed by the builder */
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, FAKE_BASE, 64 * PAGE_SIZE, 0);
    uint64_t cr3 = paging_build_identity(&pm, (3ull << 30) + 1, fake_ptr); /* rounds up to 4 GiB */
    assert_int_not_equal(cr3, 0);
    assert_int_equal(pm.free_pages, 64 - 6); /* PML4, PDPT and 4 page directories */
    assert_int_equal(walk(cr3, 0), 0);
    assert_int_equal(walk(cr3, 0xfee00020), 0xfee00020);
    assert_int_equal(walk(cr3, 0xbfffffff), 0xbfffffff);
    assert_int_equal(walk(cr3, 0x100000000ull), ~0ull); /* beyond 4 GiB: not mapped */
    free(fake_mem);
}

static void identity_map_fails_cleanly_without_memory(void **state)
{
    (void)state;
    fake_mem = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, FAKE_BASE, 3 * PAGE_SIZE, 0);
    assert_int_equal(paging_build_identity(&pm, 4ull << 30, fake_ptr), 0);
    free(fake_mem);
}

/* A host with RAM above 4 GiB (review S2: stack and guest RAM landed at 0x1ffffc000 and
 * 0x1fbe00000, outside a 4 GiB map): allocations stay low while low memory lasts, then come from
 * above, and the identity map reaches the top of RAM, so every allocation is mapped. */
static void ram_above_4g_is_mapped_and_allocations_prefer_low_memory(void **state)
{
    (void)state;
    fake_mem = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, FAKE_BASE, 64 * PAGE_SIZE, 0);
    pmem_add_range(&pm, 4ull << 30, 4ull << 30, 0); /* 4-8 GiB */
    assert_int_equal(pm.top, 8ull << 30);
    uint64_t low = pmem_alloc_any(&pm, 4, PAGE_SIZE);
    assert_true(low >= FAKE_BASE && low < FAKE_BASE + 64 * PAGE_SIZE);
    uint64_t big = pmem_alloc_any(&pm, 512, 2ull << 20); /* more than the low range holds */
    assert_int_equal(big, (8ull << 30) - (2ull << 20));
    uint64_t cr3 = paging_build_identity(&pm, pm.top, fake_ptr);
    assert_int_not_equal(cr3, 0);
    assert_int_equal(pm.free_pages, 64 - 4 - 10 + (4ull << 30) / PAGE_SIZE - 512); /* PML4, PDPT, 8 PDs */
    assert_int_equal(walk(cr3, low), low);
    assert_int_equal(walk(cr3, big + 0x1234), big + 0x1234);
    assert_int_equal(walk(cr3, (8ull << 30) - 1), (8ull << 30) - 1);
    assert_int_equal(walk(cr3, 0xfee00000), 0xfee00000); /* the LAPIC, below the RAM top */
    free(fake_mem);
}

static void identity_map_covers_4g_even_with_less_ram(void **state)
{
    (void)state;
    fake_mem = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
    struct pmem pm;
    pmem_init(&pm);
    pmem_add_range(&pm, FAKE_BASE, 64 * PAGE_SIZE, 0);
    uint64_t cr3 = paging_build_identity(&pm, pm.top, fake_ptr);
    assert_int_equal(walk(cr3, 0xfee00300), 0xfee00300);
    free(fake_mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges_are_page_aligned_and_floored),
        cmocka_unit_test(allocations_come_from_the_top_aligned_and_below_the_limit),
        cmocka_unit_test(exhausting_memory_returns_zero),
        cmocka_unit_test(identity_map_covers_the_limit_in_2m_pages),
        cmocka_unit_test(identity_map_fails_cleanly_without_memory),
        cmocka_unit_test(ram_above_4g_is_mapped_and_allocations_prefer_low_memory),
        cmocka_unit_test(identity_map_covers_4g_even_with_less_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
