/* The CMOS clock (vmm/dev/rtc.c) on random sequences of index and data port accesses, register B
 * format changes, time setting (SET, single registers while running) and a wall clock
 * (unix_seconds) that never goes back.  The struct lives in an exact heap allocation, and every
 * call runs under UBSan.  The target keeps a picture of what was written, from rtc.h and the
 * MC146818A data sheet, and its own calendar (days counted year by year from 0000-01-01, nothing
 * shared with rtc.c), and checks:
 *  - while the clock runs, every time register reads valid in register B's format: BCD digits
 *    (both nibbles below 10) in BCD mode, seconds and minutes below 60, hours below 24 (24-hour)
 *    or 1-12 with bit 7 as PM (12-hour), day of week 1-7, day 1 to the month's length, month 1-12,
 *    year and century below 100; under SET the registers read back what was written (or, not
 *    written since SET stopped the clock, valid in the format they were held in);
 *  - the clock runs with unix_seconds: two readings of the time and date with no time setting
 *    between them are exactly as many seconds apart as unix_seconds moved (modulo the 10,000
 *    years the registers span), and the day of week keeps its distance from the date's weekday;
 *  - a time setting (SET cleared after the eight registers were written under it, or one register
 *    written while the clock runs) starts the clock from the time the registers name, normalised
 *    as rtc.h says (75 seconds is 15 seconds into the next minute, day 31 of November 1 December,
 *    month 0 or above 12 the nearest of 1 and 12), recomputed here from the bytes whenever each is
 *    a number in B's format; a valid value written to seconds, minutes, hours, day of week, year or
 *    century while the clock runs reads back at once, and a whole valid time set under SET reads
 *    back when SET is cleared;
 *  - register A reads as written without UIP (bit 7), B as written, C is UF (with IRQF when UIE
 *    is set) exactly when unix_seconds has moved since the last read of C with the clock running,
 *    and 0 otherwise, D reads VRT (0x80), the RAM and alarm bytes read back what was written;
 *    C and D ignore writes; the index port reads 0xff and its bit 7 is rtc_nmi_masked;
 *  - only 0x70 and 0x71 are claimed. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/rtc.h"

enum { SEC, MIN, HOUR, WDAY, DAY, MON, YEAR, CENT, NFIELDS };
static const uint8_t field_idx[NFIELDS] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };
#define CYCLE_DAYS 3652425ll /* 10,000 Gregorian years: 25 cycles of 400 years */
#define CYCLE_SECONDS (CYCLE_DAYS * 86400ll)

static struct picture {
    uint8_t ram[RTC_CMOS_BYTES]; /* RAM and alarm bytes, A, B; the time registers under SET */
    bool known[RTC_CMOS_BYTES];  /* a time register written since SET stopped the clock */
    uint8_t index, held_fmt;     /* held_fmt: B's DM and 24/12 bits when SET held the time */
    bool nmi;
    uint64_t c_read_at;
    unsigned epoch;              /* moves with every time setting */
} pict;

static struct rtc *r;
static uint64_t now;

static int field_of(uint8_t idx)
{
    for (int f = 0; f < NFIELDS; f++)
        if (field_idx[f] == idx)
            return f;
    return -1;
}

static bool running(void)
{
    return !(pict.ram[0x0b] & 0x80);
}

static bool leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(long y, unsigned m)
{
    static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[m - 1] + (m == 2 && leap(y));
}

/* A byte as the number it stands for in format fmt (B's bits 2 and 1); -1 if it is not a valid
 * one (bad BCD digit, 12-hour hour outside 1-12).  Hours come back 0-23. */
static int number(int f, uint8_t byte, uint8_t fmt)
{
    bool binary = fmt & 0x04, h12 = f == HOUR && !(fmt & 0x02);
    bool pm = h12 && (byte & 0x80);
    if (h12)
        byte &= 0x7f;
    if (!binary && ((byte & 0xf) > 9 || (byte >> 4) > 9))
        return -1;
    int v = binary ? byte : (byte >> 4) * 10 + (byte & 0xf);
    if (h12) {
        if (v < 1 || v > 12)
            return -1;
        v = v % 12 + (pm ? 12 : 0);
    }
    return v;
}

/* Whether the value v (0-23 for hours) is one the clock can show; day not checked here. */
static bool in_range(int f, int v)
{
    static const int lo[NFIELDS] = { 0, 0, 0, 1, 1, 1, 0, 0 }, hi[NFIELDS] = { 59, 59, 23, 7, 31, 12, 99, 99 };
    return v >= lo[f] && v <= hi[f];
}

struct reading {
    uint8_t byte[NFIELDS];
    int v[NFIELDS];
};

/* The eight time registers, all valid in format fmt and the day within its month. */
static bool valid_time(struct reading *t, uint8_t fmt, char *why, size_t n)
{
    for (int f = 0; f < NFIELDS; f++) {
        t->v[f] = number(f, t->byte[f], fmt);
        if (t->v[f] < 0 || !in_range(f, t->v[f])) {
            snprintf(why, n, "register %#x is %#x (format %#x)", field_idx[f], t->byte[f], fmt);
            return false;
        }
    }
    long year = t->v[CENT] * 100L + t->v[YEAR];
    if ((unsigned)t->v[DAY] > month_days(year, (unsigned)t->v[MON])) {
        snprintf(why, n, "day %d of month %d of %ld", t->v[DAY], t->v[MON], year);
        return false;
    }
    return true;
}

/* Days from 0000-01-01 to day d (any number: past the month's end it runs on) of month m (1-12)
 * of year y, counted with the month lengths above. */
static long long days_civil(long y, unsigned m, long d)
{
    long long days = 365LL * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400; /* leap years before y */
    for (unsigned k = 1; k < m; k++)
        days += month_days(y, k);
    return days + d - 1;
}

static long long days_of(const struct reading *t)
{
    return days_civil(t->v[CENT] * 100L + t->v[YEAR], (unsigned)t->v[MON], t->v[DAY]);
}

/* The time the clock must run from once it takes these eight bytes in format fmt, as rtc.h
 * describes the normalisation (75 seconds is 15 seconds into the next minute, day 31 of November
 * is 1 December, a month outside 1-12 the nearest of the two); false when a byte is no number in
 * that format (a BCD digit above 9, a 12-hour hour outside 1-12), where rtc.h promises nothing. */
static bool seconds_from(const uint8_t byte[NFIELDS], uint8_t fmt, long long *out)
{
    int v[NFIELDS];
    for (int f = 0; f < NFIELDS; f++) {
        v[f] = number(f, byte[f], fmt);
        if (v[f] < 0 && f != WDAY) /* the day of week counts apart */
            return false;
    }
    unsigned month = v[MON] < 1 ? 1 : v[MON] > 12 ? 12 : (unsigned)v[MON];
    long long days = days_civil(v[CENT] * 100L + v[YEAR], month, v[DAY]);
    *out = days * 86400 + v[HOUR] * 3600LL + v[MIN] * 60LL + v[SEC];
    return true;
}

static long long mod_cycle(long long x)
{
    return (x % CYCLE_SECONDS + CYCLE_SECONDS) % CYCLE_SECONDS;
}

static long long seconds_of(const struct reading *t)
{
    return days_of(t) * 86400 + t->v[HOUR] * 3600LL + t->v[MIN] * 60LL + t->v[SEC];
}

/* Sunday 0; 0000-01-01 was a Saturday in the proleptic Gregorian calendar. */
static int weekday_of(const struct reading *t)
{
    return (int)((days_of(t) + 6) % 7);
}

/* A valid byte for field f in format fmt, from any b (the day 1-28, valid in every month). */
static uint8_t encode(int f, uint8_t b, uint8_t fmt)
{
    static const unsigned lo[NFIELDS] = { 0, 0, 0, 1, 1, 1, 0, 0 }, n[NFIELDS] = { 60, 60, 24, 7, 28, 12, 100, 100 };
    unsigned v = lo[f] + b % n[f];
    uint8_t pm = 0;
    if (f == HOUR && !(fmt & 0x02)) {
        pm = v >= 12 ? 0x80 : 0;
        v = (v + 11) % 12 + 1;
    }
    return (uint8_t)((fmt & 0x04 ? v : (v / 10) << 4 | v % 10) | pm);
}

/* --- port access through the picture ---------------------------------------------------------- */
static void set_index(uint8_t v)
{
    rtc_write(r, RTC_PORT_INDEX, v, now);
    pict.index = v & 0x7f;
    pict.nmi = v & 0x80;
    FUZZ_CHECK(rtc_nmi_masked(r) == pict.nmi, "index %#x: rtc_nmi_masked %d", v, rtc_nmi_masked(r));
}

/* Reads register idx and puts the guest's index back. */
static uint8_t peek(uint8_t idx)
{
    uint8_t keep = (uint8_t)(pict.index | (pict.nmi ? 0x80 : 0));
    rtc_write(r, RTC_PORT_INDEX, idx, now);
    uint8_t v = rtc_read(r, RTC_PORT_DATA, now);
    rtc_write(r, RTC_PORT_INDEX, keep, now);
    return v;
}

static void read_time(struct reading *t)
{
    for (int f = 0; f < NFIELDS; f++)
        t->byte[f] = peek(field_idx[f]);
}

/* The last reading of the running clock: when, in which epoch, and what it said. */
static struct {
    bool have;
    unsigned epoch;
    uint64_t at;
    long long seconds;
    int weekday_shift;
} last;

static void check_clock(void)
{
    struct reading t;
    char why[96];
    read_time(&t);
    if (!running()) {
        for (int f = 0; f < NFIELDS; f++)
            if (pict.known[field_idx[f]])
                FUZZ_CHECK(t.byte[f] == pict.ram[field_idx[f]], "under SET register %#x reads %#x, written %#x",
                           field_idx[f], t.byte[f], pict.ram[field_idx[f]]);
        return;
    }
    FUZZ_CHECK(valid_time(&t, pict.ram[0x0b], why, sizeof(why)), "at %llu the running clock reads %s",
               (unsigned long long)now, why);
    long long s = seconds_of(&t);
    int shift = ((t.v[WDAY] - 1 - weekday_of(&t)) % 7 + 7) % 7;
    if (last.have && last.epoch == pict.epoch) {
        long long moved = (long long)((now - last.at) % (uint64_t)CYCLE_SECONDS);
        long long shown = ((s - last.seconds) % CYCLE_SECONDS + CYCLE_SECONDS) % CYCLE_SECONDS;
        FUZZ_CHECK(shown == moved, "the clock moved %lld s while unix_seconds moved %llu (%llu -> %llu)", shown,
                   (unsigned long long)(now - last.at), (unsigned long long)last.at, (unsigned long long)now);
        FUZZ_CHECK(shift == last.weekday_shift, "the day of week moved apart from the date: %d, was %d", shift,
                   last.weekday_shift);
    }
    last.have = true;
    last.epoch = pict.epoch;
    last.at = now;
    last.seconds = s;
    last.weekday_shift = shift;
}

static void write_b(uint8_t v)
{
    bool was_running = running();
    if (was_running && (v & 0x80)) {
        pict.held_fmt = pict.ram[0x0b] & 0x06;
        for (int f = 0; f < NFIELDS; f++)
            pict.known[field_idx[f]] = false;
    }
    pict.ram[0x0b] = v;
    if (was_running != running())
        pict.epoch++;
}

/* After a time setting: the running clock reads valid and says `expect` seconds. */
static void check_set(long long expect, const char *what)
{
    check_clock();
    FUZZ_CHECK(last.have && mod_cycle(last.seconds) == mod_cycle(expect), "%s: the clock says %lld s into the "
               "10,000-year cycle, the registers set %lld", what, mod_cycle(last.seconds), mod_cycle(expect));
}

/* A data write at the current index, checked as far as the header promises. */
static void write_data(uint8_t v)
{
    uint8_t idx = pict.index;
    int f = field_of(idx);
    bool all_known = true, was_running = running();
    struct reading set;
    for (int g = 0; g < NFIELDS; g++) {
        all_known &= pict.known[field_idx[g]];
        set.byte[g] = pict.ram[field_idx[g]];
    }
    if (f >= 0 && was_running)
        read_time(&set); /* the time the write changes one field of */
    fuzz_trace("%llu: [%#x] <- %#x\n", (unsigned long long)now, idx, v);
    rtc_write(r, RTC_PORT_DATA, v, now);
    if (idx == 0x0a) {
        pict.ram[idx] = v & 0x7f;
    } else if (idx == 0x0b) {
        write_b(v);
        char why[96];
        long long expect;
        if (!was_running && running() && all_known && seconds_from(set.byte, v, &expect)) {
            check_set(expect, "SET cleared");
            if (valid_time(&set, v, why, sizeof(why))) {
                struct reading t;
                read_time(&t);
                for (int g = 0; g < NFIELDS; g++)
                    FUZZ_CHECK(t.byte[g] == set.byte[g], "the time set under SET: register %#x reads %#x, set %#x",
                               field_idx[g], t.byte[g], set.byte[g]);
            }
        }
    } else if (idx == 0x0c || idx == 0x0d) {
        /* read-only */
    } else if (f >= 0) {
        pict.epoch++;
        if (!running()) {
            pict.ram[idx] = v;
            pict.known[idx] = true;
            return;
        }
        long long expect;
        set.byte[f] = v;
        if (seconds_from(set.byte, pict.ram[0x0b], &expect))
            check_set(expect, "a time register written while running");
        int n = number(f, v, pict.ram[0x0b]);
        if (f != DAY && f != MON && n >= 0 && in_range(f, n)) {
            uint8_t back = peek(idx);
            FUZZ_CHECK(back == v, "register %#x written %#x while running reads %#x", idx, v, back);
        }
    } else {
        pict.ram[idx] = v;
    }
}

static void read_data(void)
{
    uint8_t idx = pict.index;
    uint8_t v = rtc_read(r, RTC_PORT_DATA, now);
    fuzz_trace("%llu: [%#x] -> %#x\n", (unsigned long long)now, idx, v);
    int f = field_of(idx);
    if (idx == 0x0c) {
        uint8_t expect = 0;
        if (now > pict.c_read_at && running())
            expect = pict.ram[0x0b] & 0x10 ? 0x90 : 0x10;
        FUZZ_CHECK(v == expect, "register C reads %#x at %llu (last read %llu), expected %#x", v,
                   (unsigned long long)now, (unsigned long long)pict.c_read_at, expect);
        pict.c_read_at = now;
    } else if (idx == 0x0d) {
        FUZZ_CHECK(v == 0x80, "register D reads %#x", v);
    } else if (f >= 0) {
        if (running()) {
            int n = number(f, v, pict.ram[0x0b]);
            FUZZ_CHECK(n >= 0 && in_range(f, n), "at %llu running register %#x reads %#x (format %#x)",
                       (unsigned long long)now, idx, v, pict.ram[0x0b]);
        } else if (pict.known[idx]) {
            FUZZ_CHECK(v == pict.ram[idx], "under SET register %#x reads %#x, written %#x", idx, v, pict.ram[idx]);
        } else if ((pict.ram[0x0b] & 0x06) == pict.held_fmt) {
            int n = number(f, v, pict.held_fmt);
            FUZZ_CHECK(n >= 0 && in_range(f, n), "held register %#x reads %#x (format %#x)", idx, v, pict.held_fmt);
        }
    } else {
        FUZZ_CHECK(v == pict.ram[idx], "register %#x reads %#x, written %#x", idx, v, pict.ram[idx]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    now = fuzz_bytes(&in, 5); /* up to 2^40 s, some 35,000 years: the century wraps */
    r = malloc(sizeof(*r));
    rtc_init(r);
    memset(&pict, 0, sizeof(pict));
    memset(&last, 0, sizeof(last));
    pict.ram[0x0a] = 0x26;
    pict.ram[0x0b] = 0x02;
    FUZZ_CHECK(!rtc_nmi_masked(r), "NMI masked after rtc_init");

    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        if (op & 0x80)
            now += fuzz_u8(&in);
        switch (op & 7) {
        case 0: { /* the index: mostly a time register or A-D */
            uint8_t v = fuzz_u8(&in);
            if (op & 0x08)
                v = (uint8_t)((v & 0x80) | (v & 0x10 ? field_idx[v % NFIELDS] : 0x0a + (v & 3)));
            fuzz_trace("%llu: index <- %#x\n", (unsigned long long)now, v);
            set_index(v);
            break;
        }
        case 1: write_data(fuzz_u8(&in)); break;
        case 2: read_data(); break;
        case 3: { /* the index port, or a port that is not the clock's */
            uint16_t port = op & 0x08 ? fuzz_u16(&in) : RTC_PORT_INDEX;
            FUZZ_CHECK(rtc_claims(port) == (port == 0x70 || port == 0x71), "rtc_claims(%#x)", port);
            if (port == RTC_PORT_INDEX)
                FUZZ_CHECK(rtc_read(r, port, now) == 0xff, "the index port reads %#x", rtc_read(r, port, now));
            break;
        }
        case 4: { /* time passes: a u16 or u32 */
            now += op & 0x08 ? fuzz_u32(&in) : fuzz_u16(&in);
            break;
        }
        case 5: check_clock(); break;
        case 6: { /* set the time as Linux's mc146818_set_time: SET, the registers, SET cleared */
            uint8_t fmt = (uint8_t)((op >> 3) & 0x06), keep = (uint8_t)(pict.index | (pict.nmi ? 0x80 : 0));
            bool valid = fuzz_u8(&in) & 1; /* a time the clock can show, or any bytes */
            set_index(0x0b);
            write_data((uint8_t)(0x80 | fmt));
            for (int f = 0; f < NFIELDS; f++) {
                set_index(field_idx[f]);
                write_data(valid ? encode(f, fuzz_u8(&in), fmt) : fuzz_u8(&in));
            }
            set_index(0x0b);
            write_data(fmt | (op & 0x40 ? 0x10 : 0));
            set_index(keep);
            break;
        }
        default: { /* register B alone: SET, UIE, DM, 24/12 and the rest */
            uint8_t keep = (uint8_t)(pict.index | (pict.nmi ? 0x80 : 0));
            set_index(0x0b);
            write_data(fuzz_u8(&in));
            set_index(keep);
            break;
        }
        }
    }
    check_clock();
    free(r);
    return 0;
}
