#include "vmm/linux_boot.h"

#include <stdarg.h>
#include <string.h>

#include "lib/format.h"

/* Setup header fields, as offsets in the image and in boot_params alike (boot.rst "The Real-Mode
 * Kernel Header"). */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_SYSSIZE          0x1f4
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP_OFFSET      0x201 /* the jump's displacement byte: the header ends at 0x202 + it */
#define HDR_HEADER           0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_SETUP_DATA       0x250
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260

#define BOOT_FLAG            0xaa55u
#define HDRS_MAGIC           0x53726448u /* "HdrS" */
#define LOADED_HIGH          (1u << 0)
#define CAN_USE_HEAP         (1u << 7)
#define XLF_KERNEL_64        (1u << 0)
#define LOADER_UNDEFINED     0xffu       /* type_of_loader: no assigned id */
/* "Sample Boot Configuration": heap_end = 0xe000 for 2.02+ with LOADED_HIGH, heap_end_ptr =
 * heap_end - 0x200.  Only the real-mode setup code reads it, and it does not run here. */
#define HEAP_END_PTR         (0xe000u - 0x200u)

/* Protocol versions that brought the fields read or written here. */
#define PROTO_CMD_LINE_PTR   0x0202u /* the oldest accepted: cmd_line_ptr, heap_end_ptr */
#define PROTO_INITRD_MAX     0x0203u
#define PROTO_SYSSIZE32      0x0204u
#define PROTO_RELOCATABLE    0x0205u
#define PROTO_CMDLINE_SIZE   0x0206u
#define PROTO_SETUP_DATA     0x0209u
#define PROTO_PREF_ADDRESS   0x020au
#define PROTO_XLOADFLAGS     0x020cu

#define SECTOR               512u
#define SETUP_SECTS_DEFAULT  4u   /* setup_sects 0 means 4 */
#define SETUP_SECTS_MAX      63u  /* "The real-mode code can total up to 32K": 64 sectors in all */
#define INITRD_MAX_DEFAULT   0x37ffffffu
#define CMDLINE_SIZE_DEFAULT 255u
#define ENTRY64_OFFSET       0x200u
#define PAGE_SIZE            0x1000u
#define FOUR_GIB             (1ull << 32)

/* Zero page fields (zero-page.rst). */
#define BP_SIZE              0x1000u
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_HDR_END           0x290 /* the setup header's room in boot_params */
#define BP_E820_TABLE        0x2d0
#define E820_ENTRY_SIZE      20u
#define E820_RAM             1u
#define E820_RESERVED        2u

/* GDT descriptors: base 0, limit 0xfffff pages; P, DPL 0, S, accessed (so the CPU never writes). */
#define GDT_ENTRIES          4u
#define DESC_CODE64          0x00af9b000000ffffull
#define DESC_CODE32          0x00cf9b000000ffffull
#define DESC_DATA            0x00cf93000000ffffull

/* Page-table entries: present, writable; PS in a PD entry maps 2 MiB. */
#define PTE_PRESENT_RW       0x3ull
#define PTE_LARGE            0x80ull
#define PT_ENTRIES           512u
#define PML4_ADDR            LINUX_PAGE_TABLES_ADDR
#define PDPT_ADDR            (LINUX_PAGE_TABLES_ADDR + PAGE_SIZE)
#define PD_ADDR              (LINUX_PAGE_TABLES_ADDR + 2 * PAGE_SIZE)
#define PD_COUNT             4u
#define LARGE_PAGE           (2ull << 20)

static int fail(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t get(const uint8_t *p, unsigned width)
{
    uint32_t v = 0;
    memcpy(&v, p, width);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static unsigned major(uint16_t version) { return version >> 8; }
static unsigned minor(uint16_t version) { return version & 0xffu; }

static uint64_t align_up(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }
static uint64_t align_down(uint64_t v, uint64_t align) { return v & ~(align - 1); }

bool linux_is_bzimage(const void *image, size_t size)
{
    const uint8_t *p = image;
    return size >= HDR_HEADER + 4 && get(p + HDR_BOOT_FLAG, 2) == BOOT_FLAG && get(p + HDR_HEADER, 4) == HDRS_MAGIC;
}

/* Where the header must reach for the fields of `version` that are read or written here. */
static uint32_t header_needed(uint16_t version)
{
    if (version >= PROTO_PREF_ADDRESS)
        return HDR_INIT_SIZE + 4;
    if (version >= PROTO_SETUP_DATA)
        return HDR_SETUP_DATA + 8;
    if (version >= PROTO_CMDLINE_SIZE)
        return HDR_CMDLINE_SIZE + 4;
    if (version >= PROTO_RELOCATABLE)
        return HDR_RELOCATABLE + 1;
    if (version >= PROTO_INITRD_MAX)
        return HDR_INITRD_ADDR_MAX + 4;
    return HDR_CMD_LINE_PTR + 4;
}

/* boot.rst "setup_sects", "Loading The Rest of The Kernel": the protected-mode kernel starts at
 * (setup_sects + 1) * 512 and must not be empty. */
static int check_layout(const uint8_t *p, size_t size, struct linux_image_info *info, char *err, size_t err_size)
{
    unsigned sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
    if (sects > SETUP_SECTS_MAX)
        return fail(err, err_size, "setup_sects %u out of range (the real-mode code is at most 32 KiB: %u sectors)",
                    sects, SETUP_SECTS_MAX);
    info->setup_sects = (uint8_t)sects;
    info->pm_offset = (sects + 1) * SECTOR;
    if (size <= info->pm_offset)
        return fail(err, err_size, "truncated image: %zu bytes, no protected-mode kernel after the %zu bytes of setup",
                    size, info->pm_offset);
    info->pm_size = size - info->pm_offset;
    return 0;
}

/* boot.rst "version", "loadflags" ("is_bzImage"), "jump" (the header's end) and "syssize". */
static int check_version(const uint8_t *p, struct linux_image_info *info, char *err, size_t err_size)
{
    uint16_t v = info->version = (uint16_t)get(p + HDR_VERSION, 2);
    if (v < PROTO_CMD_LINE_PTR)
        return fail(err, err_size, "boot protocol %u.%02u is too old (2.02 or later needed)", major(v), minor(v));
    info->loadflags = p[HDR_LOADFLAGS];
    if (!(info->loadflags & LOADED_HIGH))
        return fail(err, err_size, "a zImage (loadflags LOADED_HIGH clear): only bzImage kernels load high");
    info->header_end = HDR_HEADER + p[HDR_JUMP_OFFSET];
    if (info->header_end < header_needed(v))
        return fail(err, err_size, "setup header ends at 0x%x, short of the fields of boot protocol %u.%02u (0x%x)",
                    info->header_end, major(v), minor(v), header_needed(v));
    uint64_t syssize = (uint64_t)get(p + HDR_SYSSIZE, 4) * 16; /* paragraphs; 2 bytes wide before 2.04 */
    if (v >= PROTO_SYSSIZE32 && syssize > info->pm_size)
        return fail(err, err_size,
                    "truncated image: syssize says 0x%llx bytes of protected-mode kernel, the file has 0x%zx",
                    (unsigned long long)syssize, info->pm_size);
    return 0;
}

/* The fields that depend on the version, each with the protocol's default when absent. */
static void read_fields(const uint8_t *p, struct linux_image_info *info)
{
    uint16_t v = info->version;
    info->initrd_addr_max = v >= PROTO_INITRD_MAX ? get(p + HDR_INITRD_ADDR_MAX, 4) : INITRD_MAX_DEFAULT;
    info->relocatable = v >= PROTO_RELOCATABLE && p[HDR_RELOCATABLE];
    info->kernel_alignment = v >= PROTO_RELOCATABLE ? get(p + HDR_KERNEL_ALIGNMENT, 4) : 0;
    info->cmdline_size = v >= PROTO_CMDLINE_SIZE ? get(p + HDR_CMDLINE_SIZE, 4) : CMDLINE_SIZE_DEFAULT;
    info->xloadflags = v >= PROTO_XLOADFLAGS ? (uint16_t)get(p + HDR_XLOADFLAGS, 2) : 0;
    uint64_t pref = v >= PROTO_PREF_ADDRESS ? get64(p + HDR_PREF_ADDRESS) : 0;
    info->pref_address = pref ? pref : LINUX_HIGH_BASE;
    info->init_size = v >= PROTO_PREF_ADDRESS ? get(p + HDR_INIT_SIZE, 4) : 0;
    info->footprint = info->init_size > info->pm_size ? info->init_size : info->pm_size;
    info->entry64 = info->xloadflags & XLF_KERNEL_64;
}

static int check_entry(const struct linux_image_info *info, char *err, size_t err_size)
{
    uint32_t a = info->kernel_alignment;
    if (info->relocatable && (a == 0 || (a & (a - 1))))
        return fail(err, err_size, "kernel_alignment 0x%x is not a power of two", a);
    if (info->entry64 && info->pm_size <= ENTRY64_OFFSET)
        return fail(err, err_size, "protected-mode kernel of %zu bytes ends before its 64-bit entry at 0x%x",
                    info->pm_size, ENTRY64_OFFSET);
    return 0;
}

int linux_parse(const void *image, size_t size, struct linux_image_info *info, char *err, size_t err_size)
{
    const uint8_t *p = image;
    memset(info, 0, sizeof(*info));
    if (!linux_is_bzimage(image, size))
        return fail(err, err_size, "not a Linux bzImage (no boot flag 0xAA55 at 0x1FE and \"HdrS\" at 0x202)");
    if (check_layout(p, size, info, err, err_size) || check_version(p, info, err, err_size))
        return -1;
    read_fields(p, info);
    return check_entry(info, err, err_size);
}

/* --- placement ------------------------------------------------------------------------------ */

struct range {
    uint64_t lo, len;
};

static bool fits(uint64_t lo, uint64_t len, uint64_t top)
{
    return lo >= LINUX_HIGH_BASE && lo <= top && len <= top - lo;
}

static bool overlap(struct range a, struct range b)
{
    return a.lo < b.lo + b.len && b.lo < a.lo + a.len;
}

/* Where the kernel may go, best first ("pref_address", "relocatable_kernel", "init_size"): its
 * preferred address (a relocatable kernel's runtime start is that aligned up to
 * kernel_alignment), then, if relocatable, the lowest aligned address at or above 1 MiB. */
static unsigned kernel_candidates(const struct linux_image_info *k, uint64_t top, uint64_t cand[2])
{
    unsigned n = 0;
    uint64_t pref = k->pref_address;
    if (k->relocatable && pref <= top)
        pref = align_up(pref, k->kernel_alignment);
    if (fits(pref, k->footprint, top))
        cand[n++] = pref;
    if (!k->relocatable)
        return n;
    uint64_t low = align_up(LINUX_HIGH_BASE, k->kernel_alignment);
    if ((n == 0 || low != cand[0]) && fits(low, k->footprint, top))
        cand[n++] = low;
    return n;
}

/* The initrd as high as it may go below `limit`, page aligned, beside the kernel: above it if
 * there is room, else below it. */
static bool place_initrd(struct range kernel, uint64_t size, uint64_t limit, uint64_t *at)
{
    if (size > limit)
        return false;
    uint64_t lo = align_down(limit - size, PAGE_SIZE);
    if (lo >= LINUX_HIGH_BASE && !overlap(kernel, (struct range){ lo, size })) {
        *at = lo;
        return true;
    }
    uint64_t below = kernel.lo < limit ? kernel.lo : limit;
    if (size > below || align_down(below - size, PAGE_SIZE) < LINUX_HIGH_BASE)
        return false;
    *at = align_down(below - size, PAGE_SIZE);
    return true;
}

static uint64_t initrd_limit(const struct linux_image_info *k, uint64_t top)
{
    uint64_t max = (uint64_t)k->initrd_addr_max + 1; /* the highest byte it may occupy */
    return max < top ? max : top;
}

static int place(const struct linux_image_info *k, uint64_t initrd_size, uint64_t top, struct linux_load *out,
                 char *err, size_t err_size)
{
    uint64_t cand[2];
    unsigned n = kernel_candidates(k, top, cand);
    if (n == 0 && !k->relocatable)
        return fail(err, err_size, "kernel (0x%llx bytes) does not fit at its pref_address 0x%llx in guest RAM "
                    "[1 MiB, 0x%llx) and is not relocatable", (unsigned long long)k->footprint,
                    (unsigned long long)k->pref_address, (unsigned long long)top);
    if (n == 0)
        return fail(err, err_size, "kernel needs 0x%llx bytes at a 0x%x-aligned address: guest RAM [1 MiB, 0x%llx) "
                    "is too small", (unsigned long long)k->footprint, k->kernel_alignment, (unsigned long long)top);
    uint64_t limit = initrd_limit(k, top);
    for (unsigned i = 0; i < n; i++) {
        struct range kernel = { cand[i], k->footprint };
        if (initrd_size == 0 || place_initrd(kernel, initrd_size, limit, &out->initrd_addr)) {
            out->kernel_addr = cand[i];
            return 0;
        }
    }
    return fail(err, err_size, "initrd of %llu bytes does not fit in guest RAM [1 MiB, 0x%llx) beside the kernel "
                "at [0x%llx, 0x%llx)", (unsigned long long)initrd_size, (unsigned long long)limit,
                (unsigned long long)cand[0], (unsigned long long)(cand[0] + k->footprint));
}

/* boot.rst "cmdline_size" and "The Kernel Command Line". */
static int check_cmdline(const struct linux_image_info *k, size_t len, char *err, size_t err_size)
{
    if (len > k->cmdline_size)
        return fail(err, err_size, "command line of %zu bytes is longer than the kernel's cmdline_size %u",
                    len, k->cmdline_size);
    if (len >= LINUX_BOOT_AREA_END - LINUX_CMDLINE_ADDR)
        return fail(err, err_size, "command line of %zu bytes does not fit the %u bytes at 0x%x", len,
                    LINUX_BOOT_AREA_END - LINUX_CMDLINE_ADDR - 1, LINUX_CMDLINE_ADDR);
    return 0;
}

/* --- writing ------------------------------------------------------------------------------- */

/* zero-page.rst "e820_table": guest RAM with the top of low memory (the EBDA and ROM area of a
 * PC) reserved. */
static void write_e820(uint8_t *bp, uint64_t ram_size)
{
    const uint64_t map[][3] = {
        { 0, LINUX_RESERVED_BASE, E820_RAM },
        { LINUX_RESERVED_BASE, LINUX_HIGH_BASE - LINUX_RESERVED_BASE, E820_RESERVED },
        { LINUX_HIGH_BASE, ram_size - LINUX_HIGH_BASE, E820_RAM },
    };
    unsigned n = sizeof(map) / sizeof(map[0]);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;
        put64(e, map[i][0]);
        put64(e + 8, map[i][1]);
        put32(e + 16, (uint32_t)map[i][2]);
    }
    bp[BP_E820_ENTRIES] = (uint8_t)n;
}

/* "64-bit Boot Protocol": boot_params zeroed, the setup header copied from 0x1f1 to its end,
 * then the fields a boot loader writes ("Details of Header Fields", zero-page.rst). */
static void write_boot_params(uint8_t *ram, const uint8_t *image, const struct linux_image_info *k,
                              const struct linux_load *out, uint64_t ram_size, uint64_t rsdp_addr)
{
    uint8_t *bp = ram + LINUX_BOOT_PARAMS_ADDR;
    memset(bp, 0, BP_SIZE);
    uint32_t end = k->header_end < BP_HDR_END ? k->header_end : BP_HDR_END;
    memcpy(bp + HDR_SETUP_SECTS, image + HDR_SETUP_SECTS, end - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    bp[HDR_LOADFLAGS] = (uint8_t)(k->loadflags | CAN_USE_HEAP);
    put16(bp + HDR_HEAP_END_PTR, HEAP_END_PTR);
    put32(bp + HDR_CODE32_START, (uint32_t)out->kernel_addr); /* relocated: "code32_start" */
    put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)out->initrd_addr);
    put32(bp + HDR_RAMDISK_SIZE, (uint32_t)out->initrd_size);
    put32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(out->initrd_addr >> 32));
    put32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(out->initrd_size >> 32));
    put32(bp + HDR_CMD_LINE_PTR, (uint32_t)out->cmdline);
    put32(bp + BP_EXT_CMD_LINE_PTR, (uint32_t)(out->cmdline >> 32));
    if (k->version >= PROTO_SETUP_DATA)
        put64(bp + HDR_SETUP_DATA, 0); /* no setup_data list */
    put64(bp + BP_ACPI_RSDP_ADDR, rsdp_addr);
    write_e820(bp, ram_size);
}

/* __BOOT_CS and __BOOT_DS, 4 GiB flat; CS is a 64-bit code segment for the 64-bit entry. */
static void write_gdt(uint8_t *ram, bool entry64)
{
    const uint64_t gdt[GDT_ENTRIES] = { 0, 0, entry64 ? DESC_CODE64 : DESC_CODE32, DESC_DATA };
    memcpy(ram + LINUX_GDT_ADDR, gdt, sizeof(gdt));
}

/* The identity map of the first 4 GiB with 2 MiB pages: one PML4 entry, four PDPT entries, four
 * full page directories ("64-bit Boot Protocol": the kernel, boot_params and the command line
 * must be identity mapped). */
static void write_page_tables(uint8_t *ram)
{
    memset(ram + LINUX_PAGE_TABLES_ADDR, 0, LINUX_PAGE_TABLES_END - LINUX_PAGE_TABLES_ADDR);
    put64(ram + PML4_ADDR, PDPT_ADDR | PTE_PRESENT_RW);
    for (unsigned i = 0; i < PD_COUNT; i++)
        put64(ram + PDPT_ADDR + 8 * i, (PD_ADDR + (uint64_t)i * PAGE_SIZE) | PTE_PRESENT_RW);
    for (unsigned i = 0; i < PD_COUNT * PT_ENTRIES; i++)
        put64(ram + PD_ADDR + 8 * i, (uint64_t)i * LARGE_PAGE | PTE_PRESENT_RW | PTE_LARGE);
}

static void fill_out(const struct linux_image_info *k, struct linux_load *out, size_t cmdline_len,
                     size_t initrd_size)
{
    out->version = k->version;
    out->entry64 = k->entry64;
    out->entry = out->kernel_addr + (k->entry64 ? ENTRY64_OFFSET : 0);
    out->kernel_size = k->pm_size;
    out->kernel_end = out->kernel_addr + k->footprint;
    out->boot_params = LINUX_BOOT_PARAMS_ADDR;
    out->cmdline = LINUX_CMDLINE_ADDR;
    out->cmdline_len = cmdline_len;
    out->initrd_size = initrd_size; /* initrd_addr: set by place(), 0 with no initrd */
    out->gdt_base = LINUX_GDT_ADDR;
    out->gdt_limit = GDT_ENTRIES * 8 - 1;
    out->cr3 = k->entry64 ? LINUX_PAGE_TABLES_ADDR : 0;
}

int linux_load(const void *image, size_t size, const void *initrd, size_t initrd_size, const char *cmdline,
               uint8_t *ram, uint64_t ram_size, uint64_t rsdp_addr, struct linux_load *out, char *err,
               size_t err_size)
{
    struct linux_image_info k;
    memset(out, 0, sizeof(*out));
    if (!initrd)
        initrd_size = 0;
    if (!cmdline)
        cmdline = "";
    if (ram_size < LINUX_RAM_MIN)
        return fail(err, err_size, "guest RAM of %llu KiB is too small (2 MiB at least)",
                    (unsigned long long)(ram_size >> 10));
    size_t len = strlen(cmdline);
    uint64_t top = ram_size < FOUR_GIB ? ram_size : FOUR_GIB;
    if (linux_parse(image, size, &k, err, err_size) || check_cmdline(&k, len, err, err_size) ||
        place(&k, initrd_size, top, out, err, err_size))
        return -1;
    fill_out(&k, out, len, initrd_size);
    /* Everything is checked: only now is RAM written. */
    memcpy(ram + out->kernel_addr, (const uint8_t *)image + k.pm_offset, k.pm_size);
    if (initrd_size)
        memcpy(ram + out->initrd_addr, initrd, initrd_size);
    memcpy(ram + LINUX_CMDLINE_ADDR, cmdline, len + 1);
    write_boot_params(ram, image, &k, out, ram_size, rsdp_addr);
    write_gdt(ram, k.entry64);
    if (k.entry64)
        write_page_tables(ram);
    return 0;
}
