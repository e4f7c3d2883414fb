/* APIC ID register formats and x2APIC logical ID derivation (SDM 11.4.6 "Local APIC ID",
 * 11.12.10.2 "Deriving Logical x2APIC ID from the Local x2APIC ID"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vlapic/ldr.h"

static void x2apic_ldr_is_cluster_and_one_hot_bit(void **state)
{
    (void)state;
    /* cluster = ID[19:4] in 31:16, 1 << ID[3:0] in 15:0, computed by hand */
    assert_int_equal(x2apic_ldr_from_id(0x00), 0x00000001);
    assert_int_equal(x2apic_ldr_from_id(0x01), 0x00000002);
    assert_int_equal(x2apic_ldr_from_id(0x0f), 0x00008000);
    assert_int_equal(x2apic_ldr_from_id(0x10), 0x00010001);
    assert_int_equal(x2apic_ldr_from_id(0x25), 0x00020020);
    assert_int_equal(x2apic_ldr_from_id(0xfffff), 0xffff8000);
    /* bits 31:20 of the ID do not take part */
    assert_int_equal(x2apic_ldr_from_id(0x12300025), 0x00020020);
}

static void id_register_format_depends_on_mode(void **state)
{
    (void)state;
    assert_int_equal(apic_id_register(3, false), 0x03000000);
    assert_int_equal(apic_id_register(3, true), 0x00000003);
    assert_int_equal(apic_id_register(0x1234, true), 0x00001234);
    assert_int_equal(apic_id_from_register(0x05000000, false), 5);
    assert_int_equal(apic_id_from_register(0x00000105, true), 0x105);
}

static void xapic_ids_are_8_bit_and_not_broadcast(void **state)
{
    (void)state;
    assert_true(apic_id_fits_xapic(0));
    assert_true(apic_id_fits_xapic(0xfe));
    assert_false(apic_id_fits_xapic(0xff));
    assert_false(apic_id_fits_xapic(0x100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x2apic_ldr_is_cluster_and_one_hot_bit),
        cmocka_unit_test(id_register_format_depends_on_mode),
        cmocka_unit_test(xapic_ids_are_8_bit_and_not_broadcast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
