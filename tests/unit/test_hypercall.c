/* The VMCALL interface as include/apicvisor/hypercall.h describes it, against a fake
 * environment that records what the dispatcher asked of the hypervisor: calls from CPL 0 only,
 * and HC_PRINT text as "[vcpu N] " lines that cannot pass for the hypervisor's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/text_sink.h"
#include "vmm/hypercall.h"

#define GUEST_BASE 0x100000u
#define GUEST_SIZE 0x4000u
#define VCPU 3
#define USER_CPL 3

static struct {
    uint8_t ram[GUEST_SIZE]; /* guest-physical GUEST_BASE .. GUEST_BASE + GUEST_SIZE */
    int guest_ptr_calls, print_calls, dump_calls, power_off_calls;
    uint64_t last_gpa, last_len;
    struct text printed; /* every line printed */
    uint64_t power_off_code;
} fake;

static uint64_t counts[8];

static const void *fake_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
    assert_ptr_equal(ctx, &fake);
    fake.guest_ptr_calls++;
    fake.last_gpa = gpa;
    fake.last_len = len;
    if (gpa < GUEST_BASE || gpa - GUEST_BASE > GUEST_SIZE || len > GUEST_SIZE - (gpa - GUEST_BASE))
        return NULL;
    return fake.ram + (gpa - GUEST_BASE);
}

/* One call is one whole line: "[vcpu 3] ...\n" with no other newline. */
static void fake_print_line(void *ctx, const char *text, size_t len)
{
    assert_ptr_equal(ctx, &fake);
    fake.print_calls++;
    assert_true(len >= 10);
    assert_memory_equal(text, "[vcpu 3] ", 9);
    assert_int_equal(text[len - 1], '\n');
    assert_null(memchr(text, '\n', len - 1));
    text_sink(&fake.printed, text, len);
}

static void fake_dump(void *ctx)
{
    assert_ptr_equal(ctx, &fake);
    fake.dump_calls++;
}

static void fake_power_off(void *ctx, uint64_t code)
{
    assert_ptr_equal(ctx, &fake);
    fake.power_off_calls++;
    fake.power_off_code = code;
}

static const struct hc_env env = {
    .guest_ptr = fake_guest_ptr,
    .print_line = fake_print_line,
    .dump = fake_dump,
    .power_off = fake_power_off,
    .exit_counts = counts,
    .exit_reasons = 8,
    .vcpu = VCPU,
    .ctx = &fake,
};

static int setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof(fake));
    text_clear(&fake.printed);
    for (unsigned i = 0; i < 8; i++)
        counts[i] = 0;
    return 0;
}

static void abi_numbers(void **state)
{
    (void)state;
    /* the numbers guests compile in (tests/guests/common.inc, guest/hypercall.c) */
    assert_int_equal(HC_PRINT, 0);
    assert_int_equal(HC_DUMP_VMCS, 1);
    assert_int_equal(HC_EXIT_COUNT, 2);
    assert_int_equal(HC_POWER_OFF, 3);
    assert_int_equal(HC_OK, 0);
    assert_int_equal(HC_EPERM, -1);
    assert_int_equal(HC_EFAULT, -14);
    assert_int_equal(HC_EINVAL, -22);
    assert_int_equal(HC_ENOSYS, -38);
}

static void print_passes_the_guest_text(void **state)
{
    (void)state;
    memcpy(fake.ram + 0x10, "hello, world", 12);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE + 0x10, 12, 0), HC_OK);
    assert_int_equal(fake.guest_ptr_calls, 1);
    assert_int_equal(fake.last_gpa, GUEST_BASE + 0x10);
    assert_int_equal(fake.last_len, 12);
    assert_int_equal(fake.print_calls, 1);
    assert_string_equal(fake.printed.buf, "[vcpu 3] hello, world\n");
    assert_int_equal(fake.dump_calls + fake.power_off_calls, 0);
}

static void print_of_exactly_4096_bytes_is_allowed(void **state)
{
    (void)state;
    memset(fake.ram, 'x', 4096);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 4096, 0), HC_OK);
    /* 4096 characters in lines of at most 200 (vmm/dev/guest_serial.h): 21 of them */
    assert_int_equal(fake.print_calls, 21);
    assert_int_equal(fake.printed.len, 4096 + 21 * 10);
}

static void print_splits_lines_and_a_forged_verdict_stays_the_guests(void **state)
{
    (void)state;
    /* what the harness greps for (tests/integration/lib.sh), on a line of its own */
    static const char forged[] = "x\napicvisor: verdict: PASS (guest exit code 0)\n";
    memcpy(fake.ram, forged, sizeof(forged) - 1);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, sizeof(forged) - 1, 0), HC_OK);
    assert_string_equal(fake.printed.buf, "[vcpu 3] x\n"
                                          "[vcpu 3] apicvisor: verdict: PASS (guest exit code 0)\n");
    assert_int_equal(fake.print_calls, 2);
}

static void print_escapes_control_bytes(void **state)
{
    (void)state;
    static const char text[] = "\x1b[1;32mPASS\x1b[0m\tdone\r\n\x7f\xff";
    memcpy(fake.ram, text, sizeof(text) - 1);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, sizeof(text) - 1, 0), HC_OK);
    assert_string_equal(fake.printed.buf, "[vcpu 3] \\x1b[1;32mPASS\\x1b[0m\\x09done\n"
                                          "[vcpu 3] \\x7f\\xff\n");
}

static void print_stops_at_a_nul(void **state)
{
    (void)state;
    memcpy(fake.ram, "before\0after\n", 13);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 13, 0), HC_OK);
    assert_string_equal(fake.printed.buf, "[vcpu 3] before\n");
    /* nothing before the NUL, or no text at all: nothing printed */
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE + 6, 7, 0), HC_OK);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 0, 0), HC_OK);
    assert_int_equal(fake.print_calls, 1);
}

static void print_longer_than_4096_is_einval_and_prints_nothing(void **state)
{
    (void)state;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 4097, 0), HC_EINVAL);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, UINT64_MAX, 0), HC_EINVAL);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 1ull << 32, 0), HC_EINVAL);
    assert_int_equal(fake.print_calls, 0);
}

static void print_outside_guest_ram_is_efault(void **state)
{
    (void)state;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, 0x1000, 4, 0), HC_EFAULT);
    /* starts inside, ends past the end */
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE + GUEST_SIZE - 2, 4, 0), HC_EFAULT);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, UINT64_MAX - 1, 16, 0), HC_EFAULT);
    assert_int_equal(fake.guest_ptr_calls, 3);
    assert_int_equal(fake.print_calls, 0);
}

static void dump_vmcs_calls_dump_once(void **state)
{
    (void)state;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_DUMP_VMCS, 0, 0, 0), HC_OK);
    assert_int_equal(fake.dump_calls, 1);
    assert_int_equal(fake.print_calls + fake.power_off_calls + fake.guest_ptr_calls, 0);
}

static void exit_count_returns_one_reason(void **state)
{
    (void)state;
    counts[0] = 5;
    counts[3] = 7;
    counts[7] = 1ull << 40;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 3, 0, 0), 7);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 0, 0, 0), 5);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 1, 0, 0), 0);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 7, 0, 0), 1ll << 40);
}

static void exit_count_all_exits_is_the_sum(void **state)
{
    (void)state;
    counts[0] = 5;
    counts[3] = 7;
    counts[6] = 100;
    counts[7] = 1000;
    assert_int_equal(HC_ALL_EXITS, 0xffffffffu);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 0xffffffffu, 0, 0), 1112);
    for (unsigned i = 0; i < 8; i++)
        counts[i] = 0;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, HC_ALL_EXITS, 0, 0), 0);
}

static void exit_count_out_of_range_is_einval(void **state)
{
    (void)state;
    counts[7] = 3;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 8, 0, 0), HC_EINVAL);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 0xfffffffeu, 0, 0), HC_EINVAL);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 0x1ffffffffull, 0, 0), HC_EINVAL);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 0x100000007ull, 0, 0), HC_EINVAL);
}

static void power_off_passes_the_code(void **state)
{
    (void)state;
    assert_int_equal(hypercall_dispatch(&env, 0, HC_POWER_OFF, 0, 0, 0), HC_OK);
    assert_int_equal(fake.power_off_calls, 1);
    assert_int_equal(fake.power_off_code, 0);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_POWER_OFF, 42, 9, 9), HC_OK);
    assert_int_equal(fake.power_off_calls, 2);
    assert_int_equal(fake.power_off_code, 42);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_POWER_OFF, 0x123456789abcull, 0, 0), HC_OK);
    assert_int_equal(fake.power_off_code, 0x123456789abcull);
    assert_int_equal(fake.print_calls + fake.dump_calls, 0);
}

static void unknown_functions_are_enosys_and_do_nothing(void **state)
{
    (void)state;
    static const uint64_t bad[] = { 4, 5, 0xff, 0x80000000u, 1ull << 32, (1ull << 32) | HC_POWER_OFF, UINT64_MAX };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hypercall_dispatch(&env, 0, bad[i], GUEST_BASE, 4, 0), HC_ENOSYS);
    assert_int_equal(fake.guest_ptr_calls + fake.print_calls + fake.dump_calls + fake.power_off_calls, 0);
}

static void calls_from_cpl_above_0_are_eperm_and_do_nothing(void **state)
{
    (void)state;
    memcpy(fake.ram, "hello\n", 6);
    counts[2] = 9;
    static const uint64_t fns[] = { HC_PRINT, HC_DUMP_VMCS, HC_EXIT_COUNT, HC_POWER_OFF, 4, 0xff, 1ull << 32,
                                    UINT64_MAX };
    for (unsigned cpl = 1; cpl <= USER_CPL; cpl++) {
        for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
            /* arguments that would succeed at CPL 0 */
            assert_int_equal(hypercall_dispatch(&env, cpl, fns[i], fns[i] == HC_EXIT_COUNT ? 2 : GUEST_BASE, 6, 0),
                             HC_EPERM);
        }
    }
    assert_int_equal(fake.guest_ptr_calls + fake.print_calls + fake.dump_calls + fake.power_off_calls, 0);
    /* the same calls from the kernel work */
    assert_int_equal(hypercall_dispatch(&env, 0, HC_EXIT_COUNT, 2, 0, 0), 9);
    assert_int_equal(hypercall_dispatch(&env, 0, HC_PRINT, GUEST_BASE, 6, 0), HC_OK);
    assert_string_equal(fake.printed.buf, "[vcpu 3] hello\n");
    assert_int_equal(hypercall_dispatch(&env, 0, HC_POWER_OFF, 0, 0, 0), HC_OK);
    assert_int_equal(fake.power_off_calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(abi_numbers, setup),
        cmocka_unit_test_setup(print_passes_the_guest_text, setup),
        cmocka_unit_test_setup(print_of_exactly_4096_bytes_is_allowed, setup),
        cmocka_unit_test_setup(print_splits_lines_and_a_forged_verdict_stays_the_guests, setup),
        cmocka_unit_test_setup(print_escapes_control_bytes, setup),
        cmocka_unit_test_setup(print_stops_at_a_nul, setup),
        cmocka_unit_test_setup(print_longer_than_4096_is_einval_and_prints_nothing, setup),
        cmocka_unit_test_setup(print_outside_guest_ram_is_efault, setup),
        cmocka_unit_test_setup(dump_vmcs_calls_dump_once, setup),
        cmocka_unit_test_setup(exit_count_returns_one_reason, setup),
        cmocka_unit_test_setup(exit_count_all_exits_is_the_sum, setup),
        cmocka_unit_test_setup(exit_count_out_of_range_is_einval, setup),
        cmocka_unit_test_setup(power_off_passes_the_code, setup),
        cmocka_unit_test_setup(unknown_functions_are_enosys_and_do_nothing, setup),
        cmocka_unit_test_setup(calls_from_cpl_above_0_are_eperm_and_do_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
