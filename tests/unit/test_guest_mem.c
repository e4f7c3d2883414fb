/* The guest page walk (guest_mem.c) over hand-built page tables in a buffer that plays guest RAM.
 * Address bits from the SDM Vol. 3A paging chapter:
 * - 4-level paging (5.5): PML4 index 47:39, PDPT index 38:30, PD index 29:21, PT index 20:12; a
 *   PDPTE with PS maps 1 GiB (address 51:30), a PDE with PS maps 2 MiB (address 51:21; bit 12 is
 *   PAT in both), a PTE maps 4 KiB (address 51:12); bit 0 is P.  5-level paging adds a PML5
 *   indexed by 56:48.
 * - 32-bit paging (5.3): 4-byte entries; CR3[31:12] is the directory, PD index 31:22, PT index
 *   21:12; a PDE with PS maps 4 MiB when CR4.PSE = 1 (address 31:22, and 39:32 from bits 20:13).
 * - PAE paging (5.4): CR3[31:5] holds four 8-byte PDPTEs indexed by 31:30, then PD index 29:21 and
 *   PT index 20:12 of 8-byte entries; a PDE with PS maps 2 MiB. */
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
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PML4 0x1000u
#define PDPT 0x2000u
#define PD   0x3000u
#define PT   0x4000u
#define PML5 0x30000u

/* 32-bit paging: a directory and two page tables */
#define PD32  0x10000u
#define PT32  0x11000u
#define PT32B 0x12000u

/* PAE paging: the PDPT (32-byte aligned, not page aligned), two directories and a table */
#define PDPT_PAE 0x20020u
#define PD_PAE   0x21000u
#define PD_PAE_B 0x23000u
#define PT_PAE   0x22000u

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

static void set_entry32(uint32_t table, unsigned index, uint32_t value)
{
    memcpy(ram + table + index * 4, &value, 4);
}

/* The guest-physical reads of a walk, to see which structures a paging mode reads. */
static struct {
    uint64_t gpa, len;
} reads[8];
static unsigned nreads;

static void *logging_phys(void *ctx, uint64_t gpa, uint64_t len)
{
    if (nreads < 8) {
        reads[nreads].gpa = gpa;
        reads[nreads].len = len;
    }
    nreads++;
    return phys(ctx, gpa, len);
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

/* SDM Vol. 3A Table 5-1: the mode from CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57, seen by where the
 * walk's first read goes.  linear has different indexes in each mode: 32-bit PD 0x301, PAE
 * PDPT 3, PML4 255, PML5 1 (bit 48, which 4-level paging ignores). */
static void paging_mode_follows_cr0_cr4_efer(void **state)
{
    (void)state;
    struct guest_paging pg = { .cr0 = CR0_PE, .cr3 = 0x10000, .phys = logging_phys };
    uint64_t linear = 1ull << 48 | 255ull << 39 | 0xc0603abc, gpa;
    nreads = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa)); /* paging off: no reads */
    assert_int_equal(gpa, 0xc0603abc);
    assert_int_equal(nreads, 0);
    struct {
        uint64_t cr4, efer, first_read, len;
    } modes[] = {
        { 0, 0, 0x10000 + 0x301 * 4, 4 },                 /* 32-bit paging */
        { 0, EFER_LME, 0x10000 + 0x301 * 4, 4 },          /* LME without LMA: still 32-bit */
        { CR4_PSE, 0, 0x10000 + 0x301 * 4, 4 },           /* PSE does not change the mode */
        { CR4_PAE, 0, 0x10000 + 3 * 8, 8 },               /* PAE paging */
        { CR4_PAE, EFER_LME, 0x10000 + 3 * 8, 8 },        /* LME without LMA: still PAE */
        { CR4_PAE | CR4_LA57, 0, 0x10000 + 3 * 8, 8 },    /* LA57 counts in IA-32e mode only */
        { CR4_PAE, EFER_LME | EFER_LMA, 0x10000 + 255 * 8, 8 },           /* 4-level */
        { CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA, 0x10000 + 1 * 8, 8 },  /* 5-level */
    };
    pg.cr0 = CR0_PE | CR0_PG;
    for (unsigned k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
        pg.cr4 = modes[k].cr4;
        pg.efer = modes[k].efer;
        nreads = 0;
        assert_false(guest_linear_to_phys(&pg, linear, &gpa)); /* the entry is 0: not present */
        assert_int_equal(nreads, 1);
        assert_int_equal(reads[0].gpa, modes[k].first_read);
        assert_int_equal(reads[0].len, modes[k].len);
    }
}

/* PML5[1] -> the PML4 of build_tables. */
static void five_level_paging(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 4, 0x123003);
    set_entry(PML5, 1, PML4 | 0x3);
    uint64_t linear = 1ull << 48 | la(255, 2, 3, 4, 0xabc), gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa)); /* 4-level: bits 56:48 ignored */
    assert_int_equal(gpa, 0x123abc);
    pg.cr4 |= CR4_LA57;
    pg.cr3 = PML5;
    gpa = 0;
    assert_true(guest_linear_to_phys(&pg, linear, &gpa));
    assert_int_equal(gpa, 0x123abc);
    uint64_t upper = 0xfe00000000000000ull | 510ull << 48 | la(255, 2, 3, 4, 0xabc); /* bit 56 up */
    assert_int_equal(upper, 0xfffe7f8080604abcull);
    assert_false(guest_linear_to_phys(&pg, upper, &gpa)); /* PML5[510] is 0 */
    set_entry(PML5, 510, PML4 | 0x3);
    gpa = 0;
    assert_true(guest_linear_to_phys(&pg, upper, &gpa));
    assert_int_equal(gpa, 0x123abc);
    assert_false(guest_linear_to_phys(&pg, la(255, 2, 3, 4, 0xabc), &gpa)); /* PML5[0] is 0 */
}

static struct guest_paging paging_32bit(void)
{
    return (struct guest_paging){ .cr0 = CR0_PE | CR0_PG, .cr3 = PD32 | 0x18, .phys = phys };
}

/* linear 0xc0403abc: PD index 0x301, PT index 0x003, offset 0xabc */
static void thirty_two_bit_paging_4k(void **state)
{
    (void)state;
    struct guest_paging pg = paging_32bit();
    set_entry32(PD32, 0x301, PT32 | 0x3);
    set_entry32(PT32, 3, 0x123003);
    set_entry32(PT32, 4, 0xfffff003); /* the next entry: a walk that read 8 bytes would see it */
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xc0403abc, &gpa));
    assert_int_equal(gpa, 0x123abc);
    assert_true(guest_linear_to_phys(&pg, 0x7700000000000000ull | 0xc0403abc, &gpa)); /* 32 bits */
    assert_int_equal(gpa, 0x123abc);
    assert_true(guest_linear_to_phys(&pg, 0xc0404000, &gpa));
    assert_int_equal(gpa, 0xfffff000);
    /* a page table in the last page of RAM: its last entry is the last 4 bytes */
    set_entry32(PD32, 0x3ff, (RAM_SIZE - 0x1000) | 0x3);
    set_entry32(RAM_SIZE - 0x1000, 0x3ff, 0x150003);
    assert_true(guest_linear_to_phys(&pg, 0xfffff123, &gpa));
    assert_int_equal(gpa, 0x150123);
    /* not present: PDE 0, PDE with P clear, PTE 0, PTE with P clear */
    assert_false(guest_linear_to_phys(&pg, 0x00403abc, &gpa));
    set_entry32(PD32, 0x302, PT32 | 0x2);
    assert_false(guest_linear_to_phys(&pg, 0xc0803abc, &gpa));
    assert_false(guest_linear_to_phys(&pg, 0xc0405abc, &gpa));
    set_entry32(PT32, 6, 0x124002);
    assert_false(guest_linear_to_phys(&pg, 0xc0406abc, &gpa));
}

/* linear 0xfec12345: PD index 0x3fb, offset in a 4 MiB page 0x012345, PT index 0x012 */
static void thirty_two_bit_paging_4m(void **state)
{
    (void)state;
    struct guest_paging pg = paging_32bit();
    pg.cr4 = CR4_PSE;
    set_entry32(PD32, 0x3fb, 0x00c00083); /* 4 MiB at 0xc00000 */
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xfec12345, &gpa));
    assert_int_equal(gpa, 0xc12345);
    set_entry32(PD32, 0x3fb, 0x00c00083 | 5u << 13 | 1u << 12); /* PSE-36: bits 39:32 = 5; PAT */
    assert_true(guest_linear_to_phys(&pg, 0xfec12345, &gpa));
    assert_int_equal(gpa, 0x500c12345ull);
    set_entry32(PD32, 0x3fb, 0x00c00082); /* P clear */
    assert_false(guest_linear_to_phys(&pg, 0xfec12345, &gpa));
    /* without CR4.PSE, PS is ignored: the PDE points to a page table */
    set_entry32(PD32, 0x3fb, PT32B | 0x83);
    set_entry32(PT32B, 0x012, 0x150003);
    assert_true(guest_linear_to_phys(&pg, 0xfec12345, &gpa)); /* with PSE: a 4 MiB page */
    assert_int_equal(gpa, 0x900012345ull); /* bits 20:13 of 0x12083 are 9: address 39:32 */
    pg.cr4 = 0;
    assert_true(guest_linear_to_phys(&pg, 0xfec12345, &gpa));
    assert_int_equal(gpa, 0x150345);
}

static struct guest_paging paging_pae(void)
{
    return (struct guest_paging){
        .cr0 = CR0_PE | CR0_PG, .cr3 = PDPT_PAE | 0x18, .cr4 = CR4_PAE, .phys = phys,
    };
}

/* linear 0xc0603abc: PDPT index 3, PD index 3, PT index 3, offset 0xabc */
static void pae_paging_4k(void **state)
{
    (void)state;
    struct guest_paging pg = paging_pae();
    set_entry(PDPT_PAE, 3, PD_PAE | 0x1);
    set_entry(PD_PAE, 3, PT_PAE | 0x3);
    set_entry(PT_PAE, 3, 0x8000000000123003ull); /* XD set: not part of the address */
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xc0603abc, &gpa));
    assert_int_equal(gpa, 0x123abc);
    assert_true(guest_linear_to_phys(&pg, 0xffffffff00000000ull | 0xc0603abc, &gpa));
    assert_int_equal(gpa, 0x123abc);
    /* not present: PDPTE, PDE, PTE */
    assert_false(guest_linear_to_phys(&pg, 0x80603abc, &gpa)); /* PDPTE 2 is 0 */
    set_entry(PDPT_PAE, 1, PD_PAE | 0x0);
    assert_false(guest_linear_to_phys(&pg, 0x40603abc, &gpa)); /* PDPTE 1: P clear */
    assert_false(guest_linear_to_phys(&pg, 0xc0803abc, &gpa)); /* PDE 4 is 0 */
    set_entry(PD_PAE, 6, PT_PAE | 0x2);
    assert_false(guest_linear_to_phys(&pg, 0xc0c03abc, &gpa)); /* PDE 6: P clear */
    assert_false(guest_linear_to_phys(&pg, 0xc0604abc, &gpa)); /* PTE 4 is 0 */
    set_entry(PT_PAE, 5, 0x124002);
    assert_false(guest_linear_to_phys(&pg, 0xc0605abc, &gpa)); /* PTE 5: P clear */
}

/* linear 0xc0a12345: PDPT index 3, PD index 5, offset in a 2 MiB page 0x012345 */
static void pae_paging_2m(void **state)
{
    (void)state;
    struct guest_paging pg = paging_pae();
    set_entry(PDPT_PAE, 3, PD_PAE | 0x1);
    set_entry(PD_PAE, 5, 0x00601083); /* 2 MiB at 0x600000, PS, PAT (bit 12) set */
    uint64_t gpa = 0;
    assert_true(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
    assert_int_equal(gpa, 0x612345);
    set_entry(PD_PAE, 5, 0x0000000100600083ull); /* above 4 GiB */
    assert_true(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
    assert_int_equal(gpa, 0x100612345ull);
    set_entry(PD_PAE, 5, 0x00600082);
    assert_false(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
}

/* The PDPTEs the CPU holds win over memory at CR3 (the guest may have edited its PDPT). */
static void pae_pdptes_from_the_cpu(void **state)
{
    (void)state;
    struct guest_paging pg = paging_pae();
    set_entry(PDPT_PAE, 3, PD_PAE | 0x1);
    set_entry(PD_PAE, 5, 0x00600083);
    set_entry(PD_PAE_B, 5, 0x00800083);
    uint64_t held[4] = { 0, 0, 0, PD_PAE_B | 0x1 }, gpa = 0;
    pg.pdpte = held;
    pg.phys = logging_phys;
    nreads = 0;
    assert_true(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
    assert_int_equal(gpa, 0x812345);
    assert_int_equal(nreads, 1); /* the PDE only */
    held[3] = PD_PAE; /* P clear */
    assert_false(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
    pg.pdpte = NULL;
    assert_true(guest_linear_to_phys(&pg, 0xc0a12345, &gpa));
    assert_int_equal(gpa, 0x612345);
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

/* An instruction at the end of a mapped page: the caller decodes what could be read. */
static void partial_read_stops_at_the_first_unmapped_page(void **state)
{
    (void)state;
    struct guest_paging pg = long_mode();
    set_entry(PT, 9, 0x160003);
    set_entry(PT, 11, 0x170003);
    for (unsigned i = 0; i < 16; i++)
        ram[0x160ff0 + i] = (uint8_t)(0x40 + i);
    uint8_t buf[15];
    memset(buf, 0, sizeof(buf));
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 9, 0xff8), buf, 15), 8);
    assert_int_equal(buf[0], 0x48);
    assert_int_equal(buf[7], 0x4f);
    assert_int_equal(buf[8], 0);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 9, 0xff1), buf, 15), 15);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 9, 0xfff), buf, 15), 1);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 10, 0), buf, 15), 0);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 9, 0), buf, 0), 0);
    /* mapped, but outside guest RAM: nothing */
    set_entry(PT, 12, 0x10000000 | 0x3);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 12, 0), buf, 15), 0);
    assert_int_equal(guest_read_linear_partial(&pg, la(255, 2, 3, 11, 0xffc), buf, 15), 4);
}

/* 32-bit paging: a read across two pages with 4-byte entries, and one whose second page is not
 * mapped. */
static void read_with_32bit_paging(void **state)
{
    (void)state;
    struct guest_paging pg = paging_32bit();
    set_entry32(PD32, 0, PT32 | 0x3);
    set_entry32(PT32, 0x10, 0x151003);
    set_entry32(PT32, 0x11, 0x141003);
    ram[0x151fff] = 0xaa;
    ram[0x141000] = 0xbb;
    uint8_t buf[2] = { 0, 0 };
    assert_true(guest_read_linear(&pg, 0x10fff, buf, 2));
    assert_int_equal(buf[0], 0xaa);
    assert_int_equal(buf[1], 0xbb);
    assert_int_equal(guest_read_linear_partial(&pg, 0x11fff, buf, 2), 1);
    assert_false(guest_read_linear(&pg, 0x11fff, buf, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(paging_off_is_identity_truncated_to_32_bits, build_tables),
        cmocka_unit_test_setup(four_kib_page, build_tables),
        cmocka_unit_test_setup(two_mib_page, build_tables),
        cmocka_unit_test_setup(one_gib_page, build_tables),
        cmocka_unit_test_setup(not_present_at_each_level, build_tables),
        cmocka_unit_test_setup(paging_mode_follows_cr0_cr4_efer, build_tables),
        cmocka_unit_test_setup(five_level_paging, build_tables),
        cmocka_unit_test_setup(thirty_two_bit_paging_4k, build_tables),
        cmocka_unit_test_setup(thirty_two_bit_paging_4m, build_tables),
        cmocka_unit_test_setup(pae_paging_4k, build_tables),
        cmocka_unit_test_setup(pae_paging_2m, build_tables),
        cmocka_unit_test_setup(pae_pdptes_from_the_cpu, build_tables),
        cmocka_unit_test_setup(read_across_noncontiguous_pages, build_tables),
        cmocka_unit_test_setup(read_fails_when_second_page_unmapped, build_tables),
        cmocka_unit_test_setup(partial_read_stops_at_the_first_unmapped_page, build_tables),
        cmocka_unit_test_setup(read_with_32bit_paging, build_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
