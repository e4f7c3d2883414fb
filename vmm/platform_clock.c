#include "vmm/platform_clock.h"

uint64_t clock_scale(uint64_t n, uint64_t from_hz, uint64_t to_hz)
{
    return n / from_hz * to_hz + n % from_hz * to_hz / from_hz;
}

uint64_t clock_scale_up(uint64_t n, uint64_t from_hz, uint64_t to_hz)
{
    uint64_t rest = n % from_hz * to_hz;
    return n / from_hz * to_hz + rest / from_hz + (rest % from_hz != 0);
}

void platform_clock_init(struct platform_clock *c, uint64_t tsc, uint64_t tsc_hz)
{
    c->base_tsc = tsc;
    c->tsc_hz = tsc_hz;
    c->last = 0;
}

uint64_t platform_clock_elapsed(struct platform_clock *c, uint64_t tsc)
{
    /* A TSC behind time 0 (another CPU's, a little behind the builder's) counts as time 0. */
    uint64_t e = tsc > c->base_tsc ? tsc - c->base_tsc : 0;
    if (e > c->last)
        c->last = e;
    return c->last;
}

uint64_t platform_clock_ticks(const struct platform_clock *c, uint64_t elapsed, uint64_t hz)
{
    return clock_scale(elapsed, c->tsc_hz, hz);
}

uint64_t platform_clock_tsc_at(const struct platform_clock *c, uint64_t tick, uint64_t hz)
{
    return c->base_tsc + clock_scale_up(tick, hz, c->tsc_hz);
}
