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
};

struct test_totals {
    unsigned passed, failed, skipped;
};

#define TEST_CASE_TIMEOUT_US 5000000

/* Runs the cases whose name contains filter (all when filter is empty), in order. */
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
