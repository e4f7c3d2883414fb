/* The platform's clocks from the TSC (vmm/platform_clock.c): exact against 128-bit arithmetic for
 * counts up to 2^64 - 1 at real TSC rates, edges that are never early, and time that never goes
 * backwards.  Rates: PIT 1193182 Hz, ACPI PM timer 3579545 Hz (ACPI 6.5, 4.8.3.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/platform_clock.h"

#define PIT_HZ 1193182u
#define PM_HZ  3579545u

static const uint64_t tsc_rates[] = { 1000000000ull, 2399999000ull, 3579545ull, 1193182ull, 5000000000ull,
                                      1000000000000ull /* 1 THz */ };

static uint64_t exact(uint64_t n, uint64_t from, uint64_t to, int up)
{
    unsigned __int128 p = (unsigned __int128)n * to;
    return (uint64_t)(p / from + (up && p % from != 0));
}

static const uint64_t counts[] = { 0, 1, 2, 1193181, 1193182, 1193183, 3579545, 999999999, 1000000000, 0xffffffffull,
                                   0x100000000ull, 1ull << 40, 1ull << 52, 0x7fffffffffffffffull, UINT64_MAX };

static void scaling_down_is_exact_for_any_count(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof(tsc_rates) / sizeof(tsc_rates[0]); r++)
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
            assert_int_equal(clock_scale(counts[i], tsc_rates[r], PIT_HZ), exact(counts[i], tsc_rates[r], PIT_HZ, 0));
            assert_int_equal(clock_scale(counts[i], tsc_rates[r], PM_HZ), exact(counts[i], tsc_rates[r], PM_HZ, 0));
            assert_int_equal(clock_scale(counts[i], tsc_rates[r], 1), counts[i] / tsc_rates[r]);
        }
}

/* Ticks to TSC: exact wherever the TSC value fits in 64 bits. */
static void scaling_up_is_the_exact_ceiling(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof(tsc_rates) / sizeof(tsc_rates[0]); r++)
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
            uint64_t n = counts[i] / (tsc_rates[r] / PIT_HZ + 1); /* keeps the result below 2^64 */
            assert_int_equal(clock_scale_up(n, PIT_HZ, tsc_rates[r]), exact(n, PIT_HZ, tsc_rates[r], 1));
            assert_int_equal(clock_scale_up(n, PM_HZ, tsc_rates[r]), exact(n, PM_HZ, tsc_rates[r], 1));
        }
}

/* One second of TSC is one second of each device clock. */
static void a_second_is_a_second(void **state)
{
    (void)state;
    struct platform_clock c;
    platform_clock_init(&c, 1000, 2400000000ull);
    uint64_t e = platform_clock_elapsed(&c, 1000 + 2400000000ull);
    assert_int_equal(e, 2400000000ull);
    assert_int_equal(platform_clock_ticks(&c, e, PIT_HZ), PIT_HZ);
    assert_int_equal(platform_clock_ticks(&c, e, PM_HZ), PM_HZ);
    assert_int_equal(platform_clock_ticks(&c, e, 1), 1);
    assert_int_equal(platform_clock_ticks(&c, e - 1, 1), 0);
}

/* The TSC of a tick is the first at which the tick has come: not one TSC tick early, none late. */
static void a_tick_is_due_exactly_at_its_tsc(void **state)
{
    (void)state;
    struct platform_clock c;
    platform_clock_init(&c, 123456789, 2399999000ull);
    for (uint64_t tick = 1; tick < 100000; tick += 997) {
        uint64_t at = platform_clock_tsc_at(&c, tick, PIT_HZ);
        assert_true(platform_clock_ticks(&c, at - c.base_tsc, PIT_HZ) >= tick);
        assert_true(platform_clock_ticks(&c, at - 1 - c.base_tsc, PIT_HZ) < tick);
        at = platform_clock_tsc_at(&c, tick, PM_HZ);
        assert_true(platform_clock_ticks(&c, at - c.base_tsc, PM_HZ) >= tick);
        assert_true(platform_clock_ticks(&c, at - 1 - c.base_tsc, PM_HZ) < tick);
    }
}

/* Two CPUs whose TSCs differ a little, or that reach the lock in the other order: the answer
 * stays where it was rather than going back, and a TSC before time 0 is time 0. */
static void elapsed_time_never_goes_backwards(void **state)
{
    (void)state;
    struct platform_clock c;
    platform_clock_init(&c, 1000000, 1000000000ull);
    assert_int_equal(platform_clock_elapsed(&c, 999990), 0);
    assert_int_equal(platform_clock_elapsed(&c, 1000500), 500);
    assert_int_equal(platform_clock_elapsed(&c, 1000400), 500);
    assert_int_equal(platform_clock_elapsed(&c, 1000600), 600);
}

/* The 32-bit PM timer wraps after 2^32 / 3579545 s (about 20 minutes); its count keeps going. */
static void the_pm_timer_count_passes_32_bits(void **state)
{
    (void)state;
    struct platform_clock c;
    platform_clock_init(&c, 0, 3000000000ull);
    uint64_t twenty_five_minutes = 25ull * 60 * 3000000000ull;
    uint64_t ticks = platform_clock_ticks(&c, twenty_five_minutes, PM_HZ);
    assert_int_equal(ticks, 25ull * 60 * PM_HZ);
    assert_true(ticks > 0xffffffffull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scaling_down_is_exact_for_any_count),
        cmocka_unit_test(scaling_up_is_the_exact_ceiling),
        cmocka_unit_test(a_second_is_a_second),
        cmocka_unit_test(a_tick_is_due_exactly_at_its_tsc),
        cmocka_unit_test(elapsed_time_never_goes_backwards),
        cmocka_unit_test(the_pm_timer_count_passes_32_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
