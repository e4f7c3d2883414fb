/* The Linux boot-protocol loader against bzImages built here field by field.  Offsets are from
 * "The Linux/x86 Boot Protocol" (Documentation/arch/x86/boot.rst, 2.15: "The Real-Mode Kernel
 * Header", "Details of Header Fields", "64-bit Boot Protocol", "32-bit Boot Protocol") and
 * Documentation/arch/x86/zero-page.rst (acpi_rsdp_addr 0x070, ext_ramdisk_image 0x0c0,
 * ext_ramdisk_size 0x0c4, ext_cmd_line_ptr 0x0c8, e820_entries 0x1e8, sentinel 0x1ef, the setup
 * header 0x1f1-0x290, e820_table 0x2d0 of 20-byte {addr u64, size u64, type u32} entries).
 * Page-table and descriptor bits are the SDM's (Vol. 3A 3.4.5 segment descriptors, 5.5 4-level
 * paging: a PDE with PS maps 2 MiB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/linux_boot.h"

#define MiB (1024u * 1024u)
#define RAM_SIZE (32 * MiB)
#define POISON 0xcc

/* The loader's layout (vmm/linux_boot.h), written out. */
#define GDT 0x1000u
#define PML4 0x2000u
#define PDPT 0x3000u
#define PD0 0x4000u
#define BOOT_PARAMS 0x8000u
#define CMDLINE 0x9000u
#define CMDLINE_ROOM (0x10000u - 0x9000u) /* the command line and its NUL end below 64 KiB */

/* The synthetic kernel: 4 setup sectors after the boot sector, then the protected-mode part. */
#define SETUP_SECTS 4u
#define PM_OFFSET ((SETUP_SECTS + 1) * 512u) /* 0xa00 */
#define PM_SIZE 0x3000u
#define IMAGE_SIZE (PM_OFFSET + PM_SIZE)
#define JUMP_BYTE 0x6au           /* header ends at 0x202 + 0x6a = 0x26c, as in Linux 6.x */
#define HEADER_END 0x26cu
#define PROTO_2_15 0x020fu
#define LOADED_HIGH 0x01u
#define CAN_USE_HEAP 0x80u
#define XLF_KERNEL_64 0x0001u
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x0002u
#define KERNEL_ALIGNMENT 0x200000u
#define MIN_ALIGNMENT 21u
#define INITRD_ADDR_MAX 0x7fffffffu
#define CMDLINE_SIZE 2047u
#define PREF_ADDRESS 0x1000000u   /* 16 MiB, LOAD_PHYSICAL_ADDR of x86_64 defconfig */
#define INIT_SIZE 0x800000u       /* 8 MiB */
#define HANDOVER_OFFSET 0x190u
#define KERNEL_INFO_OFFSET 0x2e00u
#define KERNEL_VERSION_PTR 0x3c0u
#define SETUP_DATA_GARBAGE 0xdeadbeef00ull
#define ROOT_FLAGS 1u
#define VID_MODE_NORMAL 0xffffu
#define BOOT_SECTOR_FILL 0xee     /* bytes 0-0x1f0, the sentinel at 0x1ef among them */
#define SETUP_CODE_FILL 0xdd      /* between the header's end and the protected-mode kernel */

/* What the loader writes (boot.rst "type_of_loader", "Sample Boot Configuration"). */
#define TYPE_OF_LOADER_UNDEFINED 0xffu
#define HEAP_END_PTR 0xde00u      /* heap_end 0xe000 - 0x200 */
#define E820_RAM 1u
#define E820_RESERVED 2u
#define DESC_NULL 0ull
#define DESC_CODE64 0x00af9b000000ffffull /* G, L, P, S, type 0xb execute/read accessed */
#define DESC_CODE32 0x00cf9b000000ffffull /* G, D, P, S, type 0xb */
#define DESC_DATA 0x00cf93000000ffffull   /* G, B, P, S, type 0x3 read/write accessed */

static uint8_t *ram, *poison, *initrd;
static _Alignas(8) uint8_t img[0x10000];
static char err[200];
static struct linux_load out;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint8_t bp8(unsigned off) { return ram[BOOT_PARAMS + off]; }
static uint16_t bp16(unsigned off) { return get16(ram + BOOT_PARAMS + off); }
static uint32_t bp32(unsigned off) { return get32(ram + BOOT_PARAMS + off); }
static uint64_t bp64(unsigned off) { return get64(ram + BOOT_PARAMS + off); }

static int setup(void **state)
{
    (void)state;
    if (!ram) {
        ram = malloc(RAM_SIZE);
        poison = malloc(RAM_SIZE);
        initrd = malloc(RAM_SIZE);
        assert_non_null(ram);
        assert_non_null(poison);
        assert_non_null(initrd);
        memset(poison, POISON, RAM_SIZE);
        for (size_t i = 0; i < RAM_SIZE; i++)
            initrd[i] = (uint8_t)(i * 13 + 5);
    }
    memset(ram, POISON, RAM_SIZE);
    memset(err, 0, sizeof(err));
    memset(&out, 0x5a, sizeof(out));
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    free(ram);
    free(poison);
    free(initrd);
    ram = poison = initrd = NULL;
    return 0;
}

/* A bzImage of the given protocol version with every header field a current x86_64 kernel has,
 * each set here by name; the protected-mode part is a byte pattern. */
static void bzimage(uint16_t version)
{
    memset(img, 0, sizeof(img));
    memset(img, BOOT_SECTOR_FILL, 0x1f1);
    memset(img + HEADER_END, SETUP_CODE_FILL, PM_OFFSET - HEADER_END);
    img[0x1f1] = SETUP_SECTS;
    put16(img + 0x1f2, ROOT_FLAGS);
    put32(img + 0x1f4, PM_SIZE / 16);          /* syssize */
    put16(img + 0x1fa, VID_MODE_NORMAL);
    put16(img + 0x1fe, 0xaa55);                /* boot_flag */
    img[0x200] = 0xeb;                         /* jump: short jmp ... */
    img[0x201] = JUMP_BYTE;                    /* ... over the header */
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, version);
    put16(img + 0x20e, KERNEL_VERSION_PTR);
    img[0x211] = LOADED_HIGH;                  /* loadflags */
    put32(img + 0x214, 0x100000);              /* code32_start */
    put32(img + 0x22c, INITRD_ADDR_MAX);
    put32(img + 0x230, KERNEL_ALIGNMENT);
    img[0x234] = 1;                            /* relocatable_kernel */
    img[0x235] = MIN_ALIGNMENT;
    put16(img + 0x236, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
    put32(img + 0x238, CMDLINE_SIZE);
    put64(img + 0x250, SETUP_DATA_GARBAGE);    /* setup_data: the loader passes none */
    put64(img + 0x258, PREF_ADDRESS);
    put32(img + 0x260, INIT_SIZE);
    put32(img + 0x264, HANDOVER_OFFSET);
    put32(img + 0x268, KERNEL_INFO_OFFSET);
    for (size_t i = 0; i < PM_SIZE; i++)
        img[PM_OFFSET + i] = (uint8_t)(i * 7 + 0x11);
}

static int load_full(size_t size, size_t initrd_size, const char *cmdline, uint64_t rsdp)
{
    return linux_load(img, size, initrd, initrd_size, cmdline, ram, RAM_SIZE, rsdp, &out, err, sizeof(err));
}

static int load(size_t initrd_size, const char *cmdline)
{
    return load_full(IMAGE_SIZE, initrd_size, cmdline, 0);
}

/* Whether guest-physical [lo, hi) still holds the poison. */
static void untouched(uint64_t lo, uint64_t hi)
{
    if (lo < hi && memcmp(ram + lo, poison, hi - lo))
        for (uint64_t a = lo; a < hi; a++)
            if (ram[a] != POISON)
                fail_msg("guest-physical 0x%llx is 0x%02x, want the poison", (unsigned long long)a, ram[a]);
}

static void all_bytes(uint64_t from, uint64_t len, uint8_t value)
{
    for (uint64_t i = 0; i < len; i++)
        if (ram[from + i] != value)
            fail_msg("guest-physical 0x%llx is 0x%02x, want 0x%02x", (unsigned long long)(from + i), ram[from + i],
                     value);
}

/* --- recognizing and parsing ------------------------------------------------------------------ */

static void recognizes_a_bzimage(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_true(linux_is_bzimage(img, IMAGE_SIZE));
    assert_true(linux_is_bzimage(img, 0x206));   /* the magic is all it needs */
    assert_false(linux_is_bzimage(img, 0x205));
    assert_false(linux_is_bzimage(img, 0));
    put16(img + 0x1fe, 0xaa56);
    assert_false(linux_is_bzimage(img, IMAGE_SIZE));
    bzimage(PROTO_2_15);
    img[0x205] = 'T';
    assert_false(linux_is_bzimage(img, IMAGE_SIZE));
    /* a Multiboot or ELF kernel is not one */
    memset(img, 0, sizeof(img));
    memcpy(img, "\x7f" "ELF", 4);
    assert_false(linux_is_bzimage(img, IMAGE_SIZE));
}

static void parse_reads_the_setup_header(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    struct linux_image_info info;
    assert_int_equal(linux_parse(img, IMAGE_SIZE, &info, err, sizeof(err)), 0);
    assert_int_equal(info.version, 0x020f);
    assert_int_equal(info.setup_sects, SETUP_SECTS);
    assert_int_equal(info.loadflags, LOADED_HIGH);
    assert_int_equal(info.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
    assert_int_equal(info.header_end, HEADER_END);
    assert_true(info.relocatable);
    assert_int_equal(info.kernel_alignment, KERNEL_ALIGNMENT);
    assert_int_equal(info.initrd_addr_max, INITRD_ADDR_MAX);
    assert_int_equal(info.cmdline_size, CMDLINE_SIZE);
    assert_int_equal(info.pref_address, PREF_ADDRESS);
    assert_int_equal(info.init_size, INIT_SIZE);
    assert_int_equal(info.pm_offset, 0xa00);
    assert_int_equal(info.pm_size, PM_SIZE);
    assert_int_equal(info.footprint, INIT_SIZE);
    assert_true(info.entry64);
}

/* Fields an old kernel lacks take the protocol's defaults: initrd_addr_max 0x37ffffff before
 * 2.03, not relocatable before 2.05, a 255-byte command line before 2.06, no pref_address or
 * init_size before 2.10 (the kernel loads at 1 MiB), no xloadflags before 2.12. */
static void parse_defaults_for_old_protocols(void **state)
{
    (void)state;
    bzimage(0x0202);
    struct linux_image_info info;
    assert_int_equal(linux_parse(img, IMAGE_SIZE, &info, err, sizeof(err)), 0);
    assert_int_equal(info.initrd_addr_max, 0x37ffffff);
    assert_false(info.relocatable);
    assert_int_equal(info.kernel_alignment, 0);
    assert_int_equal(info.cmdline_size, 255);
    assert_int_equal(info.pref_address, 0x100000);
    assert_int_equal(info.init_size, 0);
    assert_int_equal(info.footprint, PM_SIZE);
    assert_int_equal(info.xloadflags, 0);
    assert_false(info.entry64);
    /* 2.10 with pref_address 0: "if nonzero" it is preferred, else 1 MiB */
    bzimage(0x020a);
    put64(img + 0x258, 0);
    assert_int_equal(linux_parse(img, IMAGE_SIZE, &info, err, sizeof(err)), 0);
    assert_int_equal(info.pref_address, 0x100000);
    assert_int_equal(info.init_size, INIT_SIZE);
    assert_false(info.entry64);
}

/* "setup_sects: if this field is 0, the real value is 4". */
static void setup_sects_zero_means_four(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x1f1] = 0;
    struct linux_image_info info;
    assert_int_equal(linux_parse(img, IMAGE_SIZE, &info, err, sizeof(err)), 0);
    assert_int_equal(info.setup_sects, 4);
    assert_int_equal(info.pm_offset, 5 * 512);
    /* one setup sector: the kernel starts at 0x400 */
    bzimage(PROTO_2_15);
    img[0x1f1] = 1;
    put32(img + 0x1f4, 0);
    assert_int_equal(linux_parse(img, IMAGE_SIZE, &info, err, sizeof(err)), 0);
    assert_int_equal(info.pm_offset, 0x400);
    assert_int_equal(info.pm_size, IMAGE_SIZE - 0x400);
}

/* --- the 64-bit entry ------------------------------------------------------------------------- */

/* "Loading The Rest of The Kernel": the part after the setup sectors goes to the load address,
 * here pref_address; nothing else of the image is loaded. */
static void kernel_lands_at_pref_address(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, "console=ttyS0"), 0);
    assert_memory_equal(ram + PREF_ADDRESS, img + PM_OFFSET, PM_SIZE);
    untouched(PREF_ADDRESS + PM_SIZE, RAM_SIZE);  /* the rest of init_size is the kernel's to clear */
    untouched(LINUX_HIGH_BASE, PREF_ADDRESS);
    assert_int_equal(out.kernel_addr, PREF_ADDRESS);
    assert_int_equal(out.kernel_size, PM_SIZE);
    assert_int_equal(out.kernel_end, PREF_ADDRESS + INIT_SIZE);
    assert_int_equal(out.version, PROTO_2_15);
}

/* "64-bit Boot Protocol": the entry is the load address + 0x200, RSI holds boot_params. */
static void entry64_state(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, ""), 0);
    assert_true(out.entry64);
    assert_int_equal(out.entry, PREF_ADDRESS + 0x200);
    assert_int_equal(out.boot_params, BOOT_PARAMS);
    assert_int_equal(out.cr3, PML4);
    assert_int_equal(out.gdt_base, GDT);
    assert_int_equal(out.gdt_limit, 4 * 8 - 1);
    assert_int_equal(out.cmdline, CMDLINE);
    assert_int_equal(out.cmdline_len, 0);
    assert_int_equal(out.initrd_addr, 0);
    assert_int_equal(out.initrd_size, 0);
    /* the header's layout constants are the ones written out above */
    assert_int_equal(LINUX_GDT_ADDR, GDT);
    assert_int_equal(LINUX_PAGE_TABLES_ADDR, PML4);
    assert_int_equal(LINUX_BOOT_PARAMS_ADDR, BOOT_PARAMS);
    assert_int_equal(LINUX_CMDLINE_ADDR, CMDLINE);
    assert_int_equal(LINUX_BOOT_CS, 0x10);
    assert_int_equal(LINUX_BOOT_DS, 0x18);
}

/* __BOOT_CS (0x10) execute/read and __BOOT_DS (0x18) read/write, both 4 GiB flat; CS is 64-bit
 * code (L=1, D=0) for the 64-bit entry. */
static void gdt_for_the_64bit_entry(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(get64(ram + GDT + 0x00), DESC_NULL);
    assert_int_equal(get64(ram + GDT + 0x08), DESC_NULL);
    assert_int_equal(get64(ram + GDT + 0x10), DESC_CODE64);
    assert_int_equal(get64(ram + GDT + 0x18), DESC_DATA);
    untouched(GDT + 0x20, PML4);
    untouched(0, GDT);
    /* the access rights the VMCS takes for these descriptors: bits 47:40 and 55:52 */
    assert_int_equal(LINUX_CS_AR_64, (DESC_CODE64 >> 40 & 0xff) | (DESC_CODE64 >> 52 & 0xf) << 12);
    assert_int_equal(LINUX_CS_AR_32, (DESC_CODE32 >> 40 & 0xff) | (DESC_CODE32 >> 52 & 0xf) << 12);
    assert_int_equal(LINUX_DS_AR, (DESC_DATA >> 40 & 0xff) | (DESC_DATA >> 52 & 0xf) << 12);
}

/* An identity map of 4 GiB: PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages
 * (P | RW = 0x3, PS = 0x80); every other entry is not present. */
static void page_tables_identity_map_4gib(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(get64(ram + PML4), PDPT | 0x3);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(get64(ram + PML4 + 8 * i), 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(get64(ram + PDPT + 8 * i), (PD0 + 0x1000 * i) | 0x3);
    for (unsigned i = 4; i < 512; i++)
        assert_int_equal(get64(ram + PDPT + 8 * i), 0);
    for (uint64_t i = 0; i < 2048; i++)
        assert_int_equal(get64(ram + PD0 + 8 * i), (i << 21) | 0x83);
    /* the kernel, boot_params and the command line are among the mapped: 2 MiB page 8 holds 16 MiB */
    assert_int_equal(get64(ram + PD0 + 8 * (PREF_ADDRESS >> 21)), PREF_ADDRESS | 0x83);
}

/* --- boot_params ------------------------------------------------------------------------------ */

/* The zero page: all zero but the setup header copied from 0x1f1 to its end and what the loader
 * fills in, built here independently and compared byte for byte. */
static void boot_params_byte_for_byte(void **state)
{
    (void)state;
    static const char cmd[] = "console=ttyS0 root=/dev/ram0";
    const size_t initrd_size = 0x4321;
    const uint64_t initrd_at = 0x1ffb000; /* align_down(32 MiB - 0x4321, 4 KiB) */
    const uint64_t rsdp = 0xf0000;
    bzimage(PROTO_2_15);
    assert_int_equal(load_full(IMAGE_SIZE, initrd_size, cmd, rsdp), 0);
    uint8_t want[4096] = { 0 };
    memcpy(want + 0x1f1, img + 0x1f1, HEADER_END - 0x1f1);
    put64(want + 0x070, rsdp);                       /* acpi_rsdp_addr */
    want[0x210] = TYPE_OF_LOADER_UNDEFINED;
    want[0x211] = LOADED_HIGH | CAN_USE_HEAP;
    put32(want + 0x214, PREF_ADDRESS);               /* code32_start: the load address */
    put32(want + 0x218, (uint32_t)initrd_at);        /* ramdisk_image */
    put32(want + 0x21c, initrd_size);                /* ramdisk_size */
    put16(want + 0x224, HEAP_END_PTR);
    put32(want + 0x228, CMDLINE);                    /* cmd_line_ptr */
    put64(want + 0x250, 0);                          /* setup_data */
    want[0x1e8] = 3;                                 /* e820_entries */
    put64(want + 0x2d0, 0);                          /* e820_table[0]: addr, size, type */
    put64(want + 0x2d8, 0x9f000);
    put32(want + 0x2e0, E820_RAM);
    put64(want + 0x2e4, 0x9f000);                    /* [1] */
    put64(want + 0x2ec, 0x61000);
    put32(want + 0x2f4, E820_RESERVED);
    put64(want + 0x2f8, 0x100000);                   /* [2] */
    put64(want + 0x300, RAM_SIZE - MiB);
    put32(want + 0x308, E820_RAM);
    for (unsigned i = 0; i < sizeof(want); i++)
        if (bp8(i) != want[i])
            fail_msg("boot_params + 0x%x is 0x%02x, want 0x%02x", i, bp8(i), want[i]);
}

/* The same fields read one by one at their documented offsets. */
static void boot_params_fields(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load_full(IMAGE_SIZE, 0x1000, "quiet", 0xe0000), 0);
    assert_int_equal(bp64(0x070), 0xe0000);          /* acpi_rsdp_addr */
    assert_int_equal(bp32(0x0c0), 0);                /* ext_ramdisk_image: below 4 GiB */
    assert_int_equal(bp32(0x0c4), 0);                /* ext_ramdisk_size */
    assert_int_equal(bp32(0x0c8), 0);                /* ext_cmd_line_ptr */
    assert_int_equal(bp8(0x1ef), 0);                 /* sentinel: the boot sector is not copied */
    assert_int_equal(bp8(0x1f1), SETUP_SECTS);
    assert_int_equal(bp16(0x1f2), ROOT_FLAGS);
    assert_int_equal(bp32(0x1f4), PM_SIZE / 16);
    assert_int_equal(bp16(0x1fa), VID_MODE_NORMAL);
    assert_int_equal(bp16(0x1fe), 0xaa55);
    assert_int_equal(bp32(0x202), 0x53726448);       /* "HdrS" */
    assert_int_equal(bp16(0x206), PROTO_2_15);
    assert_int_equal(bp8(0x210), 0xff);              /* type_of_loader */
    assert_int_equal(bp8(0x211), 0x81);              /* loadflags: LOADED_HIGH | CAN_USE_HEAP */
    assert_int_equal(bp32(0x214), PREF_ADDRESS);     /* code32_start */
    assert_int_equal(bp32(0x218), RAM_SIZE - 0x1000);/* ramdisk_image */
    assert_int_equal(bp32(0x21c), 0x1000);           /* ramdisk_size */
    assert_int_equal(bp16(0x224), 0xde00);           /* heap_end_ptr */
    assert_int_equal(bp32(0x228), CMDLINE);          /* cmd_line_ptr */
    assert_int_equal(bp32(0x22c), INITRD_ADDR_MAX);
    assert_int_equal(bp32(0x230), KERNEL_ALIGNMENT);
    assert_int_equal(bp8(0x234), 1);
    assert_int_equal(bp16(0x236), XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
    assert_int_equal(bp32(0x238), CMDLINE_SIZE);
    assert_int_equal(bp64(0x250), 0);                /* setup_data */
    assert_int_equal(bp64(0x258), PREF_ADDRESS);
    assert_int_equal(bp32(0x260), INIT_SIZE);
    assert_int_equal(bp32(0x264), HANDOVER_OFFSET);
    assert_int_equal(bp32(0x268), KERNEL_INFO_OFFSET);
    all_bytes(BOOT_PARAMS + HEADER_END, 0x2d0 - HEADER_END, 0); /* nothing past the header's end */
}

/* e820: [0, 0x9f000) RAM, [0x9f000, 1 MiB) reserved, [1 MiB, end of RAM) RAM, sorted, no gaps
 * below 1 MiB, covering exactly the guest's RAM. */
static void e820_map_of_guest_ram(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(bp8(0x1e8), 3);
    static const uint64_t want[3][3] = {
        { 0, 0x9f000, E820_RAM },
        { 0x9f000, 0x100000 - 0x9f000, E820_RESERVED },
        { 0x100000, RAM_SIZE - 0x100000, E820_RAM },
    };
    for (unsigned i = 0; i < 3; i++) {
        unsigned e = 0x2d0 + 20 * i;
        assert_int_equal(bp64(e), want[i][0]);
        assert_int_equal(bp64(e + 8), want[i][1]);
        assert_int_equal(bp32(e + 16), want[i][2]);
    }
    all_bytes(BOOT_PARAMS + 0x2d0 + 3 * 20, 20, 0);
    /* the smallest RAM accepted: 2 MiB */
    bzimage(PROTO_2_15);
    put32(img + 0x230, 0x100000); /* kernel_alignment 1 MiB, init_size 1 MiB: [1 MiB, 2 MiB) */
    put32(img + 0x260, 0x100000);
    assert_int_equal(linux_load(img, IMAGE_SIZE, NULL, 0, "", ram, 2 * MiB, 0, &out, err, sizeof(err)), 0);
    assert_int_equal(bp64(0x2d0 + 40 + 8), MiB);
    assert_int_equal(out.kernel_addr, 0x100000); /* relocated: 16 MiB is past the end */
}

static void no_rsdp_leaves_acpi_rsdp_addr_zero(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(bp64(0x070), 0);
    /* acpi_rsdp_addr is a zero-page field of every protocol ("ALL"): older kernels ignore it */
    bzimage(0x020d);
    assert_int_equal(load_full(IMAGE_SIZE, 0, "", 0xf5a10), 0);
    assert_int_equal(bp64(0x070), 0xf5a10);
}

/* A header longer than its room in boot_params (the jump reaching past 0x290) is copied only up
 * to 0x290: edd_mbr_sig_buffer and the e820 table are not overwritten with code. */
static void header_copy_stops_at_0x290(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x201] = 0xff; /* header "ends" at 0x301 */
    assert_int_equal(load(0, ""), 0);
    all_bytes(BOOT_PARAMS + HEADER_END, 0x290 - HEADER_END, SETUP_CODE_FILL);
    all_bytes(BOOT_PARAMS + 0x290, 0x2d0 - 0x290, 0);
    assert_int_equal(bp64(0x2d0 + 8), 0x9f000);
}

/* --- command line ----------------------------------------------------------------------------- */

static void command_line_in_low_memory(void **state)
{
    (void)state;
    static const char cmd[] = "console=ttyS0,115200 earlyprintk=serial init=/bin/sh";
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, cmd), 0);
    assert_int_equal(bp32(0x228), CMDLINE);
    assert_string_equal((const char *)ram + CMDLINE, cmd);
    assert_int_equal(out.cmdline_len, sizeof(cmd) - 1);
    untouched(CMDLINE + sizeof(cmd), 0x100000); /* up to 1 MiB nothing else, the reserved area included */
    /* "anywhere between the end of the setup heap and 0xA0000" */
    assert_true(CMDLINE + sizeof(cmd) <= 0xa0000);
}

/* "Fill in this field even if your boot loader does not support a command line ... point this to
 * an empty string". */
static void empty_or_null_command_line(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, NULL), 0);
    assert_int_equal(bp32(0x228), CMDLINE);
    assert_int_equal(ram[CMDLINE], 0);
    assert_int_equal(ram[CMDLINE + 1], POISON);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(ram[CMDLINE], 0);
}

/* "cmdline_size: the maximum size of the command line without the terminating zero". */
static void command_line_of_exactly_cmdline_size(void **state)
{
    (void)state;
    static char cmd[CMDLINE_SIZE + 2];
    memset(cmd, 'c', CMDLINE_SIZE);
    cmd[CMDLINE_SIZE] = 0;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0, cmd), 0);
    assert_int_equal(strlen((const char *)ram + CMDLINE), CMDLINE_SIZE);
    cmd[CMDLINE_SIZE] = 'c';
    cmd[CMDLINE_SIZE + 1] = 0;
    assert_int_equal(load(0, cmd), -1);
    assert_string_equal(err, "command line of 2048 bytes is longer than the kernel's cmdline_size 2047");
}

/* --- initrd ----------------------------------------------------------------------------------- */

/* The initrd goes as high as it may, page aligned, and is copied whole. */
static void initrd_at_the_top_of_ram(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(0x1234, ""), 0);
    assert_int_equal(out.initrd_addr, 0x1ffe000); /* align_down(0x2000000 - 0x1234, 0x1000) */
    assert_int_equal(out.initrd_addr % 4096, 0);
    assert_int_equal(out.initrd_size, 0x1234);
    assert_memory_equal(ram + 0x1ffe000, initrd, 0x1234);
    untouched(0x1ffe000 + 0x1234, RAM_SIZE);
    untouched(PREF_ADDRESS + PM_SIZE, 0x1ffe000);
    assert_int_equal(bp32(0x218), 0x1ffe000);
    assert_int_equal(bp32(0x21c), 0x1234);
}

/* "initrd_addr_max: the maximum address that may be occupied by the initial ramdisk" (the highest
 * byte, so an initrd may end at initrd_addr_max + 1). */
static void initrd_below_initrd_addr_max(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put32(img + 0x22c, 0x1bfffff); /* 28 MiB - 1 */
    assert_int_equal(load(0x100000, ""), 0);
    assert_int_equal(out.initrd_addr, 0x1b00000);
    assert_int_equal(out.initrd_addr + out.initrd_size - 1, 0x1bfffff);
    assert_memory_equal(ram + 0x1b00000, initrd, 0x100000);
    untouched(0x1c00000, RAM_SIZE);
}

/* No room between the kernel's init_size and the limit: the initrd goes right below the kernel. */
static void initrd_below_the_kernel(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put32(img + 0x22c, 0x17fffff); /* 24 MiB - 1: the kernel holds [16, 24) MiB */
    assert_int_equal(load(0x200000, ""), 0);
    assert_int_equal(out.kernel_addr, PREF_ADDRESS);
    assert_int_equal(out.initrd_addr, 0xe00000);
    assert_memory_equal(ram + 0xe00000, initrd, 0x200000);
    untouched(0x100000, 0xe00000);
    untouched(PREF_ADDRESS + PM_SIZE, RAM_SIZE);
}

/* A 20 MiB initrd fits neither above nor below a kernel at 16 MiB (init_size 8 MiB, 32 MiB of
 * RAM): the relocatable kernel moves to the lowest 2 MiB-aligned address, the initrd above it. */
static void kernel_relocated_to_make_room_for_the_initrd(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(20 * MiB, ""), 0);
    assert_int_equal(out.kernel_addr, 0x200000);
    assert_int_equal(out.entry, 0x200200);
    assert_int_equal(out.kernel_end, 0xa00000);
    assert_int_equal(out.initrd_addr, 0xc00000);
    assert_memory_equal(ram + 0x200000, img + PM_OFFSET, PM_SIZE);
    assert_memory_equal(ram + 0xc00000, initrd, 20 * MiB);
    assert_int_equal(bp32(0x214), 0x200000);
}

static void initrd_too_big(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(load(31 * MiB, ""), -1);
    assert_string_equal(err, "initrd of 32505856 bytes does not fit in guest RAM [1 MiB, 0x2000000) beside the "
                             "kernel at [0x1000000, 0x1800000)");
    untouched(0, RAM_SIZE);
    bzimage(PROTO_2_15);
    put32(img + 0x22c, 0xfffff); /* nowhere above 1 MiB */
    assert_int_equal(load(0x1000, ""), -1);
    assert_string_equal(err, "initrd of 4096 bytes does not fit in guest RAM [1 MiB, 0x100000) beside the "
                             "kernel at [0x1000000, 0x1800000)");
}

/* --- placement -------------------------------------------------------------------------------- */

/* pref_address past the end of RAM: a relocatable kernel goes to the lowest address at or above
 * 1 MiB that satisfies kernel_alignment. */
static void relocatable_kernel_moves_when_pref_does_not_fit(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put64(img + 0x258, 0x3000000);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(out.kernel_addr, 0x200000);
    bzimage(PROTO_2_15);
    put64(img + 0x258, 0x3000000);
    put32(img + 0x230, 0x100000);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(out.kernel_addr, 0x100000);
    assert_memory_equal(ram + 0x100000, img + PM_OFFSET, PM_SIZE);
    /* init_size 31 MiB fits exactly in [1 MiB, 32 MiB) */
    put32(img + 0x260, 31 * MiB);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(out.kernel_end, RAM_SIZE);
}

/* "runtime_start = align_up(load_address, kernel_alignment)": an unaligned pref_address of a
 * relocatable kernel is aligned up. */
static void unaligned_pref_address_is_aligned_up(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put64(img + 0x258, 0x1080000);
    assert_int_equal(load(0, ""), 0);
    assert_int_equal(out.kernel_addr, 0x1200000);
    assert_int_equal(out.entry, 0x1200200);
}

/* "A non-relocatable kernel will unconditionally move itself and to run at this address". */
static void non_relocatable_kernel_loads_at_pref_address(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x234] = 0;
    put64(img + 0x258, 0x400000);
    put32(img + 0x230, 0x300000); /* not a power of two: irrelevant when not relocatable */
    assert_int_equal(load(0x1000, ""), 0);
    assert_int_equal(out.kernel_addr, 0x400000);
    assert_memory_equal(ram + 0x400000, img + PM_OFFSET, PM_SIZE);
}

static void bad(size_t size, size_t initrd_size, const char *cmdline, const char *msg)
{
    memset(ram, POISON, RAM_SIZE);
    assert_int_equal(load_full(size, initrd_size, cmdline, 0x9f000), -1);
    assert_string_equal(err, msg);
    untouched(0, RAM_SIZE); /* a refused image leaves RAM as it was */
}

static void non_relocatable_kernel_that_does_not_fit(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x234] = 0;
    put64(img + 0x258, 0x1c00000); /* 28 MiB + 8 MiB init_size > 32 MiB */
    bad(IMAGE_SIZE, 0, "", "kernel (0x800000 bytes) does not fit at its pref_address 0x1c00000 in guest RAM "
                           "[1 MiB, 0x2000000) and is not relocatable");
    put64(img + 0x258, 0x80000); /* below 1 MiB */
    bad(IMAGE_SIZE, 0, "", "kernel (0x800000 bytes) does not fit at its pref_address 0x80000 in guest RAM "
                           "[1 MiB, 0x2000000) and is not relocatable");
}

static void relocatable_kernel_too_big_for_ram(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put32(img + 0x260, 0x1f80000);
    bad(IMAGE_SIZE, 0, "", "kernel needs 0x1f80000 bytes at a 0x200000-aligned address: guest RAM "
                           "[1 MiB, 0x2000000) is too small");
}

/* --- the 32-bit entry ------------------------------------------------------------------------- */

/* Before 2.12 there are no xloadflags, so no known 64-bit entry: "32-bit Boot Protocol", entry at
 * the load address, paging off (no page tables), CS a 32-bit code segment. */
static void entry32_before_protocol_2_12(void **state)
{
    (void)state;
    bzimage(0x020b);
    assert_int_equal(load(0, "x"), 0);
    assert_false(out.entry64);
    assert_int_equal(out.entry, PREF_ADDRESS);
    assert_int_equal(out.cr3, 0);
    assert_int_equal(out.boot_params, BOOT_PARAMS);
    assert_int_equal(get64(ram + GDT + 0x10), DESC_CODE32);
    assert_int_equal(get64(ram + GDT + 0x18), DESC_DATA);
    untouched(PML4, BOOT_PARAMS);
    assert_int_equal(bp32(0x214), PREF_ADDRESS); /* code32_start: the entry */
}

/* A 32-bit kernel (2.12+ without XLF_KERNEL_64) takes the 32-bit entry too. */
static void entry32_without_xlf_kernel_64(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put16(img + 0x236, 0);
    assert_int_equal(load(0, ""), 0);
    assert_false(out.entry64);
    assert_int_equal(out.entry, PREF_ADDRESS);
    assert_int_equal(out.cr3, 0);
}

/* Protocol 2.02: loaded at 1 MiB ("load_address = is_bzImage ? 0x100000"), not relocatable, a
 * 255-character command line, the initrd below 0x37ffffff. */
static void protocol_2_02_kernel(void **state)
{
    (void)state;
    static char cmd[257];
    bzimage(0x0202);
    assert_int_equal(load(0x2000, "root=/dev/hda1"), 0);
    assert_false(out.entry64);
    assert_int_equal(out.kernel_addr, 0x100000);
    assert_int_equal(out.entry, 0x100000);
    assert_int_equal(out.kernel_end, 0x100000 + PM_SIZE);
    assert_int_equal(out.initrd_addr, RAM_SIZE - 0x2000);
    assert_int_equal(bp64(0x250), SETUP_DATA_GARBAGE); /* not a 2.02 field: copied, not written */
    memset(cmd, 'c', 255);
    assert_int_equal(load(0, cmd), 0);
    cmd[255] = 'c';
    bad(IMAGE_SIZE, 0, cmd, "command line of 256 bytes is longer than the kernel's cmdline_size 255");
}

/* --- refusals --------------------------------------------------------------------------------- */

static void not_a_bzimage(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put16(img + 0x1fe, 0);
    bad(IMAGE_SIZE, 0, "", "not a Linux bzImage (no boot flag 0xAA55 at 0x1FE and \"HdrS\" at 0x202)");
    bzimage(PROTO_2_15);
    memcpy(img + 0x202, "HdrZ", 4);
    bad(IMAGE_SIZE, 0, "", "not a Linux bzImage (no boot flag 0xAA55 at 0x1FE and \"HdrS\" at 0x202)");
    bad(0, 0, "", "not a Linux bzImage (no boot flag 0xAA55 at 0x1FE and \"HdrS\" at 0x202)");
}

static void protocol_too_old(void **state)
{
    (void)state;
    bzimage(0x0201);
    bad(IMAGE_SIZE, 0, "", "boot protocol 2.01 is too old (2.02 or later needed)");
    bzimage(0x0100);
    bad(IMAGE_SIZE, 0, "", "boot protocol 1.00 is too old (2.02 or later needed)");
}

/* "is_bzImage = (protocol >= 0x0200) && (loadflags & 0x01)". */
static void zimage_is_refused(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x211] = 0;
    bad(IMAGE_SIZE, 0, "", "a zImage (loadflags LOADED_HIGH clear): only bzImage kernels load high");
}

/* "The real-mode code can total up to 32K": the boot sector and 63 setup sectors. */
static void setup_sects_out_of_range(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x1f1] = 64;
    bad(IMAGE_SIZE + 0x8000, 0, "", "setup_sects 64 out of range (the real-mode code is at most 32 KiB: 63 sectors)");
    img[0x1f1] = 255;
    bad(sizeof(img), 0, "", "setup_sects 255 out of range (the real-mode code is at most 32 KiB: 63 sectors)");
    img[0x1f1] = 63; /* the kernel now starts at 0x8000 */
    put32(img + 0x1f4, 0);
    assert_int_equal(load_full(0x8000 + 0x400, 0, "", 0), 0);
    assert_memory_equal(ram + PREF_ADDRESS, img + 0x8000, 0x400);
}

static void truncated_image(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    bad(PM_OFFSET, 0, "", "truncated image: 2560 bytes, no protected-mode kernel after the 2560 bytes of setup");
    bad(0x300, 0, "", "truncated image: 768 bytes, no protected-mode kernel after the 2560 bytes of setup");
    /* "syssize: the size of the protected-mode code in units of 16-byte paragraphs" */
    put32(img + 0x1f4, PM_SIZE / 16 + 1);
    bad(IMAGE_SIZE, 0, "", "truncated image: syssize says 0x3010 bytes of protected-mode kernel, the file has 0x3000");
    put32(img + 0x1f4, PM_SIZE / 16);
    bad(IMAGE_SIZE - 1, 0, "",
        "truncated image: syssize says 0x3000 bytes of protected-mode kernel, the file has 0x2fff");
    /* before 2.04 syssize is two bytes and "cannot be trusted": not checked */
    bzimage(0x0203);
    put32(img + 0x1f4, 0xffffffff);
    assert_int_equal(load(0, ""), 0);
}

/* The header must reach the fields of its own version ("When setting fields in the header, you
 * must make sure only to set fields supported by the protocol version in use"). */
static void header_too_short_for_its_version(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    img[0x201] = 0x60; /* ends at 0x262, init_size is at 0x260-0x263 */
    bad(IMAGE_SIZE, 0, "", "setup header ends at 0x262, short of the fields of boot protocol 2.15 (0x264)");
    bzimage(0x0206);
    img[0x201] = 0x30; /* ends at 0x232: cmdline_size at 0x238 is missing */
    bad(IMAGE_SIZE, 0, "", "setup header ends at 0x232, short of the fields of boot protocol 2.06 (0x23c)");
    img[0x201] = 0x3a; /* ends at 0x23c */
    assert_int_equal(load(0, ""), 0);
}

static void kernel_alignment_not_a_power_of_two(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put32(img + 0x230, 0x300000);
    bad(IMAGE_SIZE, 0, "", "kernel_alignment 0x300000 is not a power of two");
    put32(img + 0x230, 0);
    bad(IMAGE_SIZE, 0, "", "kernel_alignment 0x0 is not a power of two");
}

/* The 64-bit entry is at +0x200: a protected-mode part that ends there has none. */
static void no_room_for_the_64bit_entry(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    put32(img + 0x1f4, 0x200 / 16);
    bad(PM_OFFSET + 0x200, 0, "", "protected-mode kernel of 512 bytes ends before its 64-bit entry at 0x200");
    put32(img + 0x1f4, 0x210 / 16);
    assert_int_equal(load_full(PM_OFFSET + 0x210, 0, "", 0), 0);
    assert_int_equal(out.entry, PREF_ADDRESS + 0x200);
}

static void ram_too_small(void **state)
{
    (void)state;
    bzimage(PROTO_2_15);
    assert_int_equal(linux_load(img, IMAGE_SIZE, NULL, 0, "", ram, 2 * MiB - 4096, 0, &out, err, sizeof(err)), -1);
    assert_string_equal(err, "guest RAM of 2044 KiB is too small (2 MiB at least)");
    untouched(0, RAM_SIZE);
}

/* A kernel that reports an enormous cmdline_size still gets only what fits below 64 KiB. */
static void command_line_too_long_for_the_boot_area(void **state)
{
    (void)state;
    static char cmd[CMDLINE_ROOM + 1];
    bzimage(PROTO_2_15);
    put32(img + 0x238, 0xffffffff);
    memset(cmd, 'c', CMDLINE_ROOM);
    bad(IMAGE_SIZE, 0, cmd, "command line of 28672 bytes does not fit the 28671 bytes at 0x9000");
    cmd[CMDLINE_ROOM - 1] = 0;
    assert_int_equal(load(0, cmd), 0);
    assert_int_equal(ram[0x10000 - 1], 0);
    untouched(0x10000, 0x100000);
}

static void error_message_is_truncated_to_the_buffer(void **state)
{
    (void)state;
    bzimage(0x0201);
    char small[8];
    memset(small, 'z', sizeof(small));
    assert_int_equal(linux_load(img, IMAGE_SIZE, NULL, 0, "", ram, RAM_SIZE, 0, &out, small, sizeof(small)), -1);
    assert_string_equal(small, "boot pr");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(recognizes_a_bzimage, setup),
        cmocka_unit_test_setup(parse_reads_the_setup_header, setup),
        cmocka_unit_test_setup(parse_defaults_for_old_protocols, setup),
        cmocka_unit_test_setup(setup_sects_zero_means_four, setup),
        cmocka_unit_test_setup(kernel_lands_at_pref_address, setup),
        cmocka_unit_test_setup(entry64_state, setup),
        cmocka_unit_test_setup(gdt_for_the_64bit_entry, setup),
        cmocka_unit_test_setup(page_tables_identity_map_4gib, setup),
        cmocka_unit_test_setup(boot_params_byte_for_byte, setup),
        cmocka_unit_test_setup(boot_params_fields, setup),
        cmocka_unit_test_setup(e820_map_of_guest_ram, setup),
        cmocka_unit_test_setup(no_rsdp_leaves_acpi_rsdp_addr_zero, setup),
        cmocka_unit_test_setup(header_copy_stops_at_0x290, setup),
        cmocka_unit_test_setup(command_line_in_low_memory, setup),
        cmocka_unit_test_setup(empty_or_null_command_line, setup),
        cmocka_unit_test_setup(command_line_of_exactly_cmdline_size, setup),
        cmocka_unit_test_setup(initrd_at_the_top_of_ram, setup),
        cmocka_unit_test_setup(initrd_below_initrd_addr_max, setup),
        cmocka_unit_test_setup(initrd_below_the_kernel, setup),
        cmocka_unit_test_setup(kernel_relocated_to_make_room_for_the_initrd, setup),
        cmocka_unit_test_setup(initrd_too_big, setup),
        cmocka_unit_test_setup(relocatable_kernel_moves_when_pref_does_not_fit, setup),
        cmocka_unit_test_setup(unaligned_pref_address_is_aligned_up, setup),
        cmocka_unit_test_setup(non_relocatable_kernel_loads_at_pref_address, setup),
        cmocka_unit_test_setup(non_relocatable_kernel_that_does_not_fit, setup),
        cmocka_unit_test_setup(relocatable_kernel_too_big_for_ram, setup),
        cmocka_unit_test_setup(entry32_before_protocol_2_12, setup),
        cmocka_unit_test_setup(entry32_without_xlf_kernel_64, setup),
        cmocka_unit_test_setup(protocol_2_02_kernel, setup),
        cmocka_unit_test_setup(not_a_bzimage, setup),
        cmocka_unit_test_setup(protocol_too_old, setup),
        cmocka_unit_test_setup(zimage_is_refused, setup),
        cmocka_unit_test_setup(setup_sects_out_of_range, setup),
        cmocka_unit_test_setup(truncated_image, setup),
        cmocka_unit_test_setup(header_too_short_for_its_version, setup),
        cmocka_unit_test_setup(kernel_alignment_not_a_power_of_two, setup),
        cmocka_unit_test_setup(no_room_for_the_64bit_entry, setup),
        cmocka_unit_test_setup(ram_too_small, setup),
        cmocka_unit_test_setup(command_line_too_long_for_the_boot_area, setup),
        cmocka_unit_test_setup(error_message_is_truncated_to_the_buffer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
