/* The CMOS RTC (vmm/dev/rtc.c), read and set through ports 0x70/0x71 the way Linux's
 * mc146818_get_time and mc146818_set_time do.  Every expected date below was computed apart from
 * the model, with GNU date: `date -u -d @N '+%Y-%m-%d %H:%M:%S %a'`, and is written out as the
 * register bytes the MC146818 data sheet gives for it (BCD unless register B says binary; day of
 * week 1-7 with Sunday = 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/rtc.h"

#define IDX  0x70
#define DATA 0x71
#define NMI_OFF 0x80

#define SEC 0x00
#define MIN 0x02
#define HOUR 0x04
#define WDAY 0x06
#define MDAY 0x07
#define MON 0x08
#define YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define CENTURY 0x32

#define B_SET 0x80
#define B_UIE 0x10
#define B_BINARY 0x04
#define B_24H 0x02

static struct rtc rtc;

static uint8_t cmos_read(uint8_t index, uint64_t now)
{
    rtc_write(&rtc, IDX, index, now);
    return rtc_read(&rtc, DATA, now);
}

static void cmos_write(uint8_t index, uint8_t value, uint64_t now)
{
    rtc_write(&rtc, IDX, index, now);
    rtc_write(&rtc, DATA, value, now);
}

static int setup(void **state)
{
    (void)state;
    rtc_init(&rtc);
    return 0;
}

/* The clock registers in the order sec, min, hour, day of week, day, month, year, century. */
static const uint8_t regs[8] = { SEC, MIN, HOUR, WDAY, MDAY, MON, YEAR, CENTURY };

static void assert_time(uint64_t now, const uint8_t expect[8])
{
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(cmos_read(regs[i], now), expect[i]);
}

static const struct {
    uint64_t unix_seconds;
    uint8_t bcd[8];
} known[] = {
    { 1796025105, { 0x45, 0x51, 0x07, 0x02, 0x30, 0x11, 0x26, 0x20 } }, /* 2026-11-30 07:51:45 Mon */
    { 0,          { 0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x70, 0x19 } }, /* 1970-01-01 00:00:00 Thu */
    { 946684799,  { 0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 } }, /* 1999-12-31 23:59:59 Fri */
    { 951782400,  { 0x00, 0x00, 0x00, 0x03, 0x29, 0x02, 0x00, 0x20 } }, /* 2000-02-29 00:00:00 Tue */
    { 1709164799, { 0x59, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24, 0x20 } }, /* 2024-02-28 23:59:59 Wed */
    { 1709251199, { 0x59, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20 } }, /* 2024-02-29 23:59:59 Thu */
    { 2147483648, { 0x08, 0x14, 0x03, 0x03, 0x19, 0x01, 0x38, 0x20 } }, /* 2038-01-19 03:14:08 Tue */
    { 4102444799, { 0x59, 0x59, 0x23, 0x05, 0x31, 0x12, 0x99, 0x20 } }, /* 2099-12-31 23:59:59 Thu */
    { 4102444800, { 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x00, 0x21 } }, /* 2100-01-01 00:00:00 Fri */
    { 4107542400, { 0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x00, 0x21 } }, /* 2100-03-01 00:00:00 Mon */
};

static void known_dates_in_bcd(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_time(known[i].unix_seconds, known[i].bcd);
}

static void binary_mode(void **state)
{
    (void)state;
    static const uint8_t expect[8] = { 45, 51, 7, 2, 30, 11, 26, 20 };
    assert_int_equal(cmos_read(REG_B, 0), B_24H); /* power-on: 24-hour BCD */
    cmos_write(REG_B, B_24H | B_BINARY, 0);
    assert_time(1796025105, expect);
}

/* 12-hour format: 1-12 with bit 7 for PM; midnight is 12 AM, noon 12 PM. */
static void twelve_hour_format(void **state)
{
    (void)state;
    static const struct { uint64_t t; uint8_t bcd, binary; } hours[] = {
        { 1795996800, 0x12, 12 },        /* 2026-11-30 00:00:00 */
        { 1796025105, 0x07, 7 },         /* 07:51:45 */
        { 1796040000, 0x92, 0x80 | 12 }, /* 12:00:00 */
        { 1796043906, 0x81, 0x80 | 1 },  /* 13:05:06 */
        { 1796083198, 0x91, 0x80 | 11 }, /* 23:59:58 */
    };
    for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
        cmos_write(REG_B, 0, hours[i].t);
        assert_int_equal(cmos_read(HOUR, hours[i].t), hours[i].bcd);
        cmos_write(REG_B, B_BINARY, hours[i].t);
        assert_int_equal(cmos_read(HOUR, hours[i].t), hours[i].binary);
    }
    /* written in 12-hour format: 9 PM is 21:00 */
    cmos_write(REG_B, 0, 1796025105);
    cmos_write(HOUR, 0x89, 1796025105);
    cmos_write(REG_B, B_24H, 1796025105);
    assert_int_equal(cmos_read(HOUR, 1796025105), 0x21);
}

/* mc146818_set_time: SET, the clock registers, SET cleared; the clock runs on from them. */
static void set_time_under_set(void **state)
{
    (void)state;
    static const uint8_t set[8] = { 0x09, 0x08, 0x07, 0x02, 0x06, 0x05, 0x30, 0x20 };
    static const uint8_t later[8] = { 0x14, 0x08, 0x07, 0x02, 0x06, 0x05, 0x30, 0x20 };
    static const uint8_t day_after[8] = { 0x14, 0x08, 0x07, 0x03, 0x07, 0x05, 0x30, 0x20 };
    uint64_t host = 1796025105;
    cmos_write(REG_B, B_24H | B_SET, host);
    for (unsigned i = 0; i < 8; i++)
        cmos_write(regs[i], set[i], host + 1);
    assert_time(host + 3, set); /* stopped while SET */
    cmos_write(REG_B, B_24H, host + 10);
    assert_time(host + 15, later);         /* 1904281694: 2030-05-06 07:08:14 Mon */
    assert_time(host + 15 + 86400, day_after);
}

/* Across a century, from a time the guest set, and before 1970. */
static void guest_set_times_roll_over(void **state)
{
    (void)state;
    static const uint8_t eve[8] = { 0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 };
    static const uint8_t y2k[8] = { 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20 };
    static const uint8_t eve_1969[8] = { 0x58, 0x59, 0x23, 0x04, 0x31, 0x12, 0x69, 0x19 };
    static const uint8_t epoch[8] = { 0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x70, 0x19 };
    uint64_t host = 1796025105;
    cmos_write(REG_B, B_24H | B_SET, host);
    for (unsigned i = 0; i < 8; i++)
        cmos_write(regs[i], eve[i], host);
    cmos_write(REG_B, B_24H, host);
    assert_time(host, eve);
    assert_time(host + 1, y2k); /* 1999-12-31 was a Friday, 2000-01-01 a Saturday */

    cmos_write(REG_B, B_24H | B_SET, host + 5);
    for (unsigned i = 0; i < 8; i++)
        cmos_write(regs[i], eve_1969[i], host + 5);
    cmos_write(REG_B, B_24H, host + 5);
    assert_time(host + 7, epoch); /* 1969-12-31 was a Wednesday */
}

/* A time register written while the clock runs takes effect at once; impossible values are
 * normalised; the day of week keeps what was written and moves on at midnight. */
static void writes_while_running(void **state)
{
    (void)state;
    uint64_t host = 1796025105; /* 2026-11-30 07:51:45 */
    cmos_write(MIN, 0x59, host);
    assert_int_equal(cmos_read(MIN, host), 0x59);
    assert_int_equal(cmos_read(HOUR, host + 15), 0x08); /* 07:59:45 + 15 s */
    assert_int_equal(cmos_read(MIN, host + 15), 0x00);
    assert_int_equal(cmos_read(SEC, host + 15), 0x00);
    cmos_write(MDAY, 0x31, host + 20); /* 31 November */
    assert_int_equal(cmos_read(MDAY, host + 20), 0x01);
    assert_int_equal(cmos_read(MON, host + 20), 0x12);
    cmos_write(WDAY, 0x07, host + 20);
    assert_int_equal(cmos_read(WDAY, host + 20), 0x07);
    assert_int_equal(cmos_read(WDAY, host + 20 + 86400), 0x01);
    assert_int_equal(cmos_read(MDAY, host + 20 + 86400), 0x02);
}

static void register_c_reads_clear(void **state)
{
    (void)state;
    uint64_t host = 1796025105;
    assert_int_equal(cmos_read(REG_C, host), 0x10); /* UF: updates have happened since power-on */
    assert_int_equal(cmos_read(REG_C, host), 0x00);
    assert_int_equal(cmos_read(REG_C, host + 1), 0x10);
    assert_int_equal(cmos_read(REG_C, host + 1), 0x00);
    cmos_write(REG_B, B_24H | B_UIE, host + 1);
    assert_int_equal(cmos_read(REG_C, host + 3), 0x90); /* IRQF with UF and UIE */
    cmos_write(REG_B, B_24H | B_SET, host + 3);
    assert_int_equal(cmos_read(REG_C, host + 9), 0x00); /* no updates under SET */
    cmos_write(REG_C, 0xff, host + 9);
    assert_int_equal(cmos_read(REG_C, host + 9), 0x00);
}

static void registers_a_and_d(void **state)
{
    (void)state;
    assert_int_equal(cmos_read(REG_A, 0), 0x26);
    cmos_write(REG_A, 0xff, 0);
    assert_int_equal(cmos_read(REG_A, 0), 0x7f); /* UIP is read-only and 0 */
    assert_int_equal(cmos_read(REG_D, 0), 0x80);
    cmos_write(REG_D, 0x00, 0);
    assert_int_equal(cmos_read(REG_D, 0), 0x80);
}

static void nmi_bit_is_not_part_of_the_index(void **state)
{
    (void)state;
    assert_false(rtc_nmi_masked(&rtc));
    rtc_write(&rtc, IDX, NMI_OFF | REG_B, 0);
    assert_true(rtc_nmi_masked(&rtc));
    assert_int_equal(rtc_read(&rtc, DATA, 0), B_24H);
    rtc_write(&rtc, IDX, NMI_OFF | 0x40, 0);
    rtc_write(&rtc, DATA, 0x5a, 0);
    rtc_write(&rtc, IDX, 0x40, 0);
    assert_false(rtc_nmi_masked(&rtc));
    assert_int_equal(rtc_read(&rtc, DATA, 0), 0x5a);
    assert_int_equal(rtc_read(&rtc, IDX, 0), 0xff); /* the index port is write-only */
}

/* Everything from 0x0E up but the century is plain RAM (0x0F: Linux's warm-reset shutdown code). */
static void cmos_ram(void **state)
{
    (void)state;
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != CENTURY)
            cmos_write((uint8_t)i, (uint8_t)(i * 7 + 1), 0);
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != CENTURY)
            assert_int_equal(cmos_read((uint8_t)i, 12345), (uint8_t)(i * 7 + 1));
    cmos_write(0x01, 0x30, 0); /* alarm seconds: stored, not acted on */
    assert_int_equal(cmos_read(0x01, 99), 0x30);
}

static void ports(void **state)
{
    (void)state;
    for (unsigned port = 0; port < 0x10000; port++)
        assert_int_equal(rtc_claims((uint16_t)port), port == 0x70 || port == 0x71);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(known_dates_in_bcd, setup),
        cmocka_unit_test_setup(binary_mode, setup),
        cmocka_unit_test_setup(twelve_hour_format, setup),
        cmocka_unit_test_setup(set_time_under_set, setup),
        cmocka_unit_test_setup(guest_set_times_roll_over, setup),
        cmocka_unit_test_setup(writes_while_running, setup),
        cmocka_unit_test_setup(register_c_reads_clear, setup),
        cmocka_unit_test_setup(registers_a_and_d, setup),
        cmocka_unit_test_setup(nmi_bit_is_not_part_of_the_index, setup),
        cmocka_unit_test_setup(cmos_ram, setup),
        cmocka_unit_test_setup(ports, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
