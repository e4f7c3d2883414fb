/* Destination matching (SDM 11.6.2 "Determining IPI Destination", 11.12.10 "x2APIC Logical
 * Destination Mode").  LDR values are written by hand from the SDM formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vlapic/dest.h"

#define FLAT    0xffffffffu
#define CLUSTER 0x0fffffffu
#define NO_SOURCE 99u

static struct icr_fields ipi(uint32_t dest, bool logical, enum apic_shorthand sh, bool x2apic)
{
    struct icr_fields f = {.vector = 0x31, .delivery = APIC_DM_FIXED, .logical = logical, .level_assert = true,
                           .shorthand = sh, .dest = dest, .x2apic = x2apic};
    return f;
}

static uint64_t send(const struct apic_target *t, unsigned n, unsigned source, struct icr_fields f)
{
    return apic_ipi_targets(t, n, source, &f);
}

static const struct apic_target xapic_flat[4] = {
    {0, LAPIC_MODE_XAPIC, 0x01000000, FLAT},
    {1, LAPIC_MODE_XAPIC, 0x02000000, FLAT},
    {2, LAPIC_MODE_XAPIC, 0x04000000, FLAT},
    {3, LAPIC_MODE_XAPIC, 0x08000000, FLAT},
};

static void xapic_physical(void **state)
{
    (void)state;
    assert_int_equal(send(xapic_flat, 4, 0, ipi(2, false, APIC_SH_NONE, false)), 0x4);
    assert_int_equal(send(xapic_flat, 4, 0, ipi(7, false, APIC_SH_NONE, false)), 0);
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0xff, false, APIC_SH_NONE, false)), 0xf);
    /* 0xFF is not broadcast in an x2APIC-format ICR: it is APIC ID 255 */
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0xff, false, APIC_SH_NONE, true)), 0);
}

static void xapic_logical_flat(void **state)
{
    (void)state;
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0x06, true, APIC_SH_NONE, false)), 0x6);
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0x10, true, APIC_SH_NONE, false)), 0);
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0xff, true, APIC_SH_NONE, false)), 0xf);
}

static void xapic_logical_cluster(void **state)
{
    (void)state;
    static const struct apic_target t[4] = {
        {0, LAPIC_MODE_XAPIC, 0x11000000, CLUSTER},
        {1, LAPIC_MODE_XAPIC, 0x12000000, CLUSTER},
        {2, LAPIC_MODE_XAPIC, 0x21000000, CLUSTER},
        {3, LAPIC_MODE_XAPIC, 0x22000000, CLUSTER},
    };
    assert_int_equal(send(t, 4, 0, ipi(0x13, true, APIC_SH_NONE, false)), 0x3); /* cluster 1, both */
    assert_int_equal(send(t, 4, 0, ipi(0x22, true, APIC_SH_NONE, false)), 0x8); /* cluster 2, bit 1 */
    assert_int_equal(send(t, 4, 0, ipi(0x34, true, APIC_SH_NONE, false)), 0);   /* no cluster 3 */
    assert_int_equal(send(t, 4, 0, ipi(0x14, true, APIC_SH_NONE, false)), 0);   /* no bit 2 in 1 */
    assert_int_equal(send(t, 4, 0, ipi(0xff, true, APIC_SH_NONE, false)), 0xf); /* broadcast */
    /* the same LDRs read with the flat model would match on any shared bit */
    static const struct apic_target bad_model = {0, LAPIC_MODE_XAPIC, 0x11000000, 0x7fffffff};
    assert_int_equal(send(&bad_model, 1, NO_SOURCE, ipi(0x11, true, APIC_SH_NONE, false)), 0);
}

static const struct apic_target x2[4] = {
    {0x00, LAPIC_MODE_X2APIC, 0x00000001, 0},
    {0x01, LAPIC_MODE_X2APIC, 0x00000002, 0},
    {0x10, LAPIC_MODE_X2APIC, 0x00010001, 0},
    {0x25, LAPIC_MODE_X2APIC, 0x00020020, 0},
};

static void x2apic_physical_and_cluster(void **state)
{
    (void)state;
    assert_int_equal(send(x2, 4, 0, ipi(0x25, false, APIC_SH_NONE, true)), 0x8);
    assert_int_equal(send(x2, 4, 0, ipi(0x125, false, APIC_SH_NONE, true)), 0);
    assert_int_equal(send(x2, 4, 0, ipi(0xffffffff, false, APIC_SH_NONE, true)), 0xf);
    assert_int_equal(send(x2, 4, 0, ipi(0x00000003, true, APIC_SH_NONE, true)), 0x3); /* cluster 0 */
    assert_int_equal(send(x2, 4, 0, ipi(0x00010001, true, APIC_SH_NONE, true)), 0x4);
    assert_int_equal(send(x2, 4, 0, ipi(0x00020020, true, APIC_SH_NONE, true)), 0x8);
    assert_int_equal(send(x2, 4, 0, ipi(0x00020001, true, APIC_SH_NONE, true)), 0);   /* bit 0 not in 2 */
    assert_int_equal(send(x2, 4, 0, ipi(0xffffffff, true, APIC_SH_NONE, true)), 0xf);
}

static void shorthands_ignore_the_destination(void **state)
{
    (void)state;
    assert_int_equal(send(x2, 4, 2, ipi(0x25, false, APIC_SH_SELF, true)), 0x4);
    assert_int_equal(send(x2, 4, 2, ipi(0x25, false, APIC_SH_ALL_INCLUDING_SELF, true)), 0xf);
    assert_int_equal(send(x2, 4, 2, ipi(0x25, false, APIC_SH_ALL_EXCLUDING_SELF, true)), 0xb);
    assert_int_equal(send(xapic_flat, 4, 0, ipi(0, true, APIC_SH_ALL_EXCLUDING_SELF, false)), 0xe);
    /* a sender that is not a vCPU (an MSI): "self" reaches nobody, "excluding self" everybody */
    assert_int_equal(send(x2, 4, NO_SOURCE, ipi(0, false, APIC_SH_SELF, true)), 0);
    assert_int_equal(send(x2, 4, NO_SOURCE, ipi(0, false, APIC_SH_ALL_EXCLUDING_SELF, true)), 0xf);
}

static void disabled_apics_never_match(void **state)
{
    (void)state;
    static const struct apic_target t[3] = {
        {0, LAPIC_MODE_XAPIC, 0x01000000, FLAT},
        {1, LAPIC_MODE_DISABLED, 0x02000000, FLAT},
        {2, LAPIC_MODE_INVALID, 0x04000000, FLAT},
    };
    assert_int_equal(send(t, 3, 0, ipi(1, false, APIC_SH_NONE, false)), 0);
    assert_int_equal(send(t, 3, 0, ipi(0xff, false, APIC_SH_NONE, false)), 0x1);
    assert_int_equal(send(t, 3, 0, ipi(0x7, true, APIC_SH_NONE, false)), 0x1);
    assert_int_equal(send(t, 3, 0, ipi(0, false, APIC_SH_ALL_INCLUDING_SELF, false)), 0x1);
    assert_int_equal(send(t, 3, 1, ipi(0, false, APIC_SH_SELF, false)), 0);
}

static void mixed_modes_during_ap_bringup(void **state)
{
    (void)state;
    /* the BSP is in x2APIC mode, the APs still in xAPIC mode: physical INIT by number works */
    static const struct apic_target t[3] = {
        {0, LAPIC_MODE_X2APIC, 0x00000001, 0},
        {1, LAPIC_MODE_XAPIC, 0, FLAT},
        {2, LAPIC_MODE_XAPIC, 0, FLAT},
    };
    struct icr_fields init = ipi(2, false, APIC_SH_NONE, true);
    init.delivery = APIC_DM_INIT;
    assert_int_equal(apic_ipi_targets(t, 3, 0, &init), 0x4);
}

static void lowest_priority_picks_the_lowest_index(void **state)
{
    (void)state;
    struct icr_fields f = ipi(0x0c, true, APIC_SH_NONE, false);
    f.delivery = APIC_DM_LOWEST;
    assert_int_equal(apic_ipi_targets(xapic_flat, 4, 0, &f), 0x4);
    f.dest = 0xff;
    assert_int_equal(apic_ipi_targets(xapic_flat, 4, 0, &f), 0x1);
    f.dest = 0x30;
    assert_int_equal(apic_ipi_targets(xapic_flat, 4, 0, &f), 0);
    f.shorthand = APIC_SH_ALL_EXCLUDING_SELF;
    assert_int_equal(apic_ipi_targets(xapic_flat, 4, 0, &f), 0x2);
}

static void sixty_four_targets_fill_the_mask(void **state)
{
    (void)state;
    static struct apic_target many[70];
    for (unsigned i = 0; i < 70; i++)
        many[i] = (struct apic_target){i, LAPIC_MODE_X2APIC, 0, 0};
    assert_int_equal(send(many, 70, 0, ipi(0xffffffff, false, APIC_SH_NONE, true)), UINT64_MAX);
    assert_int_equal(send(many, 70, 0, ipi(63, false, APIC_SH_NONE, true)), 1ull << 63);
    assert_int_equal(send(many, 70, 0, ipi(65, false, APIC_SH_NONE, true)), 0); /* beyond the mask */
    struct icr_fields f = ipi(0, false, APIC_SH_NONE, true);
    assert_true(apic_dest_matches(&many[0], 0, NO_SOURCE, &f));
    assert_false(apic_dest_matches(&many[1], 1, NO_SOURCE, &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xapic_physical),
        cmocka_unit_test(xapic_logical_flat),
        cmocka_unit_test(xapic_logical_cluster),
        cmocka_unit_test(x2apic_physical_and_cluster),
        cmocka_unit_test(shorthands_ignore_the_destination),
        cmocka_unit_test(disabled_apics_never_match),
        cmocka_unit_test(mixed_modes_during_ap_bringup),
        cmocka_unit_test(lowest_priority_picks_the_lowest_index),
        cmocka_unit_test(sixty_four_targets_fill_the_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
