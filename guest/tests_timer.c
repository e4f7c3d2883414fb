/* The LAPIC timer on VECTOR_TIMER (SDM 11.5.4), measured against the TSC.  Emulated time under
 * QEMU TCG is loose (vCPUs are host threads that may not run when their timer is due), so the
 * tolerances are wide: TIMER_EARLY_PCT early is a failure (the timer must never fire before its
 * time), TIMER_LATE_PCT late is a failure, periodic tick counts within TIMER_TICKS_PCT. */
#include "guest/deliveries.h"
#include "guest/lapic.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"

#define TIMER_EARLY_PCT 5
#define TIMER_LATE_PCT 50
#define TIMER_TICKS_PCT 20
#define RATE_WINDOW_US 10000
#define ONE_SHOT_US 10000
#define PERIOD_US 5000
#define PERIODIC_WINDOW_US 200000
#define MSR_IA32_TSC_DEADLINE 0x6e0u

/* Divide configuration register encodings (SDM 11.5.4, Figure 11-10): bits 3, 1:0. */
struct divider {
    uint32_t code, by;
};
static const struct divider dividers[] = { { 0xb, 1 }, { 0x0, 2 }, { 0x3, 16 }, { 0xa, 128 } };
#define DIVIDE_BY_16 (&dividers[2])

static void timer_stop(void)
{
    lapic()->write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic()->write(LAPIC_TIMER_INITIAL, 0);
}

/* Timer counts per second with this divider: a masked one-shot count-down read over RATE_WINDOW_US. */
static uint64_t timer_rate(const struct divider *d)
{
    lapic()->write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_TIMER_ONE_SHOT | VECTOR_TIMER);
    lapic()->write(LAPIC_TIMER_DIVIDE, d->code);
    lapic()->write(LAPIC_TIMER_INITIAL, 0xffffffffu);
    uint64_t t0 = rdtsc();
    delay_us(RATE_WINDOW_US);
    uint32_t left = lapic()->read(LAPIC_TIMER_CURRENT);
    uint64_t t1 = rdtsc();
    timer_stop();
    return (uint64_t)(0xffffffffu - left) * tsc_hz() / (t1 - t0);
}

static bool within_pct(uint64_t value, uint64_t want, unsigned pct)
{
    return value * 100 >= want * (100 - pct) && value * 100 <= want * (100 + pct);
}

/* Counting slows down by the divide value: the rate at divide 1 over the rate at divide n is n
 * within 10 %. */
void test_timer_divide(void)
{
    uint64_t base = timer_rate(&dividers[0]);
    kprintf("# timer-divide: %lu counts/s at divide 1\n", base);
    if (!CHECK(base > 0, "the timer did not count at divide 1"))
        return;
    for (unsigned i = 1; i < sizeof(dividers) / sizeof(dividers[0]); i++) {
        uint64_t r = timer_rate(&dividers[i]);
        CHECK(r && within_pct(base * 100 / r, dividers[i].by * 100, 10), "divide %u: %lu counts/s, %lu at divide 1",
              dividers[i].by, r, base);
    }
}

static void check_delay(const char *what, uint64_t start_tsc, uint64_t fired_tsc, uint64_t want_us)
{
    uint64_t us = tsc_to_us(fired_tsc - start_tsc);
    kprintf("# %s: fired after %lu us, programmed %lu us\n", what, us, want_us);
    CHECK(us * 100 >= want_us * (100 - TIMER_EARLY_PCT), "%s fired early: after %lu us of %lu", what, us, want_us);
    CHECK(us * 100 <= want_us * (100 + TIMER_LATE_PCT), "%s fired late: after %lu us of %lu", what, us, want_us);
}

/* One-shot mode: one interrupt when the count reaches 0, which it keeps (SDM 11.5.4). */
void test_timer_one_shot(void)
{
    struct cpu *c = this_cpu();
    uint64_t rate = timer_rate(DIVIDE_BY_16);
    deliveries_reset();
    lapic()->write(LAPIC_TIMER_DIVIDE, DIVIDE_BY_16->code);
    lapic()->write(LAPIC_LVT_TIMER, LVT_TIMER_ONE_SHOT | VECTOR_TIMER);
    uint64_t start = rdtsc();
    lapic()->write(LAPIC_TIMER_INITIAL, (uint32_t)(rate * ONE_SHOT_US / 1000000));
    if (!deliveries_wait_local(VECTOR_TIMER, 1))
        return;
    delay_us(3 * ONE_SHOT_US);
    uint32_t left = lapic()->read(LAPIC_TIMER_CURRENT);
    timer_stop();
    CHECK(c->count[VECTOR_TIMER] == 1, "%u interrupts from one one-shot count", c->count[VECTOR_TIMER]);
    CHECK(left == 0, "current count %u after the one-shot expired", left);
    check_delay("one-shot", start, c->log[0].tsc, ONE_SHOT_US);
}

/* Periodic mode reloads the initial count: PERIODIC_WINDOW_US / PERIOD_US ticks. */
void test_timer_periodic(void)
{
    struct cpu *c = this_cpu();
    uint64_t rate = timer_rate(DIVIDE_BY_16);
    uint64_t want = PERIODIC_WINDOW_US / PERIOD_US;
    deliveries_reset();
    lapic()->write(LAPIC_TIMER_DIVIDE, DIVIDE_BY_16->code);
    lapic()->write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VECTOR_TIMER);
    lapic()->write(LAPIC_TIMER_INITIAL, (uint32_t)(rate * PERIOD_US / 1000000));
    delay_us(PERIODIC_WINDOW_US);
    unsigned ticks = c->count[VECTOR_TIMER];
    timer_stop();
    kprintf("# timer-periodic: %u ticks in %u ms at a %u us period (%lu expected, +-%u%%)\n", ticks,
            PERIODIC_WINDOW_US / 1000, PERIOD_US, want, TIMER_TICKS_PCT);
    CHECK(within_pct(ticks, want, TIMER_TICKS_PCT), "%u ticks, expected %lu +-%u%%", ticks, want, TIMER_TICKS_PCT);
}

/* TSC-deadline mode (SDM 11.5.4.1): fires once the TSC reaches IA32_TSC_DEADLINE, not before;
 * writing 0 disarms it. */
void test_timer_tsc_deadline(void)
{
    struct cpu *c = this_cpu();
    if (!(cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE)) {
        test_skip("CPUID.1:ECX[24] (TSC-deadline timer) is clear");
        return;
    }
    deliveries_reset();
    lapic()->write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VECTOR_TIMER);
    __asm__ volatile("mfence" ::: "memory");   /* order the LVT write before the MSR write (SDM 11.5.4.1) */
    uint64_t start = rdtsc(), deadline = tsc_deadline_us(ONE_SHOT_US);
    wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
    if (!deliveries_wait_local(VECTOR_TIMER, 1))
        return;
    CHECK(c->log[0].tsc >= deadline, "fired %lu TSC cycles before the deadline", deadline - c->log[0].tsc);
    check_delay("tsc-deadline", start, c->log[0].tsc, ONE_SHOT_US);
    wrmsr(MSR_IA32_TSC_DEADLINE, tsc_deadline_us(ONE_SHOT_US));
    wrmsr(MSR_IA32_TSC_DEADLINE, 0);
    delay_us(3 * ONE_SHOT_US);
    CHECK(c->count[VECTOR_TIMER] == 1, "%u interrupts: writing 0 did not disarm the deadline",
          c->count[VECTOR_TIMER]);
    timer_stop();
}
