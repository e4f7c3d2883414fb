/* The guest page walk (vmm/guest_mem.c) over random guest RAM (16 pages at guest-physical 0,
 * exactly that big on the heap, so a stray pointer is an ASan report) in every paging mode: random
 * CR0.PG, CR3, CR4.PSE/PAE/LA57, EFER.LMA, PDPTEs held by the CPU or not, a random linear address
 * and read length.  Invariants:
 *  - the walk is bounded: at most five paging-structure reads (5-level paging), each of 4 or 8
 *    bytes, all through pg->phys;
 *  - paging off maps linear bits 31:0 one to one; a translation keeps the offset in the 4 KiB
 *    page; 32-bit and PAE paging ignore linear bits 63:32; 4-level paging ignores 63:48;
 *  - guest_read_linear_partial returns at most len, exactly the bytes that translating each
 *    address on its own finds in RAM, and stops at the first byte that is not there;
 *    guest_read_linear succeeds exactly when all len bytes are there. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/guest_mem.h"

#define RAM_SIZE (16u * 4096)
#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

static uint8_t *ram;
static unsigned walk_reads;

static void *phys(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    walk_reads++;
    FUZZ_CHECK(len >= 1 && len <= 4096, "phys length %llu", (unsigned long long)len);
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return NULL;
    return ram + gpa;
}

/* A guest-physical read of the walk only: 4 or 8 bytes. */
static void *entry_phys(void *ctx, uint64_t gpa, uint64_t len)
{
    FUZZ_CHECK(len == 4 || len == 8, "entry read of %llu bytes", (unsigned long long)len);
    return phys(ctx, gpa, len);
}

static bool translate(struct guest_paging *pg, uint64_t linear, uint64_t *gpa)
{
    pg->phys = entry_phys;
    walk_reads = 0;
    bool ok = guest_linear_to_phys(pg, linear, gpa);
    FUZZ_CHECK(walk_reads <= 5, "%u reads for one walk", walk_reads);
    pg->phys = phys;
    return ok;
}

static void check_translation(struct guest_paging *pg, uint64_t linear, uint64_t upper)
{
    uint64_t gpa = 0, gpa2 = 0;
    bool ok = translate(pg, linear, &gpa);
    fuzz_trace("translation: %s %#llx after %u reads\n", ok ? "ok" : "none", (unsigned long long)gpa, walk_reads);
    if (!(pg->cr0 & CR0_PG)) {
        FUZZ_CHECK(ok && gpa == (linear & 0xffffffffull) && walk_reads == 0, "paging off: %#llx -> %#llx",
                   (unsigned long long)linear, (unsigned long long)gpa);
        return;
    }
    FUZZ_CHECK(!ok || (gpa & 0xfff) == (linear & 0xfff), "%#llx -> %#llx: page offset changed",
               (unsigned long long)linear, (unsigned long long)gpa);
    bool long_mode = (pg->cr4 & CR4_PAE) && (pg->efer & EFER_LMA);
    if (long_mode && (pg->cr4 & CR4_LA57))
        return;
    uint64_t ignored = long_mode ? 0xffff000000000000ull : 0xffffffff00000000ull;
    bool ok2 = translate(pg, linear ^ (upper & ignored), &gpa2);
    FUZZ_CHECK(ok2 == ok && (!ok || gpa2 == gpa), "linear bits %#llx changed the translation",
               (unsigned long long)(upper & ignored));
}

/* Byte k of a read is there when linear + k translates into RAM. */
static bool byte_at(struct guest_paging *pg, uint64_t linear, uint8_t *b)
{
    uint64_t gpa;
    if (!translate(pg, linear, &gpa) || gpa >= RAM_SIZE)
        return false;
    *b = ram[gpa];
    return true;
}

static void check_read(struct guest_paging *pg, uint64_t linear, unsigned len)
{
    uint8_t buf[32], want;
    memset(buf, 0xa5, sizeof(buf));
    size_t n = guest_read_linear_partial(pg, linear, buf, len);
    FUZZ_CHECK(n <= len, "read %zu of %u", n, len);
    for (size_t k = 0; k < n; k++)
        FUZZ_CHECK(byte_at(pg, linear + k, &want) && buf[k] == want, "byte %zu of a %zu-byte read", k, n);
    FUZZ_CHECK(n == len || !byte_at(pg, linear + n, &want), "stopped at %zu of %u before an unmapped byte",
               n, len);
    FUZZ_CHECK(guest_read_linear(pg, linear, buf, len) == (n == len), "guest_read_linear disagrees");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t f = fuzz_u8(&in);
    uint64_t held[4];
    struct guest_paging pg = {
        .cr0 = (f & 1) ? CR0_PG | 1 : 1,
        .cr4 = ((f & 2) ? CR4_PAE : 0) | ((f & 4) ? CR4_LA57 : 0) | ((f & 8) ? CR4_PSE : 0),
        .efer = (f & 16) ? EFER_LMA : 0,
        .phys = phys,
        .pdpte = (f & 32) ? held : NULL,
    };
    pg.cr3 = (f & 64) ? fuzz_u64(&in) : fuzz_u16(&in);
    uint64_t linear = (f & 128) ? fuzz_u64(&in) : fuzz_u32(&in), upper = fuzz_u64(&in);
    unsigned len = fuzz_u8(&in) % 33;
    for (unsigned k = 0; k < 4; k++)
        held[k] = fuzz_u32(&in);
    ram = malloc(RAM_SIZE);
    /* RAM is the rest of the input, repeated: small inputs still build page tables. */
    memset(ram, 0, RAM_SIZE);
    for (size_t k = 0; in.left && k < RAM_SIZE; k += in.left)
        memcpy(ram + k, in.p, in.left < RAM_SIZE - k ? in.left : RAM_SIZE - k);
    fuzz_trace("cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx pdpte %s linear %#llx len %u\n",
               (unsigned long long)pg.cr0, (unsigned long long)pg.cr3, (unsigned long long)pg.cr4,
               (unsigned long long)pg.efer, pg.pdpte ? "held" : "memory", (unsigned long long)linear, len);
    check_translation(&pg, linear, upper);
    check_read(&pg, linear, len);
    free(ram);
    return 0;
}
