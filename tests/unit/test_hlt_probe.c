/* Judging the hlt=auto probe's VM exit (vmm/hlt_probe.c): the exit a CPU that follows SDM 30.2.2
 * gives, the one Bochs 3.1 gives, and the ones that settle nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/hlt_probe.h"

#define VALID (1u << 31)
#define TYPE(t) ((uint32_t)(t) << 8)
#define EXC(v) (VALID | TYPE(3) | (1u << 11) | (v)) /* hardware exception with an error code */
#define IDT_ENTRY(v) ((uint32_t)(v) << 3 | 2)       /* the error code naming IDT entry v */

static struct hlt_probe_exit exit_of(uint32_t reason, uint32_t info, uint32_t error_code, uint64_t elapsed)
{
    return (struct hlt_probe_exit){ .reason = reason, .intr_info = info, .error_code = error_code,
                                    .elapsed = elapsed, .bound = 1000 };
}

static void woken_delivery_faults(void **state)
{
    (void)state;
    struct hlt_probe_exit ext = exit_of(0, EXC(13), IDT_ENTRY(HLT_PROBE_VECTOR) | 1, 20);
    struct hlt_probe_exit no_ext = exit_of(0, EXC(13), IDT_ENTRY(HLT_PROBE_VECTOR), 20);
    assert_int_equal(hlt_probe_judge(&ext), HLT_PROBE_WOKE);
    assert_int_equal(hlt_probe_judge(&no_ext), HLT_PROBE_WOKE);
}

static void timer_exit_is_a_deviation(void **state)
{
    (void)state;
    struct hlt_probe_exit bochs = exit_of(52, 0, 0, 1000);
    assert_int_equal(hlt_probe_judge(&bochs), HLT_PROBE_SLEPT);
    /* Delivered only when the bound had passed: something else ended the halt. */
    struct hlt_probe_exit late = exit_of(0, EXC(13), IDT_ENTRY(HLT_PROBE_VECTOR) | 1, 1000);
    assert_int_equal(hlt_probe_judge(&late), HLT_PROBE_SLEPT);
}

static void other_exits_settle_nothing(void **state)
{
    (void)state;
    struct hlt_probe_exit cases[] = {
        exit_of(1, 0, 0, 5),                                          /* a host interrupt came first */
        exit_of(0, VALID | TYPE(2) | 2, 0, 5),                        /* an NMI */
        exit_of(0, EXC(13), 0, 5),                                    /* a #GP(0): not the delivery */
        exit_of(0, EXC(13), IDT_ENTRY(HLT_PROBE_VECTOR + 1) | 1, 5), /* another vector's delivery */
        exit_of(0, EXC(13), HLT_PROBE_VECTOR << 3 | 1, 5),           /* a GDT selector, not the IDT */
        exit_of(0, EXC(14), IDT_ENTRY(HLT_PROBE_VECTOR) | 1, 5),     /* not a #GP */
        exit_of(0, VALID | TYPE(3) | 13, 0, 5),                       /* no error code */
        exit_of(2, 0, 0, 5),                                          /* a triple fault */
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(hlt_probe_judge(&cases[i]), HLT_PROBE_UNCLEAR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(woken_delivery_faults),
        cmocka_unit_test(timer_exit_is_a_deviation),
        cmocka_unit_test(other_exits_settle_nothing),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
