/* The MC146818 as an offset from the caller's clock.  While the clock runs, the time registers
 * are computed from unix_seconds + offset on each read; hold() writes them into the CMOS bytes
 * (in register B's format) and release() makes the offset from those bytes, which is how SET and
 * a write to one time register are both done.  Register behaviour follows the Motorola MC146818A
 * data sheet ("Register A" to "Register D", "Time, Calendar and Alarm Locations").  The calendar is the proleptic Gregorian one, computed with
 * 64-bit integers only (the hypervisor is freestanding): the day counts follow H. Hinnant's
 * "chrono-Compatible Low-Level Date Algorithms", whose year starts in March so that the leap day
 * comes last. */
#include "vmm/dev/rtc.h"

#include <string.h>

#define REG_SECONDS      0x00
#define REG_MINUTES      0x02
#define REG_HOURS        0x04
#define REG_DAY_OF_WEEK  0x06
#define REG_DAY          0x07
#define REG_MONTH        0x08
#define REG_YEAR         0x09
#define REG_A            0x0a
#define REG_B            0x0b
#define REG_C            0x0c
#define REG_D            0x0d
#define REG_CENTURY      0x32

#define INDEX_NMI_MASK   0x80u
#define A_UIP            0x80u
#define A_POWER_ON       0x26u /* DV = 010: 32.768 kHz time base; RS = 0110: 1.024 kHz */
#define B_SET            0x80u
#define B_UIE            0x10u
#define B_BINARY         0x04u
#define B_24H            0x02u
#define C_IRQF           0x80u
#define C_UF             0x10u
#define D_VRT            0x80u
#define HOURS_PM         0x80u
#define FLOATING_BUS     0xffu

#define SECONDS_PER_DAY  86400
#define DAYS_PER_WEEK    7
#define EPOCH_WEEKDAY    4      /* 1970-01-01 was a Thursday (Sunday = 0) */
#define DAYS_PER_ERA     146097 /* 400 Gregorian years */
#define EPOCH_ERA_DAY    719468 /* 1970-01-01 counted from 0000-03-01 */

enum field { F_SECONDS, F_MINUTES, F_HOURS, F_DAY_OF_WEEK, F_DAY, F_MONTH, F_YEAR, F_CENTURY, FIELDS };
static const uint8_t field_reg[FIELDS] = {
    REG_SECONDS, REG_MINUTES, REG_HOURS, REG_DAY_OF_WEEK, REG_DAY, REG_MONTH, REG_YEAR, REG_CENTURY,
};

/* --- the calendar --------------------------------------------------------------------------- */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days from 1970-01-01 to y-m-d, m 1-12; a day past the month's end runs into the next month. */
static int64_t days_from_civil(int64_t y, unsigned m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                        /* [0, 399] */
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* from 1 March */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - EPOCH_ERA_DAY;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += EPOCH_ERA_DAY;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;                                  /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                      /* March = 0 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t weekday(int64_t days)
{
    return floor_mod(days + EPOCH_WEEKDAY, DAYS_PER_WEEK);
}

/* The time registers' values (binary, 24-hour) for time t. */
static void fields_of(int64_t t, uint8_t weekday_shift, unsigned f[FIELDS])
{
    int64_t days = floor_div(t, SECONDS_PER_DAY), second = t - days * SECONDS_PER_DAY, year;
    civil_from_days(days, &year, &f[F_MONTH], &f[F_DAY]);
    f[F_SECONDS] = (unsigned)(second % 60);
    f[F_MINUTES] = (unsigned)(second / 60 % 60);
    f[F_HOURS] = (unsigned)(second / 3600);
    f[F_DAY_OF_WEEK] = (unsigned)((weekday(days) + weekday_shift) % DAYS_PER_WEEK + 1);
    f[F_YEAR] = (unsigned)floor_mod(year, 100);
    f[F_CENTURY] = (unsigned)floor_mod(floor_div(year, 100), 100);
}

static int64_t time_of(const unsigned f[FIELDS])
{
    unsigned month = f[F_MONTH] < 1 ? 1 : f[F_MONTH] > 12 ? 12 : f[F_MONTH];
    int64_t days = days_from_civil((int64_t)f[F_CENTURY] * 100 + f[F_YEAR], month, f[F_DAY]);
    return days * SECONDS_PER_DAY + (int64_t)f[F_HOURS] * 3600 + f[F_MINUTES] * 60 + f[F_SECONDS];
}

/* --- register B's formats ------------------------------------------------------------------- */
static uint8_t to_bcd(unsigned v)
{
    return (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 0x0fu);
}

static bool twelve_hour(const struct rtc *r, enum field f)
{
    return f == F_HOURS && !(r->cmos[REG_B] & B_24H);
}

/* In 12-hour mode the hours byte holds 1-12 and its high-order bit is PM: hour 0 reads 12 AM,
 * hour 12 reads 12 PM. */
static uint8_t encode(const struct rtc *r, enum field f, unsigned v)
{
    uint8_t pm = 0;
    if (twelve_hour(r, f)) {
        pm = v >= 12 ? HOURS_PM : 0;
        v = (v + 11) % 12 + 1;
    }
    return (uint8_t)(((r->cmos[REG_B] & B_BINARY) ? (uint8_t)v : to_bcd(v)) | pm);
}

static unsigned decode(const struct rtc *r, enum field f, uint8_t byte)
{
    bool pm = twelve_hour(r, f) && (byte & HOURS_PM);
    if (twelve_hour(r, f))
        byte &= (uint8_t)~HOURS_PM;
    unsigned v = (r->cmos[REG_B] & B_BINARY) ? byte : from_bcd(byte);
    return twelve_hour(r, f) ? v % 12 + (pm ? 12 : 0) : v;
}

/* --- the clock ------------------------------------------------------------------------------ */
static bool is_time_reg(uint8_t index)
{
    for (unsigned i = 0; i < FIELDS; i++)
        if (field_reg[i] == index)
            return true;
    return false;
}

static bool stopped(const struct rtc *r)
{
    return r->cmos[REG_B] & B_SET;
}

/* The time registers take the running clock's time. */
static void hold(struct rtc *r, uint64_t unix_seconds)
{
    unsigned f[FIELDS];
    fields_of((int64_t)(unix_seconds + r->offset), r->weekday_shift, f);
    for (unsigned i = 0; i < FIELDS; i++)
        r->cmos[field_reg[i]] = encode(r, i, f[i]);
}

/* The clock runs on from the time registers.  The day of week keeps its own offset from the
 * date's weekday, since the chip counts it apart. */
static void release(struct rtc *r, uint64_t unix_seconds)
{
    unsigned f[FIELDS];
    for (unsigned i = 0; i < FIELDS; i++)
        f[i] = decode(r, i, r->cmos[field_reg[i]]);
    int64_t t = time_of(f);
    int64_t written = (int64_t)f[F_DAY_OF_WEEK] - 1;
    r->offset = (uint64_t)t - unix_seconds;
    r->weekday_shift = (uint8_t)floor_mod(written - weekday(floor_div(t, SECONDS_PER_DAY)), DAYS_PER_WEEK);
}

/* SET = 1 stops the once-a-second update so that the program can initialise the time and calendar
 * bytes; SET = 0 lets the clock run on from them. */
static void write_b(struct rtc *r, uint8_t value, uint64_t unix_seconds)
{
    bool was_stopped = stopped(r);
    if (!was_stopped && (value & B_SET))
        hold(r, unix_seconds);
    r->cmos[REG_B] = value;
    if (was_stopped && !(value & B_SET))
        release(r, unix_seconds);
}

/* Register C: UF is set by each update cycle, once a second while SET is clear, and IRQF with it
 * when UIE is set; reading register C clears its flags. */
static uint8_t read_c(struct rtc *r, uint64_t unix_seconds)
{
    uint8_t c = 0;
    if (unix_seconds > r->flags_read_at && !stopped(r))
        c = (r->cmos[REG_B] & B_UIE) ? C_UF | C_IRQF : C_UF;
    r->flags_read_at = unix_seconds;
    return c;
}

static uint8_t read_data(struct rtc *r, uint64_t unix_seconds)
{
    switch (r->index) {
    case REG_C: return read_c(r, unix_seconds);
    case REG_D: return D_VRT; /* valid RAM and time: the battery never failed */
    default: break;
    }
    if (is_time_reg(r->index) && !stopped(r))
        hold(r, unix_seconds);
    return r->cmos[r->index];
}

static void write_data(struct rtc *r, uint8_t value, uint64_t unix_seconds)
{
    bool running = is_time_reg(r->index) && !stopped(r);
    switch (r->index) {
    case REG_A: r->cmos[REG_A] = value & (uint8_t)~A_UIP; return; /* UIP is read-only */
    case REG_B: write_b(r, value, unix_seconds); return;
    case REG_C:
    case REG_D: return; /* read-only */
    default: break;
    }
    if (running)
        hold(r, unix_seconds);
    r->cmos[r->index] = value;
    if (running)
        release(r, unix_seconds);
}

void rtc_init(struct rtc *r)
{
    memset(r, 0, sizeof(*r));
    r->cmos[REG_A] = A_POWER_ON;
    r->cmos[REG_B] = B_24H;
}

bool rtc_claims(uint16_t port)
{
    return port == RTC_PORT_INDEX || port == RTC_PORT_DATA;
}

uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t unix_seconds)
{
    return port == RTC_PORT_DATA ? read_data(r, unix_seconds) : FLOATING_BUS;
}

void rtc_write(struct rtc *r, uint16_t port, uint8_t value, uint64_t unix_seconds)
{
    if (port == RTC_PORT_INDEX) {
        r->index = value & (uint8_t)~INDEX_NMI_MASK;
        r->nmi_masked = value & INDEX_NMI_MASK;
    } else if (port == RTC_PORT_DATA) {
        write_data(r, value, unix_seconds);
    }
}

bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}
