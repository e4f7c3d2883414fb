/* The platform's time base: the devices' clocks (the PIT's 1.193182 MHz input, the ACPI PM timer's
 * 3.579545 MHz, the RTC's seconds) counted from the TSC, which runs at the guest's TSC rate (the
 * guest TSC is the host's plus an offset), from the moment the platform was built.
 *
 * Conversions are exact (floor, or ceiling where a deadline must not come early) for any 64-bit
 * count: n * to / from is computed as (n / from) * to + (n % from) * to / from, so nothing
 * overflows as long as from * to < 2^64 (a TSC at 1 THz and the PM timer's rate use 2^52). */
#ifndef VMM_PLATFORM_CLOCK_H
#define VMM_PLATFORM_CLOCK_H

#include <stdint.h>

/* floor(n * to_hz / from_hz), modulo 2^64 (only a result that does not fit wraps). */
uint64_t clock_scale(uint64_t n, uint64_t from_hz, uint64_t to_hz);
/* ceil(n * to_hz / from_hz): the first count of the from clock at which the to clock has reached
 * n, so that clock_scale(clock_scale_up(n, a, b), b, a) >= n and one less is < n. */
uint64_t clock_scale_up(uint64_t n, uint64_t from_hz, uint64_t to_hz);

struct platform_clock {
    uint64_t base_tsc; /* the TSC when the platform was built: time 0 of every device */
    uint64_t tsc_hz;
    uint64_t last;     /* the latest elapsed time handed out */
};

void platform_clock_init(struct platform_clock *c, uint64_t tsc, uint64_t tsc_hz);
/* TSC ticks since time 0 at TSC value tsc, never less than an earlier answer: the devices need
 * time that does not go backwards, and callers on different CPUs may read TSCs a few ticks apart
 * (or read them in one order and get here in the other). */
uint64_t platform_clock_elapsed(struct platform_clock *c, uint64_t tsc);
/* Ticks of a clock at hz, elapsed TSC ticks after time 0. */
uint64_t platform_clock_ticks(const struct platform_clock *c, uint64_t elapsed, uint64_t hz);
/* The TSC value at which a clock at hz reaches tick (the earliest at which
 * platform_clock_ticks gives it). */
uint64_t platform_clock_tsc_at(const struct platform_clock *c, uint64_t tick, uint64_t hz);

#endif
