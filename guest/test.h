/* The test runner: named cases, each with a TSC deadline, reported as TAP-style lines
 *   ok N - name  |  not ok N - name # reason  |  ok N - name # SKIP reason
 * A case fails on its first failed check (later ones add nothing), on an unexpected exception (the
 * case is abandoned) or when it waits past its deadline. */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdbool.h>
#include <stddef.h>

struct test_case {
    const char *name;
    void (*run)(void);
    /* Opt-in cases (long, hostile) run only when only= names them exactly, never in the default
     * run nor for a filter that merely contains part of their name. */
    bool opt_in;
    /* The case's deadline in seconds (0: TEST_CASE_TIMEOUT_US). */
    unsigned timeout_s;
};

/* A default case; OPT_IN_CASE(name, fn, timeout_s) one that runs only when named (see above). */
#define CASE(name, fn) { name, fn, false, 0 }
#define OPT_IN_CASE(name, fn, timeout_s) { name, fn, true, timeout_s }

struct test_totals {
    unsigned passed, failed, skipped;
};

#define TEST_CASE_TIMEOUT_US 5000000

/* Runs the cases whose name contains filter (all when filter is empty), in order; an opt-in case
 * only when filter is its whole name. */
struct test_totals tests_run(const struct test_case *cases, size_t n, const char *filter);

/* Safe from any CPU; the first reason is the one reported. */
void test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);
bool test_timed_out(void);

/* CHECK(cond, fmt, ...): fails the case with the message when cond is false; evaluates to cond. */
#define CHECK(cond, ...) ((cond) ? true : (test_fail(__VA_ARGS__), false))

/* Polls cond(arg) until it holds or the case's deadline passes (then fails with what). */
bool wait_until(bool (*cond)(void *arg), void *arg, const char *what);

#endif
