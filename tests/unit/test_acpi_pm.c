/* The ACPI PM1 registers and PM timer (vmm/dev/acpi_pm.c), accessed the way ACPICA accesses them
 * (16-bit PM1 registers, a 32-bit PM timer; the owner splits each into bytes, lowest port first)
 * and the way a sloppy guest might (byte and dword accesses).  Expectations from ACPI 6.5,
 * 4.8.3.1-4.8.3.3, tables 4.16-4.18, and the FADT of vmm/dev/acpi_tables.h (SCI_EN always set,
 * SLP_TYP in bits 12:10, SLP_EN bit 13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/acpi_tables.h"

#define PM1_STS ACPI_PM1A_EVT_PORT
#define PM1_EN  (ACPI_PM1A_EVT_PORT + 2)
#define PM1_CNT ACPI_PM1A_CNT_PORT
#define PM_TMR  ACPI_PM_TMR_PORT
#define EPOCH   (1ull << 31) /* TMR_STS: bit 31 of the timer changes */

static struct acpi_pm pm;
static uint64_t now;

static uint32_t in(uint16_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)acpi_pm_read(&pm, (uint16_t)(port + i), now) << (8 * i);
    return v;
}

/* Returns whether any byte asked for soft off. */
static bool out(uint16_t port, unsigned size, uint32_t value)
{
    bool off = false;
    for (unsigned i = 0; i < size; i++)
        off |= acpi_pm_write(&pm, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)), now);
    return off;
}

static int setup(void **state)
{
    (void)state;
    acpi_pm_init(&pm);
    now = 0;
    return 0;
}

static void the_blocks_are_where_the_fadt_says(void **state)
{
    (void)state;
    for (unsigned p = PM1_STS; p < PM1_STS + ACPI_PM1_EVT_LEN; p++)
        assert_true(acpi_pm_claims((uint16_t)p));
    for (unsigned p = PM1_CNT; p < PM1_CNT + ACPI_PM1_CNT_LEN; p++)
        assert_true(acpi_pm_claims((uint16_t)p));
    for (unsigned p = PM_TMR; p < PM_TMR + ACPI_PM_TMR_LEN; p++)
        assert_true(acpi_pm_claims((uint16_t)p));
    static const uint16_t others[] = { 0x5ff, 0x606, 0x607, 0x60c, 0x0, 0x3f8, 0xb000 };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_false(acpi_pm_claims(others[i]));
}

/* Always in ACPI mode (SMI_CMD = 0): SCI_EN reads 1 whatever is written. */
static void sci_en_is_always_set(void **state)
{
    (void)state;
    assert_int_equal(in(PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
    out(PM1_CNT, 2, 0);
    assert_int_equal(in(PM1_CNT, 2) & ACPI_PM1_CNT_SCI_EN, ACPI_PM1_CNT_SCI_EN);
}

/* SLP_TYP and BM_RLD read back; SLP_EN and GBL_RLS are write-only, reserved bits read 0. */
static void pm1_cnt_keeps_slp_typ_and_bm_rld_only(void **state)
{
    (void)state;
    assert_false(out(PM1_CNT, 2, 0xffff & ~ACPI_PM1_CNT_SLP_EN));
    assert_int_equal(in(PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN | (1u << 1) | ACPI_PM1_CNT_SLP_TYP_MASK);
    out(PM1_CNT, 1, 0);
    assert_int_equal(in(PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_SLP_TYP_MASK);
}

/* Linux's acpi_enter_sleep_state(ACPI_STATE_S5): SLP_TYP written first, then SLP_TYP | SLP_EN. */
static void slp_en_with_the_s5_type_is_soft_off(void **state)
{
    (void)state;
    uint32_t typ = ACPI_PM_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT;
    assert_false(out(PM1_CNT, 2, ACPI_PM1_CNT_SCI_EN | typ));
    assert_true(out(PM1_CNT, 2, ACPI_PM1_CNT_SCI_EN | typ | ACPI_PM1_CNT_SLP_EN));
    /* a byte write to the high half is enough: SLP_EN and SLP_TYP share that byte */
    setup(state);
    assert_true(out(PM1_CNT + 1, 1, (typ | ACPI_PM1_CNT_SLP_EN) >> 8));
    /* and a dword write at the block's start, as a guest might do */
    setup(state);
    assert_true(out(PM1_CNT, 4, typ | ACPI_PM1_CNT_SLP_EN));
}

static void slp_en_with_another_type_does_nothing(void **state)
{
    (void)state;
    for (uint32_t typ = 0; typ <= ACPI_SLP_TYP_MAX; typ++)
        if (typ != ACPI_PM_S5_SLP_TYP)
            assert_false(out(PM1_CNT, 2, (typ << ACPI_PM1_CNT_SLP_TYP_SHIFT) | ACPI_PM1_CNT_SLP_EN));
    /* the S5 type without SLP_EN is only a type */
    assert_false(out(PM1_CNT, 2, ACPI_PM_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT));
}

/* The PM timer: 3.579545 MHz from the caller's ticks, all 32 bits (TMR_VAL_EXT), read-only. */
static void pm_timer_reads_the_count_modulo_2_32(void **state)
{
    (void)state;
    now = 0x123456789abull;
    assert_int_equal(in(PM_TMR, 4), 0x456789abu);
    assert_int_equal(in(PM_TMR, 2), 0x89abu);
    assert_int_equal(in(PM_TMR + 2, 2), 0x4567u);
    assert_int_equal(in(PM_TMR + 3, 1), 0x45u);
    out(PM_TMR, 4, 0);
    assert_int_equal(in(PM_TMR, 4), 0x456789abu);
}

/* PM1_EN keeps its defined bits; the reserved ones read 0. */
static void pm1_en_keeps_its_bits(void **state)
{
    (void)state;
    out(PM1_EN, 2, 0xffff);
    assert_int_equal(in(PM1_EN, 2), 0x4721u); /* TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS */
    out(PM1_EN + 1, 1, 0);
    assert_int_equal(in(PM1_EN, 2), 0x21u);
    /* a dword access to the event block reaches both registers */
    assert_int_equal(in(PM1_STS, 4), 0x21u << 16);
}

/* TMR_STS comes each time bit 31 of the timer changes (4.8.3.3), and goes with a write of 1. */
static void tmr_sts_follows_bit_31(void **state)
{
    (void)state;
    now = EPOCH - 1;
    assert_int_equal(in(PM1_STS, 2), 0);
    now = EPOCH;
    assert_int_equal(in(PM1_STS, 2), ACPI_PM1_TMR_STS);
    out(PM1_STS, 2, 0xfffe); /* ones elsewhere clear nothing that is set */
    assert_int_equal(in(PM1_STS, 2), ACPI_PM1_TMR_STS);
    out(PM1_STS, 2, ACPI_PM1_TMR_STS);
    assert_int_equal(in(PM1_STS, 2), 0);
    now = 2 * EPOCH - 1;
    assert_int_equal(in(PM1_STS, 2), 0);
    now = 2 * EPOCH + 5; /* 1 -> 0 counts too */
    assert_int_equal(in(PM1_STS, 2), ACPI_PM1_TMR_STS);
}

/* The SCI: a level, up while TMR_STS and TMR_EN are both set; the next rise is predicted. */
static void the_sci_is_status_and_enable(void **state)
{
    (void)state;
    assert_false(acpi_pm_sci(&pm));
    assert_int_equal(acpi_pm_next_sci(&pm), 0); /* TMR_EN clear: nothing coming */
    out(PM1_EN, 2, ACPI_PM1_TMR_EN);
    assert_int_equal(acpi_pm_next_sci(&pm), EPOCH);
    assert_false(acpi_pm_sci(&pm));
    now = EPOCH + 3;
    acpi_pm_advance(&pm, now);
    assert_true(acpi_pm_sci(&pm));
    assert_int_equal(acpi_pm_next_sci(&pm), 0); /* already up */
    out(PM1_EN, 2, 0);
    assert_false(acpi_pm_sci(&pm));
    out(PM1_EN, 2, ACPI_PM1_TMR_EN);
    assert_true(acpi_pm_sci(&pm));
    out(PM1_STS, 2, ACPI_PM1_TMR_STS);
    assert_false(acpi_pm_sci(&pm));
    assert_int_equal(acpi_pm_next_sci(&pm), 2 * EPOCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(the_blocks_are_where_the_fadt_says, setup),
        cmocka_unit_test_setup(sci_en_is_always_set, setup),
        cmocka_unit_test_setup(pm1_cnt_keeps_slp_typ_and_bm_rld_only, setup),
        cmocka_unit_test_setup(slp_en_with_the_s5_type_is_soft_off, setup),
        cmocka_unit_test_setup(slp_en_with_another_type_does_nothing, setup),
        cmocka_unit_test_setup(pm_timer_reads_the_count_modulo_2_32, setup),
        cmocka_unit_test_setup(pm1_en_keeps_its_bits, setup),
        cmocka_unit_test_setup(tmr_sts_follows_bit_31, setup),
        cmocka_unit_test_setup(the_sci_is_status_and_enable, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
