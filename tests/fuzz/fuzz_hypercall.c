/* The VMCALL dispatcher (vmm/hypercall.c) with a fake environment (as tests/unit/test_hypercall.c)
 * on random privilege levels, function numbers and arguments: a 16 KiB guest RAM at 1 MiB and an
 * exit-count table of random length, both exact heap allocations so that ASan reports any access
 * beyond them.  Invariants, per call (include/apicvisor/hypercall.h, docs/hypercalls.md):
 *  - CPL > 0: HC_EPERM and nothing done; unknown function: HC_ENOSYS; a print longer than
 *    HC_PRINT_MAX: HC_EINVAL; text not all in guest RAM: HC_EFAULT; an exit reason out of range:
 *    HC_EINVAL; HC_ALL_EXITS: the sum of the counts;
 *  - exactly the callbacks the function needs are called, with the guest's own arguments;
 *  - HC_PRINT output is the guest's text up to its first NUL as guest-text lines
 *    (tests/fuzz/guest_text.h: prefixed, escaped, one line per call). */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/guest_text.h"
#include "vmm/hypercall.h"

#define RAM_BASE 0x100000u
#define RAM_SIZE 0x4000u

static struct {
    uint8_t *ram;
    int guest_ptr_calls, dump_calls, power_off_calls;
    uint64_t power_off_code;
    struct text_out out;
    struct text_expect want;
} f;

static const void *fake_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
    FUZZ_CHECK(ctx == &f, "guest_ptr: ctx %p", ctx);
    f.guest_ptr_calls++;
    if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
        return NULL;
    return f.ram + (gpa - RAM_BASE);
}

static void fake_print_line(void *ctx, const char *s, size_t n)
{
    FUZZ_CHECK(ctx == &f, "print_line: ctx %p", ctx);
    guest_line_sink(&f.out, s, n);
}

static void fake_dump(void *ctx) { (void)ctx; f.dump_calls++; }

static void fake_power_off(void *ctx, uint64_t code)
{
    (void)ctx;
    f.power_off_calls++;
    f.power_off_code = code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    f.guest_ptr_calls = f.dump_calls = f.power_off_calls = 0;
    f.ram = malloc(RAM_SIZE);
    for (unsigned i = 0; i < RAM_SIZE; i++)
        f.ram[i] = (uint8_t)(i * 7 + i / 61);
    unsigned reasons = fuzz_u8(&in) % 80, vcpu = fuzz_u8(&in);
    uint64_t *counts = malloc(reasons * sizeof(*counts) + 1), total = 0;
    for (unsigned i = 0; i < reasons; i++)
        total += counts[i] = fuzz_u16(&in);
    struct hc_env env = { .guest_ptr = fake_guest_ptr, .print_line = fake_print_line, .dump = fake_dump,
                          .power_off = fake_power_off, .exit_counts = counts, .exit_reasons = reasons,
                          .vcpu = vcpu, .ctx = &f };

    while (fuzz_more(&in)) {
        uint8_t how = fuzz_u8(&in);
        /* Small function numbers, GPAs near guest RAM and small lengths, or anything at all. */
        unsigned cpl = how & 0x10 ? fuzz_u8(&in) % 4 : 0;
        uint64_t fn = how & 1 ? fuzz_u64(&in) : fuzz_u8(&in) % (HC_COUNT + 1);
        uint64_t a1 = how & 2 ? fuzz_u64(&in) : RAM_BASE + fuzz_u16(&in) - 0x100;
        uint64_t a2 = how & 4 ? fuzz_u64(&in) : fuzz_u16(&in) % (HC_PRINT_MAX + 0x100);
        uint64_t a3 = fuzz_u64(&in);
        while (how & 8 && fuzz_more(&in)) { /* guest text: a byte at an offset, then maybe more */
            f.ram[fuzz_u16(&in) % RAM_SIZE] = fuzz_u8(&in);
            how = fuzz_u8(&in);
        }
        int before[3] = { f.guest_ptr_calls, f.dump_calls, f.power_off_calls };
        text_out_reset(&f.out, vcpu);
        text_out_reset(&f.want.out, vcpu);
        f.want.len = 0;
        int64_t r = hypercall_dispatch(&env, cpl, fn, a1, a2, a3);
        fuzz_trace("cpl %u fn %#llx (%#llx, %#llx, %#llx) -> %lld\n", cpl, (unsigned long long)fn,
                   (unsigned long long)a1, (unsigned long long)a2, (unsigned long long)a3, (long long)r);
        int calls[3] = { f.guest_ptr_calls - before[0], f.dump_calls - before[1], f.power_off_calls - before[2] };
        int64_t want = HC_ENOSYS;
        int want_calls[3] = {0, 0, 0};
        bool in_ram = a1 >= RAM_BASE && a1 - RAM_BASE <= RAM_SIZE && a2 <= RAM_SIZE - (a1 - RAM_BASE);
        if (cpl != 0)
            want = HC_EPERM;
        else if (fn == HC_PRINT)
            want = a2 > HC_PRINT_MAX ? HC_EINVAL : in_ram ? HC_OK : HC_EFAULT, want_calls[0] = a2 <= HC_PRINT_MAX;
        else if (fn == HC_DUMP_VMCS)
            want = HC_OK, want_calls[1] = 1;
        else if (fn == HC_EXIT_COUNT)
            want = a1 == HC_ALL_EXITS ? (int64_t)total : a1 < reasons ? (int64_t)counts[a1] : HC_EINVAL;
        else if (fn == HC_POWER_OFF)
            want = HC_OK, want_calls[2] = 1;
        FUZZ_CHECK(r == want, "cpl %u fn %#llx (%#llx, %#llx): %lld, expected %lld", cpl, (unsigned long long)fn,
                   (unsigned long long)a1, (unsigned long long)a2, (long long)r, (long long)want);
        FUZZ_CHECK(!memcmp(calls, want_calls, sizeof(calls)), "fn %#llx: callbacks %d %d %d, expected %d %d %d",
                   (unsigned long long)fn, calls[0], calls[1], calls[2], want_calls[0], want_calls[1], want_calls[2]);
        if (want_calls[2])
            FUZZ_CHECK(f.power_off_code == a1, "power-off code %#llx", (unsigned long long)f.power_off_code);
        if (cpl == 0 && fn == HC_PRINT && r == HC_OK)
            for (uint64_t i = 0; i < a2 && f.ram[a1 - RAM_BASE + i]; i++)
                expect_byte(&f.want, f.ram[a1 - RAM_BASE + i]);
        expect_flush(&f.want);
        FUZZ_CHECK(guest_text_matches(&f.out, &f.want.out), "fn %#llx (%#llx, %#llx): printed text",
                   (unsigned long long)fn, (unsigned long long)a1, (unsigned long long)a2);
    }
    free(counts);
    free(f.ram);
    return 0;
}
