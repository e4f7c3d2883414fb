/* Judging the APIC virtualization probes' VM exits (vmm/apicv_probe.c): the exits a CPU that
 * follows the SDM gives, the ones Bochs 3.1 gives, and the ones that settle nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/apicv_probe.h"

#define VALID (1u << 31)
#define TYPE(t) ((uint32_t)(t) << 8)
#define EXC(v) (VALID | TYPE(3) | (1u << 11) | (v)) /* hardware exception with an error code */
#define EXT_INT(v) (VALID | TYPE(0) | (v))          /* external interrupt, acknowledged on exit */
#define IDT_ENTRY(v) ((uint32_t)(v) << 3 | 2)       /* the error code naming IDT entry v */
#define HOST_VECTOR 0xf1

static struct apicv_probe_exit exit_of(uint32_t reason, uint32_t info, uint32_t error_code, uint64_t elapsed)
{
    return (struct apicv_probe_exit){ .reason = reason, .intr_info = info, .error_code = error_code,
                                      .elapsed = elapsed, .bound = 1000 };
}

/* What settles neither probe. */
static const struct apicv_probe_exit unclear[] = {
    { .reason = 0, .intr_info = VALID | TYPE(2) | 2 },                                     /* an NMI */
    { .reason = 0, .intr_info = EXC(13), .error_code = 0 },                                /* a #GP(0) */
    { .reason = 0, .intr_info = EXC(13), .error_code = IDT_ENTRY(APICV_PROBE_VECTOR + 1) | 1 }, /* another vector */
    { .reason = 0, .intr_info = EXC(13), .error_code = APICV_PROBE_VECTOR << 3 | 1 }, /* a GDT selector */
    { .reason = 0, .intr_info = EXC(14), .error_code = IDT_ENTRY(APICV_PROBE_VECTOR) | 1 }, /* not a #GP */
    { .reason = 0, .intr_info = VALID | TYPE(3) | 13 },                                /* no error code */
    { .reason = 2 },                                                                   /* a triple fault */
};

static void hlt_woken_delivery_faults(void **state)
{
    (void)state;
    struct apicv_probe_exit ext = exit_of(0, EXC(13), IDT_ENTRY(APICV_PROBE_VECTOR) | 1, 20);
    struct apicv_probe_exit no_ext = exit_of(0, EXC(13), IDT_ENTRY(APICV_PROBE_VECTOR), 20);
    assert_int_equal(apicv_probe_judge_hlt(&ext), APICV_PROBE_AS_SDM);
    assert_int_equal(apicv_probe_judge_hlt(&no_ext), APICV_PROBE_AS_SDM);
}

static void hlt_timer_exit_is_a_deviation(void **state)
{
    (void)state;
    struct apicv_probe_exit bochs = exit_of(52, 0, 0, 1000);
    assert_int_equal(apicv_probe_judge_hlt(&bochs), APICV_PROBE_DEVIATION);
    /* Delivered only when the bound had passed: something else ended the halt. */
    struct apicv_probe_exit late = exit_of(0, EXC(13), IDT_ENTRY(APICV_PROBE_VECTOR) | 1, 1000);
    assert_int_equal(apicv_probe_judge_hlt(&late), APICV_PROBE_DEVIATION);
}

static void hlt_other_exits_settle_nothing(void **state)
{
    (void)state;
    struct apicv_probe_exit host = exit_of(1, EXT_INT(HOST_VECTOR), 0, 5); /* a host interrupt came first */
    assert_int_equal(apicv_probe_judge_hlt(&host), APICV_PROBE_UNCLEAR);
    for (unsigned i = 0; i < sizeof(unclear) / sizeof(unclear[0]); i++)
        assert_int_equal(apicv_probe_judge_hlt(&unclear[i]), APICV_PROBE_UNCLEAR);
}

static void if_physical_interrupt_exits(void **state)
{
    (void)state;
    struct apicv_probe_exit hw = exit_of(1, EXT_INT(HOST_VECTOR), 0, 5);
    assert_int_equal(apicv_probe_judge_if(&hw, HOST_VECTOR), APICV_PROBE_AS_SDM);
}

static void if_delivered_virtual_interrupt_is_a_deviation(void **state)
{
    (void)state;
    struct apicv_probe_exit bochs = exit_of(0, EXC(13), IDT_ENTRY(APICV_PROBE_VECTOR) | 1, 5);
    assert_int_equal(apicv_probe_judge_if(&bochs, HOST_VECTOR), APICV_PROBE_DEVIATION);
}

static void if_other_exits_settle_nothing(void **state)
{
    (void)state;
    struct apicv_probe_exit others[] = {
        exit_of(1, EXT_INT(HOST_VECTOR + 1), 0, 5), /* some other host interrupt */
        exit_of(1, 0, 0, 5),                        /* no vector: not acknowledged on exit */
        exit_of(1, VALID | TYPE(2) | HOST_VECTOR, 0, 5), /* not an external interrupt */
        exit_of(52, 0, 0, 1000),                    /* the interrupt never came */
    };
    for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_int_equal(apicv_probe_judge_if(&others[i], HOST_VECTOR), APICV_PROBE_UNCLEAR);
    for (unsigned i = 0; i < sizeof(unclear) / sizeof(unclear[0]); i++)
        assert_int_equal(apicv_probe_judge_if(&unclear[i], HOST_VECTOR), APICV_PROBE_UNCLEAR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hlt_woken_delivery_faults),
        cmocka_unit_test(hlt_timer_exit_is_a_deviation),
        cmocka_unit_test(hlt_other_exits_settle_nothing),
        cmocka_unit_test(if_physical_interrupt_exits),
        cmocka_unit_test(if_delivered_virtual_interrupt_is_a_deviation),
        cmocka_unit_test(if_other_exits_settle_nothing),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
