/* perf-kvm-stat-style exit statistics (vmm/exit_stats.c): counts, shares, min/avg/max cycles,
 * most frequent reason first, and the sum over vCPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "text_sink.h"
#include "vmm/exit_stats.h"

static struct text out;

static void records_count_min_avg_max(void **state)
{
    (void)state;
    struct exit_stats s;
    memset(&s, 0, sizeof(s));
    exit_stats_record(&s, EXIT_REASON_CPUID, 300);
    exit_stats_record(&s, EXIT_REASON_CPUID, 100);
    exit_stats_record(&s, EXIT_REASON_CPUID, 200);
    assert_int_equal(s.reason[EXIT_REASON_CPUID].count, 3);
    assert_int_equal(s.reason[EXIT_REASON_CPUID].min, 100);
    assert_int_equal(s.reason[EXIT_REASON_CPUID].max, 300);
    assert_int_equal(s.reason[EXIT_REASON_CPUID].cycles, 600);
}

/* 3 CPUID (share 75.0%) and 1 HLT (25.0%); CPUID first, being the most frequent. */
static void prints_a_table_most_frequent_first(void **state)
{
    (void)state;
    struct exit_stats s;
    memset(&s, 0, sizeof(s));
    exit_stats_record(&s, EXIT_REASON_HLT, 5000);
    for (int i = 0; i < 3; i++)
        exit_stats_record(&s, EXIT_REASON_CPUID, 100 + 100 * (uint64_t)i);
    text_clear(&out);
    exit_stats_print(&s, "vcpu 1", text_sink, &out);
    const char *head = strstr(out.buf, "exit-stats: vcpu 1: 4 exits, 5600 cycles in the hypervisor\n");
    const char *cpuid = strstr(out.buf, "exit-stats:   CPUID");
    const char *hlt = strstr(out.buf, "exit-stats:   HLT");
    assert_non_null(head);
    assert_non_null(cpuid);
    assert_non_null(hlt);
    assert_true(head < cpuid && cpuid < hlt);
    assert_non_null(strstr(cpuid, "3   75.0%          100          200          300\n"));
    assert_non_null(strstr(hlt, "1   25.0%         5000         5000         5000\n"));
}

static void the_total_adds_vcpus_up(void **state)
{
    (void)state;
    struct exit_stats a, b, t;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&t, 0, sizeof(t));
    exit_stats_record(&a, EXIT_REASON_WRMSR, 50);
    exit_stats_record(&b, EXIT_REASON_WRMSR, 10);
    exit_stats_record(&b, EXIT_REASON_WRMSR, 90);
    exit_stats_add(&t, &a);
    exit_stats_add(&t, &b);
    assert_int_equal(t.reason[EXIT_REASON_WRMSR].count, 3);
    assert_int_equal(t.reason[EXIT_REASON_WRMSR].min, 10);
    assert_int_equal(t.reason[EXIT_REASON_WRMSR].max, 90);
    assert_int_equal(t.reason[EXIT_REASON_WRMSR].cycles, 150);
    assert_int_equal(t.reason[EXIT_REASON_CPUID].count, 0);
}

static void no_exits_prints_only_the_heading(void **state)
{
    (void)state;
    struct exit_stats s;
    memset(&s, 0, sizeof(s));
    text_clear(&out);
    exit_stats_print(&s, "vcpu 3", text_sink, &out);
    assert_non_null(strstr(out.buf, "exit-stats: vcpu 3: 0 exits, 0 cycles in the hypervisor\n"));
    assert_null(strstr(out.buf, "%"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_count_min_avg_max),
        cmocka_unit_test(prints_a_table_most_frequent_first),
        cmocka_unit_test(the_total_adds_vcpus_up),
        cmocka_unit_test(no_exits_prints_only_the_heading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
