#include "guest/test.h"

#include <stdarg.h>

#include "guest/lapic.h"
#include "guest/percpu.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/spinlock.h"

enum outcome { PASSED, FAILED, SKIPPED };

static struct {
    volatile enum outcome outcome;
    char reason[160];
    uint64_t deadline;
    spinlock_t lock;
} current;

static void set_outcome(enum outcome o, const char *fmt, va_list ap)
{
    spin_lock(&current.lock);
    if (current.outcome == PASSED) {
        current.outcome = o;
        fmt_vsnprintf(current.reason, sizeof(current.reason), fmt, ap);
    }
    spin_unlock(&current.lock);
}

void test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_outcome(FAILED, fmt, ap);
    va_end(ap);
}

void test_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_outcome(SKIPPED, fmt, ap);
    va_end(ap);
}

bool test_failed(void)
{
    return current.outcome == FAILED;
}

bool test_timed_out(void)
{
    return tsc_passed(current.deadline);
}

bool wait_until(bool (*cond)(void *arg), void *arg, const char *what)
{
    while (!cond(arg)) {
        if (test_timed_out()) {
            test_fail("timed out waiting for %s", what);
            return false;
        }
        cpu_relax();
    }
    return true;
}

static bool names_equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static bool name_matches(const char *name, const char *filter)
{
    for (const char *s = name; ; s++) {
        const char *a = s, *b = filter;
        while (*b && *a == *b)
            a++, b++;
        if (!*b)
            return true;
        if (!*s)
            return false;
    }
}

/* Whatever an abandoned or failed case left behind on this CPU must not leak into the next one:
 * finish any interrupt left in service and put the LAPIC back in its boot state. */
static void restore_cpu_state(const struct lapic_ops *boot_mode)
{
    struct cpu *c = this_cpu();
    c->defer_eoi_vector = -1;
    c->fault_expected = -1;
    c->fault_mask = 0;
    lapic_setup(boot_mode);
    for (int i = 0; i < 256 && c->lapic->read(LAPIC_PPR) >= 0x10; i++)
        lapic_eoi();
    sti();
}

static enum outcome run_one(const struct test_case *tc)
{
    struct cpu *c = this_cpu();
    const struct lapic_ops *boot_mode = c->lapic;
    current.outcome = PASSED;
    current.reason[0] = '\0';
    current.deadline = tsc_deadline_us(tc->timeout_s ? tc->timeout_s * 1000000ull : TEST_CASE_TIMEOUT_US);
    if (recover_save(&c->case_point) == 0) {
        c->case_point_armed = true;
        tc->run();
    }
    c->case_point_armed = false;
    restore_cpu_state(boot_mode);
    return current.outcome;
}

struct test_totals tests_run(const struct test_case *cases, size_t n, const char *filter)
{
    struct test_totals t = { 0, 0, 0 };
    unsigned number = 0;
    for (size_t i = 0; i < n; i++) {
        if (cases[i].opt_in ? !names_equal(cases[i].name, filter) : !name_matches(cases[i].name, filter))
            continue;
        number++;
        switch (run_one(&cases[i])) {
        case PASSED:
            kprintf("ok %u - %s\n", number, cases[i].name);
            t.passed++;
            break;
        case FAILED:
            kprintf("not ok %u - %s # %s\n", number, cases[i].name, current.reason);
            t.failed++;
            break;
        case SKIPPED:
            kprintf("ok %u - %s # SKIP %s\n", number, cases[i].name, current.reason);
            t.skipped++;
            break;
        }
    }
    return t;
}
