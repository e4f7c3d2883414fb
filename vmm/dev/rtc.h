/* The PC's CMOS real-time clock, a Motorola MC146818: an index port (0x70) whose bit 7 masks NMI
 * and is not part of the index, a data port (0x71), and 128 bytes behind them: the clock and
 * calendar (0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week with Sunday = 1, 0x07 day of
 * month, 0x08 month, 0x09 year of the century, and 0x32 the century as the IBM PC/AT keeps it and
 * the ACPI FADT's CENTURY field names it), the alarm bytes 0x01/0x03/0x05, registers A-D at
 * 0x0A-0x0D, and battery-backed RAM.
 *
 * The clock is the caller's: every access takes unix_seconds, the wall time as seconds since
 * 1970-01-01 00:00:00 UTC, and the guest sees UTC (what Linux expects of a PC's RTC) plus whatever
 * it has set: setting the time stores an offset from unix_seconds, never touching the host.
 * Registers B's DM (bit 2, binary instead of BCD) and 24/12 (bit 1; in 12-hour format bit 7 of
 * the hours is PM) choose how the time registers read and are written; the default is 24-hour BCD
 * (B = 0x02), as PC firmware leaves it (Linux's rtc-cmos refuses 12-hour mode in cmos_do_probe).
 *
 * Setting the time: under SET (register B bit 7) the clock registers are plain bytes that keep
 * what was written, and clearing SET starts the clock from them, as on the chip (Linux's
 * mc146818_set_time).  A time register written while SET is clear takes effect at once.  Values a
 * real clock cannot show are normalised once the clock runs from them: 75 seconds reads as 15
 * seconds into the next minute, day 31 of November as 1 December, a month outside 1-12 as the
 * nearest of the two.  The day of week counts apart from the date, as on the chip: it keeps what
 * was written to it, and moves on each midnight.
 *
 * Register A's UIP reads 0: the registers are computed whole on each read and are never caught
 * mid-update, and a second that turns between two reads shows in Linux's mc146818_avoid_UIP
 * (under mc146818_get_time), which reads the seconds before and after the other registers and
 * starts again if they differ.  Register C reads UF once a second has turned since the last read
 * of C (IRQF with it when UIE is set) and reading clears it; register D reads VRT (valid RAM and
 * time).
 *
 * Not modelled: the periodic, alarm and update interrupts (IRQ8 is never raised; PF and AF stay
 * clear), square-wave output, daylight saving (DSE is stored, not acted on), the divider (register
 * A's DV and RS are stored; a divider reset does not stop the clock), and the extended CMOS bank
 * at 0x72/0x73. */
#ifndef VMM_DEV_RTC_H
#define VMM_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA  0x71
#define RTC_CMOS_BYTES 128

/* The fields are rtc.c's, here so that the owner can embed struct rtc. */
struct rtc {
    uint8_t cmos[RTC_CMOS_BYTES]; /* the clock registers hold the time only while SET */
    uint8_t index;
    bool nmi_masked;
    uint64_t offset;        /* the guest's clock minus unix_seconds, modulo 2^64 */
    uint8_t weekday_shift;  /* day-of-week register minus the date's weekday, modulo 7 */
    uint64_t flags_read_at; /* unix_seconds at the last read of register C */
};

/* The clock at the host's time, 24-hour BCD, register A 0x26 (32.768 kHz time base, 1.024 kHz
 * periodic rate, as PC firmware leaves it), the rest of the RAM 0, NMI not masked. */
void rtc_init(struct rtc *r);
/* 0x70 and 0x71. */
bool rtc_claims(uint16_t port);
/* A guest IN of one byte; the index port is write-only and reads 0xff. */
uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t unix_seconds);
/* A guest OUT of one byte. */
void rtc_write(struct rtc *r, uint16_t port, uint8_t value, uint64_t unix_seconds);
/* Bit 7 of the last index written: NMI is masked (for the owner that delivers NMIs). */
bool rtc_nmi_masked(const struct rtc *r);

#endif
