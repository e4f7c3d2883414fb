/* The guest page walk (guest_mem.c) over hand-built page tables in a buffer that plays guest RAM.
 * Address bits from the SDM Vol. 3A "4-Level Paging" tables: PML4 index 47:39, PDPT index 38:30,
 * PD index 29:21, PT index 20:12; a PDPTE with PS maps 1 GiB (address 51:30), a PDE with PS maps
 * 2 MiB (address 51:21; bit 12 is PAT in both), a PTE maps 4 KiB (address 51:12); bit 0 is P. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/guest_mem.h"

#define RAM_SIZE 0x200000u /* 2 MiB of guest RAM at guest-physical 0 */
static _Alignas(4096) uint8_t ram[RAM_SIZE];

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PML4 0x1000u
#define PDPT 0x2000u
#define PD   0x3000u
#define PT   0x4000u

static void *phys(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
        return NULL;
    return ram + gpa;
}

static void set_entry(uint32_t table, unsigned index, uint64_t value)
{
    memcpy(ram + table + index * 8, &value, 8);
}

static struct guest_paging long_mode(void)
{
    return (struct guest_paging){
        .cr0 = CR0_PE | CR0_PG, .cr3 = PML4, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA, .phys = phys,
    };
}

static uint64_t la(unsigned pml4, unsigned pdpt, unsigned pd, unsigned pt, uint64_t offset)
{
    return (uint64_t)pml4 << 39 | (uint64_t)pdpt << 30 | (uint64_t)pd << 21 | (uint64_t)pt << 12 | offset;
}

/* PML4[255] -> PDPT, PDPT[2] -> PD, PD[3] -> PT. */
static int build_tables(void **state)
{
    (void)state;
    memset(ram, 0, sizeof(ram));
    set_entry(PML4, 255, PDPT | 0x3);
    set_entry(PDPT, 2, PD | 0x3);
    set_entry(PD, 3, PT | 0x3);
    return 0;
}

static void paging_off_is_identity_truncated_to_32_bits(void **state)
{
    (void)state;
    struct guest_paging pg = { .cr0 = CR0_PE, .phys = phys };
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xfee00020, &gpa));
    assert_int_equal(gpa, 0xfee00020);
    assert_true(guest_linear_to_phys(&pg, 0x123456789ull, &gpa));
    assert_int_equal(gpa, 0x23456789);
    pg.cr0 = 0; /* real mode: still no paging */
    assert_true(guest_linear_to_phys(&pg, 0x1000, &gpa));
    assert_int_equal(gpa, 0x1000);
}

static void four_kib_page(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 4, 0x8000000000123003ull); /* XD set: not part of the address */
    uint64_t linear = la(255, 2, 3, 4, 0xabc);
    assert_int_equal(linear, 0x00007f8080604abcull);
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa));
    assert_int_equal(gpa, 0x123abc);
    /* an upper-half address: bits 63:48 copy bit 47 and are not part of any index */
    set_entry(PML4, 511, PDPT | 0x3);
    gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xffffff8080604abcull, &gpa));
    assert_int_equal(gpa, 0x123abc);
    /* CR3 bits 11:0 (PCID, or PWT/PCD) are not part of the PML4 address */
    pg.cr3 = PML4 | 0x18;
    gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa));
    assert_int_equal(gpa, 0x123abc);
}

static void two_mib_page(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PD, 5, 0x00601083ull); /* 2 MiB at 0x600000, PS, PAT (bit 12) set */
    uint64_t linear = la(255, 2, 5, 0, 0x12345);
    assert_int_equal(linear, 0x00007f8080a12345ull);
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa));
    assert_int_equal(gpa, 0x612345);
    assert_true(guest_linear_to_phys(&pg, la(255, 2, 5, 0x1ff, 0xfff), &gpa));
    assert_int_equal(gpa, 0x7fffff);
}

static void one_gib_page(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PDPT, 3, 0x40001083ull); /* 1 GiB at 0x40000000, PS, PAT (bit 12) set */
    uint64_t linear = la(255, 3, 0, 0, 0x12345678);
    assert_int_equal(linear, 0x00007f80d2345678ull);
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa));
    assert_int_equal(gpa, 0x52345678);
    /* translated, but outside guest RAM: reading it fails */
    uint8_t b;
    assert_false(guest_read_linear(&pg, linear, &b, 1));
}

static void not_present_at_each_level(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 4, 0x123003);
    set_entry(PD, 6, 0x5000 | 0x3); /* a PT with nothing in it */
    set_entry(PDPT, 4, 0x40000082); /* 1 GiB page, P clear */
    set_entry(PD, 7, 0x00800082);   /* 2 MiB page, P clear */
    set_entry(PT, 8, 0x124002);     /* 4 KiB page, P clear */
    uint64_t gpa = 0x5a5a;
    assert_true(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0), &gpa)); /* the control */
    assert_false(guest_linear_to_phys(&pg, la(254, 2, 3, 4, 0), &gpa)); /* PML4E 0 */
    assert_false(guest_linear_to_phys(&pg, la(255, 1, 3, 4, 0), &gpa)); /* PDPTE 0 */
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 2, 4, 0), &gpa)); /* PDE 0 */
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 5, 0), &gpa)); /* PTE 0 */
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 6, 0, 0), &gpa)); /* empty PT */
    assert_false(guest_linear_to_phys(&pg, la(255, 4, 0, 0, 0), &gpa));
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 7, 0, 0), &gpa));
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 8, 0), &gpa));
    /* PML4E and PDPTE with an address but P clear */
    set_entry(PML4, 255, PDPT | 0x2);
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0), &gpa));
    set_entry(PML4, 255, PDPT | 0x3);
    set_entry(PDPT, 2, PD | 0x2);
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0), &gpa));
    /* a table outside guest RAM */
    set_entry(PDPT, 2, 0x10000000 | 0x3);
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0), &gpa));
}

static void legacy_paging_modes_are_refused(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 4, 0x123003);
    uint64_t gpa;
    pg.cr4 = 0;
    pg.efer = 0; /* 32-bit paging */
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0), &gpa));
    assert_false(guest_linear_to_phys(&pg, 0x1000, &gpa));
    pg.cr4 = CR4_PAE; /* PAE paging */
    assert_false(guest_linear_to_phys(&pg, 0x1000, &gpa));
    pg.efer = EFER_LME; /* LME without LMA: still PAE paging */
    assert_false(guest_linear_to_phys(&pg, 0x1000, &gpa));
}

static void read_across_noncontiguous_pages(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 7, 0x150003); /* linear page 7 -> 0x150000 */
    set_entry(PT, 8, 0x140003); /* linear page 8 -> 0x140000, below it */
    for (unsigned i = 0; i < 8; i++) {
        ram[0x150ff8 + i] = (uint8_t)(1 + i);
        ram[0x140000 + i] = (uint8_t)(9 + i);
    }
    ram[0x151000] = 0xee; /* what a contiguous copy would read */
    uint8_t buf[16];
    memset(buf, 0, sizeof(buf));
    assert_true(guest_read_linear(&pg, la(255, 2, 3, 7, 0xff8), buf, sizeof(buf)));
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(buf[i], 1 + i);
    /* within one page */
    memset(buf, 0, sizeof(buf));
    assert_true(guest_read_linear(&pg, la(255, 2, 3, 8, 0), buf, 8));
    assert_int_equal(buf[0], 9);
    assert_int_equal(buf[7], 16);
}

static void read_fails_when_second_page_unmapped(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 9, 0x160003);
    /* PT[10] stays 0 */
    uint8_t buf[15];
    assert_true(guest_read_linear(&pg, la(255, 2, 3, 9, 0xff1), buf, 15)); /* ends on the page */
    assert_false(guest_read_linear(&pg, la(255, 2, 3, 9, 0xff2), buf, 15));
    assert_false(guest_read_linear(&pg, la(255, 2, 3, 10, 0), buf, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(paging_off_is_identity_truncated_to_32_bits, build_tables),
        cmocka_unit_test_setup(four_kib_page, build_tables),
        cmocka_unit_test_setup(two_mib_page, build_tables),
        cmocka_unit_test_setup(one_gib_page, build_tables),
        cmocka_unit_test_setup(not_present_at_each_level, build_tables),
        cmocka_unit_test_setup(legacy_paging_modes_are_refused, build_tables),
        cmocka_unit_test_setup(read_across_noncontiguous_pages, build_tables),
        cmocka_unit_test_setup(read_fails_when_second_page_unmapped, build_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
