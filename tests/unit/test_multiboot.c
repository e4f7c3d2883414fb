/* The Multiboot v1 loader against images built here byte by byte.  Offsets are from the
 * Multiboot Specification 0.6.96 ("3.1.1 The layout of Multiboot header", "3.1.3 The address
 * fields of Multiboot header", "3.3 Boot information format") and the ELF32 layout of the
 * System V ABI (ELF header: e_ident[16], e_type 16, e_machine 18, e_version 20, e_entry 24,
 * e_phoff 28, e_phentsize 42, e_phnum 44; program header: p_type 0, p_offset 4, p_vaddr 8,
 * p_paddr 12, p_filesz 16, p_memsz 20). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/multiboot.h"

#define MiB (1024u * 1024u)
#define RAM_SIZE (4 * MiB)
#define MB_MAGIC 0x1badb002u
#define POISON 0xcc

static uint8_t *ram;
static _Alignas(8) uint8_t img[16384];
static char err[200];
static struct multiboot_load out;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t info32(unsigned off) { return get32(ram + 0x8000 + off); }

static int setup(void **state)
{
    (void)state;
    if (!ram)
        ram = malloc(RAM_SIZE);
    assert_non_null(ram);
    memset(ram, POISON, RAM_SIZE);
    memset(img, 0, sizeof(img));
    memset(err, 0, sizeof(err));
    memset(&out, 0x5a, sizeof(out));
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    free(ram);
    ram = NULL;
    return 0;
}

/* A Multiboot header (3.1.1): magic, flags, checksum with magic + flags + checksum = 0. */
static void mb_header(uint8_t *at, uint32_t flags)
{
    put32(at, MB_MAGIC);
    put32(at + 4, flags);
    put32(at + 8, (uint32_t)-(MB_MAGIC + flags));
}

/* The a.out kludge address fields (3.1.3), at offsets 12-28 of the header. */
static void mb_kludge(uint8_t *at, uint32_t header_addr, uint32_t load_addr, uint32_t load_end_addr,
                      uint32_t bss_end_addr, uint32_t entry_addr)
{
    mb_header(at, 0x00010003);
    put32(at + 12, header_addr);
    put32(at + 16, load_addr);
    put32(at + 20, load_end_addr);
    put32(at + 24, bss_end_addr);
    put32(at + 28, entry_addr);
}

static void elf32_header(uint32_t entry, uint16_t phnum)
{
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 1 /* ELFCLASS32 */, 1 /* LSB */, 1 /* EV_CURRENT */ };
    memcpy(img, ident, 16);
    put16(img + 16, 2);  /* ET_EXEC */
    put16(img + 18, 3);  /* EM_386 */
    put32(img + 20, 1);
    put32(img + 24, entry);
    put32(img + 28, 52); /* program headers right after the 52-byte ELF header */
    put16(img + 40, 52);
    put16(img + 42, 32);
    put16(img + 44, phnum);
}

static void elf32_phdr(unsigned i, uint32_t type, uint32_t offset, uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
    uint8_t *ph = img + 52 + 32 * i;
    put32(ph + 0, type);
    put32(ph + 4, offset);
    put32(ph + 8, paddr); /* vaddr = paddr: an identity-mapped kernel */
    put32(ph + 12, paddr);
    put32(ph + 16, filesz);
    put32(ph + 20, memsz);
    put32(ph + 24, 7);
    put32(ph + 28, 0x1000);
}

static void fill(size_t from, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        img[from + i] = (uint8_t)(seed + i * 7);
}

/* Two PT_LOAD segments: text at 1 MiB (file 0x1000, 0x800 bytes, with the Multiboot header at
 * its start) and data at 2 MiB (file 0x1800, 0x100 bytes of 0x3000 in memory: the rest is bss);
 * a PT_NOTE in between that must not be loaded. */
static size_t elf_two_segments(void)
{
    elf32_header(0x100020, 3);
    elf32_phdr(0, 1, 0x1000, 0x100000, 0x800, 0x800);
    elf32_phdr(1, 4 /* PT_NOTE */, 0x1000, 0x300000, 0x10, 0x10);
    elf32_phdr(2, 1, 0x1800, 0x200000, 0x100, 0x3000);
    fill(0x1000, 0x900, 0x11);
    mb_header(img + 0x1000, 0x00000003);
    return 0x1900;
}

static int load(size_t size, const char *cmdline)
{
    return multiboot_load(img, size, ram, RAM_SIZE, cmdline, &out, err, sizeof(err));
}

static void all_bytes(uint32_t from, uint32_t len, uint8_t value)
{
    for (uint32_t i = 0; i < len; i++)
        if (ram[from + i] != value)
            fail_msg("guest-physical 0x%x is 0x%02x, want 0x%02x", from + i, ram[from + i], value);
}

static void elf_segments_land_at_their_physical_addresses(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    assert_int_equal(load(size, ""), 0);
    assert_memory_equal(ram + 0x100000, img + 0x1000, 0x800);
    assert_memory_equal(ram + 0x200000, img + 0x1800, 0x100);
    all_bytes(0x200100, 0x3000 - 0x100, 0); /* bss zeroed */
    all_bytes(0x203000, 0x100, POISON);     /* and nothing past it */
    all_bytes(0x100800, 0x100, POISON);
    all_bytes(0x0fff00, 0x100, POISON);
    all_bytes(0x300000, 0x10, POISON);      /* not a PT_LOAD */
    assert_int_equal(out.entry, 0x100020);
    assert_int_equal(out.info_addr, 0x8000);
    assert_int_equal(out.image_lo, 0x100000);
    assert_int_equal(out.image_hi, 0x203000);
}

static void elf_single_segment_all_bss_tail(void **state)
{
    (void)state;
    elf32_header(0x180000, 1);
    elf32_phdr(0, 1, 0x200, 0x180000, 0x40, 0x10000);
    fill(0x200, 0x40, 0x77);
    mb_header(img + 0x200, 0x00000002);
    assert_int_equal(load(0x240, "x"), 0);
    assert_memory_equal(ram + 0x180000, img + 0x200, 0x40);
    all_bytes(0x180040, 0x10000 - 0x40, 0);
    all_bytes(0x190000, 0x10, POISON);
    assert_int_equal(out.entry, 0x180000);
    assert_int_equal(out.image_lo, 0x180000);
    assert_int_equal(out.image_hi, 0x190000);
}

/* 3.3: flags bit 0 mem_lower/mem_upper, bit 2 cmdline, bit 6 mmap_*, bit 9 boot_loader_name. */
static void info_structure_per_spec(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    assert_int_equal(load(size, "console=ttyS0 seed=7"), 0);
    assert_int_equal(info32(0), (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
    assert_int_equal(info32(4), 640);                       /* mem_lower, KiB */
    assert_int_equal(info32(8), (RAM_SIZE - MiB) / 1024);    /* mem_upper: 3072 KiB */
    assert_int_equal(info32(8), 3072);
    uint32_t cmdline = info32(16), name = info32(64), mmap_len = info32(44), mmap_addr = info32(48);
    /* everything the structure points at lies in the reserved area 0x8000-0x10000, past the
     * structure's own fields (which end with boot_loader_name at offset 64) */
    assert_in_range(cmdline, 0x8000 + 68, 0xffff);
    assert_in_range(name, 0x8000 + 68, 0xffff);
    assert_in_range(mmap_addr, 0x8000 + 68, 0xffff);
    assert_true(mmap_addr + mmap_len <= 0x10000);
    assert_string_equal((const char *)ram + cmdline, "console=ttyS0 seed=7");
    assert_string_equal((const char *)ram + name, "apicvisor");
    /* the strings do not overlap the map or each other */
    assert_true(cmdline >= mmap_addr + mmap_len || cmdline + 21 <= mmap_addr);
    assert_true(name >= mmap_addr + mmap_len || name + 10 <= mmap_addr);
    assert_true(name + 10 <= cmdline || cmdline + 21 <= name);
}

/* The memory map: entries of size (4), base_addr (8), length (8), type (4), "size" not counting
 * itself; the next entry follows at + size + 4.  Type 1 is available RAM. */
static void memory_map_entries(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    assert_int_equal(load(size, ""), 0);
    uint32_t at = info32(48), end = at + info32(44);
    uint64_t base[4], length[4];
    unsigned n = 0;
    while (at < end) {
        uint32_t esize = get32(ram + at);
        assert_int_equal(esize, 20);
        assert_true(n < 4);
        base[n] = get64(ram + at + 4);
        length[n] = get64(ram + at + 12);
        assert_int_equal(get32(ram + at + 20), 1);
        n++;
        at += esize + 4;
    }
    assert_int_equal(at, end);
    assert_int_equal(n, 2);
    assert_int_equal(base[0], 0);
    assert_int_equal(length[0], 640 * 1024);
    assert_int_equal(base[1], 0x100000);
    assert_int_equal(length[1], RAM_SIZE - MiB);
}

static void empty_command_line_is_an_empty_string(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    assert_int_equal(load(size, ""), 0);
    assert_true(info32(0) & (1u << 2));
    assert_int_equal(ram[info32(16)], 0);
}

static void long_command_line_stays_inside_the_info_area(void **state)
{
    (void)state;
    static char longline[0x10000];
    memset(longline, 'c', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    size_t size = elf_two_segments();
    assert_int_equal(load(size, longline), 0);
    uint32_t cmdline = info32(16);
    size_t len = strnlen((const char *)ram + cmdline, 0x10000 - cmdline);
    assert_true(cmdline + len < 0x10000); /* NUL-terminated before the end of the area */
    all_bytes(0x10000, 0x100, POISON);
}

/* 3.1.3: file offset of load_addr = header offset - (header_addr - load_addr);
 * load_end_addr - load_addr bytes are loaded, zeros up to bss_end_addr. */
static void aout_kludge_image(void **state)
{
    (void)state;
    fill(0, 0x400, 0x21);
    mb_kludge(img + 0x40, 0x100040, 0x100000, 0x100300, 0x102000, 0x100080);
    assert_int_equal(load(0x400, "k"), 0);
    assert_memory_equal(ram + 0x100000, img, 0x300);
    all_bytes(0x100300, 0x1d00, 0);
    all_bytes(0x102000, 0x100, POISON);
    all_bytes(0xfff00, 0x100, POISON);
    assert_int_equal(out.entry, 0x100080);
    assert_int_equal(out.info_addr, 0x8000);
    assert_int_equal(out.image_lo, 0x100000);
    assert_int_equal(out.image_hi, 0x102000);
    assert_string_equal((const char *)ram + info32(16), "k");
}

/* load_end_addr 0: the rest of the file is loaded; bss_end_addr 0: no bss.  Here the loaded
 * part starts 0x200 bytes into the file. */
static void aout_kludge_rest_of_file_no_bss(void **state)
{
    (void)state;
    fill(0, 0x800, 0x33);
    mb_kludge(img + 0x240, 0x200040, 0x200000, 0, 0, 0x2005ff);
    assert_int_equal(load(0x800, ""), 0);
    assert_memory_equal(ram + 0x200000, img + 0x200, 0x600);
    all_bytes(0x200600, 0x100, POISON);
    all_bytes(0x1fff00, 0x100, POISON);
    assert_int_equal(out.entry, 0x2005ff);
    assert_int_equal(out.image_lo, 0x200000);
    assert_int_equal(out.image_hi, 0x200600);
}

/* 3.1.2: with bit 16 the header's address fields are used instead of the executable's own
 * header, so an ELF64 file with the kludge loads. */
static void aout_kludge_wins_over_the_elf_header(void **state)
{
    (void)state;
    elf32_header(0x999999, 0);
    img[4] = 2;              /* ELFCLASS64 */
    put16(img + 18, 62);     /* EM_X86_64 */
    mb_kludge(img + 0x80, 0x100080, 0x100000, 0x100100, 0, 0x100090);
    assert_int_equal(load(0x100, ""), 0);
    assert_memory_equal(ram + 0x100000, img, 0x100);
    assert_int_equal(out.entry, 0x100090);
}

static void bad(size_t size, const char *msg)
{
    memset(ram + 0x8000, POISON, 0x8000);
    assert_int_equal(load(size, "cmd"), -1);
    assert_string_equal(err, msg);
}

static void no_header(void **state)
{
    (void)state;
    elf_two_segments();
    memset(img + 0x1000, 0, 12);
    bad(0x1900, "no Multiboot header in the first 8192 bytes");
    /* the magic must be 32-bit aligned (3.1.1) */
    mb_header(img + 0x1002, 3);
    bad(0x1900, "no Multiboot header in the first 8192 bytes");
    /* nor is nothing at all a kernel */
    bad(0, "no Multiboot header in the first 8192 bytes");
}

static void header_must_lie_in_the_first_8192_bytes(void **state)
{
    (void)state;
    elf32_header(0x100000, 1);
    elf32_phdr(0, 1, 0, 0x100000, 0x3000, 0x3000);
    /* ends exactly at 8192: found */
    mb_header(img + 8192 - 12, 3);
    assert_int_equal(load(0x3000, ""), 0);
    /* at 8192: not searched */
    memset(img + 8192 - 12, 0, 12);
    mb_header(img + 8192, 3);
    bad(0x3000, "no Multiboot header in the first 8192 bytes");
}

static void bad_checksum(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    put32(img + 0x1008, get32(img + 0x1008) + 1);
    bad(size, "no Multiboot header in the first 8192 bytes");
}

static void unsupported_header_flags(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    mb_header(img + 0x1000, 0x00000007); /* bit 2: video mode */
    bad(size, "Multiboot header asks for unsupported features (flags 0x4)");
    mb_header(img + 0x1000, 0x00008001); /* bit 15: unknown requirement */
    bad(size, "Multiboot header asks for unsupported features (flags 0x8000)");
    /* bits 16-31 other than 16 are optional: a loader may ignore them */
    mb_header(img + 0x1000, 0x00020003);
    assert_int_equal(load(size, ""), 0);
}

static void elf64_without_kludge_is_refused(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    img[4] = 2;          /* ELFCLASS64 */
    put16(img + 18, 62); /* EM_X86_64 */
    bad(size, "ELF class 2 machine 62: Multiboot needs ELF32 for i386");
}

static void segment_beyond_guest_ram(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    elf32_phdr(2, 1, 0x1800, RAM_SIZE - 0x1000, 0x100, 0x1001);
    bad(size, "segment at 0x3ff000: ends at 0x400001, beyond guest RAM");
    /* ending exactly at the end of RAM is fine */
    elf32_phdr(2, 1, 0x1800, RAM_SIZE - 0x1000, 0x100, 0x1000);
    assert_int_equal(load(size, ""), 0);
    all_bytes(RAM_SIZE - 0x1000 + 0x100, 0xf00, 0);
}

static void segment_overlapping_the_boot_information(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    elf32_phdr(2, 1, 0x1800, 0x7000, 0x100, 0x1001); /* last byte at 0x8000 */
    bad(size, "segment at 0x7000 overlaps the boot information at 0x8000");
    elf32_phdr(2, 1, 0x1800, 0xffff, 0x1, 0x1);
    bad(size, "segment at 0xffff overlaps the boot information at 0x8000");
    elf32_phdr(2, 1, 0x1800, 0x9000, 0x100, 0x100);
    bad(size, "segment at 0x9000 overlaps the boot information at 0x8000");
    /* right below and right above the area are usable */
    elf32_phdr(2, 1, 0x1800, 0x7000, 0x100, 0x1000);
    assert_int_equal(load(size, ""), 0);
    elf32_phdr(2, 1, 0x1800, 0x10000, 0x100, 0x100);
    assert_int_equal(load(size, ""), 0);
    assert_memory_equal(ram + 0x10000, img + 0x1800, 0x100);
}

static void file_offset_out_of_bounds(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    elf32_phdr(2, 1, 0x1800, 0x200000, 0x101, 0x3000); /* one byte past the file */
    bad(size, "segment at 0x200000: file data out of bounds (offset 0x1800)");
    elf32_phdr(2, 1, 0xfffffff0u, 0x200000, 0x100, 0x3000); /* offset + size wraps in 32 bits */
    bad(size, "segment at 0x200000: file data out of bounds (offset 0xfffffff0)");
    /* a.out kludge: load_end_addr asks for more than the file holds */
    memset(img, 0, sizeof(img));
    mb_kludge(img, 0x100000, 0x100000, 0x100401, 0, 0x100000);
    bad(0x400, "segment at 0x100000: file data out of bounds (offset 0x0)");
}

static void entry_outside_the_image(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    put32(img + 24, 0xfffff); /* one below the image */
    bad(size, "entry point 0xfffff is outside the loaded image");
    put32(img + 24, 0x203000); /* one past the end of bss */
    bad(size, "entry point 0x203000 is outside the loaded image");
    memset(img, 0, sizeof(img));
    mb_kludge(img, 0x100000, 0x100000, 0x100400, 0, 0x100400);
    bad(0x400, "entry point 0x100400 is outside the loaded image");
}

static void ram_too_small_or_too_large(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    assert_int_equal(multiboot_load(img, size, ram, 1 * MiB, "", &out, err, sizeof(err)), -1);
    assert_string_equal(err, "guest RAM of 1 MiB is not usable (2 MiB to 4 GiB)");
    all_bytes(0, 1 * MiB, POISON); /* nothing written */
    assert_int_equal(multiboot_load(img, size, ram, 2 * MiB - 4096, "", &out, err, sizeof(err)), -1);
    assert_string_equal(err, "guest RAM of 1 MiB is not usable (2 MiB to 4 GiB)");
    /* RAM over 4 GiB is refused before the buffer is touched */
    assert_int_equal(multiboot_load(img, size, ram, 8ull << 30, "", &out, err, sizeof(err)), -1);
    assert_string_equal(err, "guest RAM of 8192 MiB is not usable (2 MiB to 4 GiB)");
}

static void error_message_is_truncated_to_the_buffer(void **state)
{
    (void)state;
    size_t size = elf_two_segments();
    put32(img + 0x1008, 0);
    char small[8];
    memset(small, 'z', sizeof(small));
    assert_int_equal(multiboot_load(img, size, ram, RAM_SIZE, "", &out, small, sizeof(small)), -1);
    assert_string_equal(small, "no Mult");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(elf_segments_land_at_their_physical_addresses, setup),
        cmocka_unit_test_setup(elf_single_segment_all_bss_tail, setup),
        cmocka_unit_test_setup(info_structure_per_spec, setup),
        cmocka_unit_test_setup(memory_map_entries, setup),
        cmocka_unit_test_setup(empty_command_line_is_an_empty_string, setup),
        cmocka_unit_test_setup(long_command_line_stays_inside_the_info_area, setup),
        cmocka_unit_test_setup(aout_kludge_image, setup),
        cmocka_unit_test_setup(aout_kludge_rest_of_file_no_bss, setup),
        cmocka_unit_test_setup(aout_kludge_wins_over_the_elf_header, setup),
        cmocka_unit_test_setup(no_header, setup),
        cmocka_unit_test_setup(header_must_lie_in_the_first_8192_bytes, setup),
        cmocka_unit_test_setup(bad_checksum, setup),
        cmocka_unit_test_setup(unsupported_header_flags, setup),
        cmocka_unit_test_setup(elf64_without_kludge_is_refused, setup),
        cmocka_unit_test_setup(segment_beyond_guest_ram, setup),
        cmocka_unit_test_setup(segment_overlapping_the_boot_information, setup),
        cmocka_unit_test_setup(file_offset_out_of_bounds, setup),
        cmocka_unit_test_setup(entry_outside_the_image, setup),
        cmocka_unit_test_setup(ram_too_small_or_too_large, setup),
        cmocka_unit_test_setup(error_message_is_truncated_to_the_buffer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
