/* Bugs the fuzz targets (tests/fuzz/, docs/usage.md "Fuzzing") found, one test each, written as
 * the SDM wants it: a test fails until its bug is fixed, then guards the fix.  Each names the
 * target and invariant that caught it; when one is fixed, also set the KNOWN_BUG_* switch of that
 * target to 0 so that the fuzzer checks the path again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/vapic_page.h"
#include "vlapic/vlapic.h"

static struct vapic_page page;
static struct vlapic vl;

/* A guest xAPIC MMIO write that the CPU virtualizes with APIC-register virtualization: it stores
 * the value in the virtual-APIC page, then the trap-like APIC-write exit runs the model, as
 * handle_apic_write (vmm/apic_virt_hv.c) does. */
static void xapic_write(uint32_t offset, uint32_t value, uint64_t now)
{
    vapic_write(&page, offset, value);
    assert_int_equal(vlapic_write(&vl, offset, value, now).result, VLAPIC_DONE);
}

static int setup_xapic(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 1, LAPIC_MODE_XAPIC));
    vlapic_init(&vl, &page, 1, LAPIC_MODE_XAPIC);
    xapic_write(APIC_SVR, 0x1ff, 0);
    return 0;
}

static int setup_x2apic(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 1, LAPIC_MODE_X2APIC));
    vlapic_init(&vl, &page, 1, LAPIC_MODE_X2APIC);
    assert_int_equal(vlapic_write(&vl, APIC_SVR, 0x1ff, 0).result, VLAPIC_DONE);
    return 0;
}

/* fuzz_vlapic, "IA32_TSC_DEADLINE ... in LVT timer mode 0" (KNOWN_BUG_XAPIC_LVT_TIMER_MODE).
 * SDM 11.5.4.1: leaving TSC-deadline mode disarms the timer, and IA32_TSC_DEADLINE reads 0
 * outside that mode.  In xAPIC mode the CPU has stored the new LVT value before vlapic_write
 * runs, so vlapic_write's "old mode" is already the new one and the change goes unnoticed: the
 * deadline stays armed and fires in one-shot mode.  (x2APIC mode is right: the write exits
 * before anything is stored.)  Fix: remember the LVT timer mode in struct vlapic rather than read
 * it back from the page. */
static void xapic_leaving_tsc_deadline_mode_disarms(void **state)
{
    (void)state;
    xapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | 0x40, 0);
    vlapic_write_tsc_deadline(&vl, 1000, 0);
    assert_int_equal(vl.tsc_deadline, 1000);
    xapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_ONESHOT | 0x40, 10);
    assert_int_equal(vl.tsc_deadline, 0);       /* model: 1000 */
    assert_int_equal(vlapic_timer_poll(&vl, 2000), -1); /* model: fires vector 0x40 */
}

/* The same bug, periodic to one-shot: in xAPIC mode the change went unnoticed, so the period
 * survived and a one-shot timer kept firing every period.  SDM 11.5.4.1 disarms only on
 * TSC-deadline transitions: the count in progress ends once, then nothing more. */
static void xapic_leaving_periodic_mode_stops_the_period(void **state)
{
    (void)state;
    xapic_write(APIC_TIMER_DCR, 0xb, 0); /* divide by 1 */
    xapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_PERIODIC | 0x41, 0);
    xapic_write(APIC_TIMER_ICR, 100, 0);
    assert_int_equal(vlapic_timer_poll(&vl, 100), 0x41);
    xapic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_ONESHOT | 0x41, 150);
    assert_int_equal(vl.timer_period, 0); /* model: 100 */
    int fired = 0;
    for (uint64_t now = 200; now <= 1000; now += 100)
        fired += vlapic_timer_poll(&vl, now) >= 0;
    assert_int_equal(fired, 1); /* model: 9, once a period */
}

/* fuzz_vlapic, "current count ... above the initial count" (KNOWN_BUG_DCR_RESCALE).
 * SDM 11.5.4: the current count counts down from the initial count at the rate the divide
 * configuration sets; a new divide value changes the rate, not the count.  The model keeps the
 * expiry in TSC ticks, so the count read back is rescaled by the new divisor: 1000 counted at
 * divide-by-2 reads 2000 after switching to divide-by-1.  Fix: on a DCR write with the timer
 * running, recompute the deadline (and period) from the remaining count at the new divisor, as
 * KVM's update_target_expiration does. */
static void divide_change_mid_count_keeps_the_count(void **state)
{
    (void)state;
    uint64_t ccr;
    assert_int_equal(vlapic_write(&vl, APIC_TIMER_ICR, 1000, 0).result, VLAPIC_DONE); /* DCR 0: divide by 2 */
    assert_true(vlapic_read(&vl, APIC_TIMER_CCR, 0, &ccr));
    assert_int_equal(ccr, 1000);
    assert_int_equal(vlapic_write(&vl, APIC_TIMER_DCR, 0xb, 0).result, VLAPIC_DONE); /* divide by 1 */
    vapic_write(&page, APIC_TIMER_DCR, 0xb);
    assert_true(vlapic_read(&vl, APIC_TIMER_CCR, 0, &ccr));
    assert_true(ccr <= 1000); /* model: 2000 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(xapic_leaving_tsc_deadline_mode_disarms, setup_xapic),
        cmocka_unit_test_setup(xapic_leaving_periodic_mode_stops_the_period, setup_xapic),
        cmocka_unit_test_setup(divide_change_mid_count_keeps_the_count, setup_x2apic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
