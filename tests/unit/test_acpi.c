/* Finding how to enter ACPI S5 from hand-built tables (ACPI 6.5 chapter 5 layouts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/host/acpi.h"

static uint8_t rsdp[36], xsdt[36 + 8], fadt[244], dsdt[64];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_checksum(uint8_t *t, size_t len, size_t at)
{
    uint8_t sum = 0;
    t[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum += t[i];
    t[at] = (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 2;
}

/* Name(_S5_, Package(4){0x05, Zero, Zero, Zero}) as iasl emits it. */
static const uint8_t s5_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00 };

static int build(void **state)
{
    (void)state;
    memset(rsdp, 0, sizeof(rsdp));
    memset(xsdt, 0, sizeof(xsdt));
    memset(fadt, 0, sizeof(fadt));
    memset(dsdt, 0, sizeof(dsdt));
    header(dsdt, "DSDT", sizeof(dsdt));
    memcpy(dsdt + 40, s5_aml, sizeof(s5_aml));
    fix_checksum(dsdt, sizeof(dsdt), 9);
    header(fadt, "FACP", sizeof(fadt));
    put32(fadt + 40, (uint32_t)0xdead); /* 32-bit DSDT: ignored when X_DSDT is set */
    put32(fadt + 64, 0xb004);           /* PM1a_CNT_BLK */
    put64(fadt + 140, (uint64_t)(uintptr_t)dsdt);
    fix_checksum(fadt, sizeof(fadt), 9);
    header(xsdt, "XSDT", sizeof(xsdt));
    put64(xsdt + 36, (uint64_t)(uintptr_t)fadt);
    fix_checksum(xsdt, sizeof(xsdt), 9);
    memcpy(rsdp, "RSD PTR ", 8);
    rsdp[15] = 2;
    put64(rsdp + 24, (uint64_t)(uintptr_t)xsdt);
    fix_checksum(rsdp, 20, 8);
    return 0;
}

static void s5_found_through_xsdt_and_x_dsdt(void **state)
{
    (void)state;
    struct acpi_s5 s5;
    assert_true(acpi_find_s5(rsdp, &s5));
    assert_int_equal(s5.pm1a_cnt, 0xb004);
    assert_int_equal(s5.pm1b_cnt, 0);
    assert_int_equal(s5.slp_typa, 5);
    assert_int_equal(s5.slp_typb, 0);
    /* SLP_TYP 5 in bits 12:10 plus SLP_EN (bit 13) */
    assert_int_equal(acpi_pm1_sleep_value(5), 0x3400);
}

static void bad_tables_are_refused(void **state)
{
    (void)state;
    struct acpi_s5 s5;
    assert_false(acpi_find_s5(NULL, &s5));
    fadt[100] ^= 1; /* FADT checksum broken: the table is not used */
    assert_false(acpi_find_s5(rsdp, &s5));
    fadt[100] ^= 1;
    assert_true(acpi_find_s5(rsdp, &s5));
    rsdp[0] = 'X';
    assert_false(acpi_find_s5(rsdp, &s5));
}

static void missing_s5_object_is_refused(void **state)
{
    (void)state;
    struct acpi_s5 s5;
    dsdt[42] = 'X'; /* _X5_ */
    fix_checksum(dsdt, sizeof(dsdt), 9);
    assert_false(acpi_find_s5(rsdp, &s5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(s5_found_through_xsdt_and_x_dsdt, build),
        cmocka_unit_test_setup(bad_tables_are_refused, build),
        cmocka_unit_test_setup(missing_s5_object_is_refused, build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
