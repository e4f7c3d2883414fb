/* The Multiboot loader (vmm/multiboot.c) on random kernel images (the input is the image) into a
 * 2 MiB guest RAM, the smallest it accepts.  The image and the RAM are exact heap allocations,
 * so ASan reports any read past the image or write past RAM.  Invariants:
 *  - failure: a non-empty, NUL-terminated message;
 *  - success: the entry lies in the loaded image [image_lo, image_hi), which lies in RAM; the
 *    boot information is at MULTIBOOT_INFO_BASE with its strings and memory map inside
 *    [MULTIBOOT_INFO_BASE, MULTIBOOT_INFO_LIMIT); nothing outside the image and that area was
 *    written (RAM is filled with a canary first). */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/multiboot.h"

#define RAM_SIZE (2u << 20)
#define CANARY 0xa5

static uint8_t *ram;
static uint8_t *canary;

static void fill(uint32_t lo, uint32_t hi)
{
    if (lo < hi)
        memset(ram + lo, CANARY, hi - lo);
}

/* Whether [lo, hi) still holds the canary. */
static bool untouched(uint32_t lo, uint32_t hi)
{
    return lo >= hi || !memcmp(ram + lo, canary, hi - lo);
}

/* Whether all of RAM but [a_lo, a_hi) and [b_lo, b_hi) (either may be empty) holds the canary. */
static bool untouched_outside(uint32_t a_lo, uint32_t a_hi, uint32_t b_lo, uint32_t b_hi)
{
    if (a_lo >= a_hi)
        a_lo = b_lo, a_hi = b_hi;
    if (b_lo >= b_hi)
        b_lo = a_lo, b_hi = a_hi;
    if (a_lo >= a_hi)
        return untouched(0, RAM_SIZE);
    if (b_lo < a_lo) {
        uint32_t lo = a_lo, hi = a_hi;
        a_lo = b_lo, a_hi = b_hi, b_lo = lo, b_hi = hi;
    }
    uint32_t end = a_hi > b_hi ? a_hi : b_hi;
    return untouched(0, a_lo) && untouched(a_hi, b_lo) && untouched(end < RAM_SIZE ? end : RAM_SIZE, RAM_SIZE);
}

static uint32_t word(uint32_t addr)
{
    uint32_t v;
    memcpy(&v, ram + addr, 4);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ram) {
        ram = malloc(RAM_SIZE);
        canary = malloc(RAM_SIZE);
        memset(ram, CANARY, RAM_SIZE);
        memset(canary, CANARY, RAM_SIZE);
    }
    struct multiboot_load out;
    char err[128];
    memset(err, 'x', sizeof(err));
    int rc = multiboot_load(data, size, ram, RAM_SIZE, "console=ttyS0 fuzz", &out, err, sizeof(err));
    fuzz_trace("rc %d entry %#x image [%#x, %#x) err %.*s\n", rc, out.entry, out.image_lo, out.image_hi,
               rc ? (int)strnlen(err, sizeof(err)) : 0, err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && err[0] && memchr(err, 0, sizeof(err)), "rc %d, message not terminated", rc);
    } else {
        FUZZ_CHECK(out.image_lo < out.image_hi && out.image_hi <= RAM_SIZE, "image [%#x, %#x) outside RAM",
                   out.image_lo, out.image_hi);
        FUZZ_CHECK(out.entry >= out.image_lo && out.entry < out.image_hi, "entry %#x outside image [%#x, %#x)",
                   out.entry, out.image_lo, out.image_hi);
        FUZZ_CHECK(out.info_addr == MULTIBOOT_INFO_BASE, "info at %#x", out.info_addr);
        /* mb_info: cmdline at +16, mmap_length/mmap_addr at +44/+48, boot_loader_name at +64. */
        uint32_t cmdline = word(MULTIBOOT_INFO_BASE + 16), mmap_len = word(MULTIBOOT_INFO_BASE + 44),
                 mmap = word(MULTIBOOT_INFO_BASE + 48), name = word(MULTIBOOT_INFO_BASE + 64);
        FUZZ_CHECK(mmap >= MULTIBOOT_INFO_BASE && mmap + mmap_len <= MULTIBOOT_INFO_LIMIT, "mmap at %#x", mmap);
        FUZZ_CHECK(cmdline >= MULTIBOOT_INFO_BASE && cmdline < MULTIBOOT_INFO_LIMIT &&
                       memchr(ram + cmdline, 0, MULTIBOOT_INFO_LIMIT - cmdline),
                   "command line at %#x not terminated inside the info area", cmdline);
        FUZZ_CHECK(name >= MULTIBOOT_INFO_BASE && name < MULTIBOOT_INFO_LIMIT &&
                       !strcmp((const char *)ram + name, "apicvisor"), "loader name at %#x", name);
    }
    /* Nothing outside what was placed (even by a load that failed half-way) and the boot
     * information (only on success) was written. */
    uint32_t lo = out.image_lo, hi = out.image_hi;
    FUZZ_CHECK(untouched_outside(lo, hi, rc == 0 ? MULTIBOOT_INFO_BASE : 0, rc == 0 ? MULTIBOOT_INFO_LIMIT : 0),
               "RAM written outside the image [%#x, %#x) and the boot information (rc %d)", lo, hi, rc);
    /* Restore the canary where a load (complete or partial) may have written. */
    if (out.image_lo < out.image_hi)
        fill(out.image_lo, out.image_hi < RAM_SIZE ? out.image_hi : RAM_SIZE);
    fill(MULTIBOOT_INFO_BASE, MULTIBOOT_INFO_LIMIT);
    return 0;
}
