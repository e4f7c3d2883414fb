/* The Linux boot-protocol loader (vmm/linux_boot.c) on random bzImages into a small guest RAM.
 * Input: flags (u8: bits 1:0 pick the RAM size, bit 2 passes an RSDP address, bit 3 a NULL
 * command line), the initrd size (u32, below 4 MiB), the command line length (u16), then the
 * image.  The image, the RAM (one exact heap allocation per size), the initrd and the command line
 * end where their allocations end, so ASan reports any read past them or write past RAM.
 * Invariants:
 *  - failure: a non-empty, NUL-terminated message, and RAM untouched (RAM is filled with a canary);
 *  - success: the kernel's [kernel_addr, kernel_end) lies in [1 MiB, RAM) and holds the copied
 *    protected-mode part, the entry is its start (32-bit) or start + 0x200 (64-bit, with CR3 at
 *    the page tables); the initrd is page aligned, in RAM above 1 MiB, below initrd_addr_max + 1,
 *    and holds its bytes; boot_params, the command line, the GDT and the page tables lie in the
 *    boot area; none of these overlap; boot_params points at the command line and initrd; and
 *    nothing outside them was written. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/linux_boot.h"

#define CANARY 0xa5
#define RAM_SIZES 4
#define RAM_MAX (4u << 20)
#define INITRD_MAX (4u << 20)
#define CMDLINE_MAX 0xffffu
#define GDT_BYTES 32u
#define BP_BYTES 4096u

static const uint64_t ram_sizes[RAM_SIZES] = { 2u << 20, (2u << 20) + 0x1800, 3u << 20, RAM_MAX };
static uint8_t *rams[RAM_SIZES];
static uint8_t *canary, *initrd_buf, *cmdline_buf;

struct area {
    uint64_t lo, hi;
};

static void init(void)
{
    for (unsigned i = 0; i < RAM_SIZES; i++) {
        rams[i] = malloc(ram_sizes[i]);
        memset(rams[i], CANARY, ram_sizes[i]);
    }
    canary = malloc(RAM_MAX);
    memset(canary, CANARY, RAM_MAX);
    initrd_buf = malloc(INITRD_MAX);
    for (size_t i = 0; i < INITRD_MAX; i++)
        initrd_buf[i] = (uint8_t)(i * 31 + 7);
    cmdline_buf = malloc(CMDLINE_MAX + 1);
    for (size_t i = 0; i < CMDLINE_MAX; i++)
        cmdline_buf[i] = (uint8_t)('a' + i % 26);
    cmdline_buf[CMDLINE_MAX] = 0;
}

static bool untouched(const uint8_t *ram, uint64_t lo, uint64_t hi)
{
    return lo >= hi || !memcmp(ram + lo, canary, hi - lo);
}

/* Sorts the areas by start (a handful: insertion sort). */
static void sort(struct area *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && a[j].lo < a[j - 1].lo; j--) {
            struct area t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* Whether the sorted areas are disjoint and all of RAM outside them holds the canary. */
static bool only_areas_written(const uint8_t *ram, uint64_t ram_size, const struct area *a, unsigned n)
{
    uint64_t at = 0;
    for (unsigned i = 0; i < n; i++) {
        if (a[i].lo < at || !untouched(ram, at, a[i].lo))
            return false;
        at = a[i].hi;
    }
    return at <= ram_size && untouched(ram, at, ram_size);
}

static uint32_t word(const uint8_t *ram, uint64_t addr)
{
    uint32_t v;
    memcpy(&v, ram + addr, 4);
    return v;
}

static void check_placement(const struct linux_load *o, const struct linux_image_info *k, uint64_t ram_size)
{
    uint64_t top = ram_size;
    FUZZ_CHECK(o->kernel_addr >= LINUX_HIGH_BASE && o->kernel_end <= top &&
                   o->kernel_addr + o->kernel_size <= o->kernel_end && o->kernel_size == k->pm_size,
               "kernel [%#llx, +%#llx, end %#llx) outside [1 MiB, %#llx)", (unsigned long long)o->kernel_addr,
               (unsigned long long)o->kernel_size, (unsigned long long)o->kernel_end, (unsigned long long)top);
    FUZZ_CHECK(o->entry == o->kernel_addr + (o->entry64 ? 0x200 : 0) && o->entry < o->kernel_addr + o->kernel_size,
               "entry %#llx, kernel at %#llx (+%#llx), 64-bit %d", (unsigned long long)o->entry,
               (unsigned long long)o->kernel_addr, (unsigned long long)o->kernel_size, o->entry64);
    FUZZ_CHECK(o->cr3 == (o->entry64 ? LINUX_PAGE_TABLES_ADDR : 0) && o->boot_params == LINUX_BOOT_PARAMS_ADDR &&
                   o->gdt_base == LINUX_GDT_ADDR && o->gdt_limit == GDT_BYTES - 1 && o->cmdline == LINUX_CMDLINE_ADDR,
               "cr3 %#llx boot_params %#llx gdt %#llx/%#x cmdline %#llx", (unsigned long long)o->cr3,
               (unsigned long long)o->boot_params, (unsigned long long)o->gdt_base, o->gdt_limit,
               (unsigned long long)o->cmdline);
    if (o->initrd_size)
        FUZZ_CHECK(o->initrd_addr % 4096 == 0 && o->initrd_addr >= LINUX_HIGH_BASE &&
                       o->initrd_addr + o->initrd_size <= top &&
                       o->initrd_addr + o->initrd_size - 1 <= k->initrd_addr_max,
                   "initrd [%#llx, +%#llx) in RAM %#llx, initrd_addr_max %#x", (unsigned long long)o->initrd_addr,
                   (unsigned long long)o->initrd_size, (unsigned long long)top, k->initrd_addr_max);
}

static void check_contents(const uint8_t *ram, const struct linux_load *o, const uint8_t *image,
                           const struct linux_image_info *k, const uint8_t *initrd, const char *cmdline)
{
    FUZZ_CHECK(!memcmp(ram + o->kernel_addr, image + k->pm_offset, k->pm_size), "kernel not copied");
    FUZZ_CHECK(!o->initrd_size || !memcmp(ram + o->initrd_addr, initrd, o->initrd_size), "initrd not copied");
    FUZZ_CHECK(!memcmp(ram + o->cmdline, cmdline, o->cmdline_len + 1), "command line not copied");
    uint64_t bp = o->boot_params;
    FUZZ_CHECK(word(ram, bp + 0x228) == o->cmdline && word(ram, bp + 0x218) == o->initrd_addr &&
                   word(ram, bp + 0x21c) == o->initrd_size && ram[bp + 0x210] == 0xff && ram[bp + 0x1e8] == 3,
               "boot_params: cmd_line_ptr %#x ramdisk %#x+%#x type_of_loader %#x e820_entries %u",
               word(ram, bp + 0x228), word(ram, bp + 0x218), word(ram, bp + 0x21c), ram[bp + 0x210], ram[bp + 0x1e8]);
}

/* Everything the loader may have written, as areas; returns how many. */
static unsigned written_areas(const struct linux_load *o, struct area *a)
{
    unsigned n = 0;
    a[n++] = (struct area){ o->kernel_addr, o->kernel_end };
    if (o->initrd_size)
        a[n++] = (struct area){ o->initrd_addr, o->initrd_addr + o->initrd_size };
    a[n++] = (struct area){ LINUX_GDT_ADDR, LINUX_GDT_ADDR + GDT_BYTES };
    if (o->entry64)
        a[n++] = (struct area){ LINUX_PAGE_TABLES_ADDR, LINUX_PAGE_TABLES_END };
    a[n++] = (struct area){ o->boot_params, o->boot_params + BP_BYTES };
    a[n++] = (struct area){ o->cmdline, o->cmdline + o->cmdline_len + 1 };
    return n;
}

static void restore(uint8_t *ram, const struct area *a, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        memset(ram + a[i].lo, CANARY, a[i].hi - a[i].lo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rams[0])
        init();
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&in);
    size_t initrd_size = fuzz_u32(&in) % INITRD_MAX;
    size_t cmdline_len = fuzz_u16(&in);
    const uint8_t *image = in.p;
    size_t image_size = in.left;
    uint8_t *ram = rams[flags & 3];
    uint64_t ram_size = ram_sizes[flags & 3];
    uint64_t rsdp = flags & 4 ? 0x9fc00 : 0;
    const char *cmdline = (const char *)cmdline_buf + CMDLINE_MAX - cmdline_len;
    const uint8_t *initrd = initrd_buf + INITRD_MAX - initrd_size;

    struct linux_load out;
    char err[160];
    memset(err, 'x', sizeof(err));
    int rc = linux_load(image, image_size, initrd, initrd_size, flags & 8 ? NULL : cmdline, ram, ram_size, rsdp,
                        &out, err, sizeof(err));
    fuzz_trace("rc %d ram %#llx initrd %zu cmdline %zu: kernel %#llx-%#llx entry %#llx (64: %d) initrd %#llx "
               "err %.*s\n",
               rc, (unsigned long long)ram_size, initrd_size, cmdline_len, (unsigned long long)out.kernel_addr,
               (unsigned long long)out.kernel_end, (unsigned long long)out.entry, out.entry64,
               (unsigned long long)out.initrd_addr, rc ? (int)strnlen(err, sizeof(err)) : 0, err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && err[0] && memchr(err, 0, sizeof(err)), "rc %d, message not terminated", rc);
        FUZZ_CHECK(untouched(ram, 0, ram_size), "a refused image wrote to RAM: %s", err);
        return 0;
    }
    struct linux_image_info k;
    FUZZ_CHECK(linux_parse(image, image_size, &k, err, sizeof(err)) == 0, "loaded, yet parse says %s", err);
    check_placement(&out, &k, ram_size);
    check_contents(ram, &out, image, &k, initrd, flags & 8 ? "" : cmdline);
    struct area a[6];
    unsigned n = written_areas(&out, a);
    sort(a, n);
    FUZZ_CHECK(only_areas_written(ram, ram_size, a, n), "areas overlap, or RAM written outside them");
    FUZZ_CHECK(untouched(ram, out.kernel_addr + out.kernel_size, out.kernel_end),
               "RAM written in the kernel's init_size past its copied part");
    restore(ram, a, n);
    return 0;
}
