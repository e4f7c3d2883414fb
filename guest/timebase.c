#include "guest/timebase.h"

#include "guest/x86.h"

#define PIT_HZ 1193182u
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PORT_B 0x61            /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */
#define CALIBRATION_MS 50
/* Before calibration the TSC rate is unknown: assume a fast one so early timeouts are long. */
#define TSC_HZ_UNCALIBRATED 4000000000ull

static uint64_t hz = TSC_HZ_UNCALIBRATED;

/* Channel 2 in mode 0 (interrupt on terminal count): its output rises when the count reaches 0. */
uint64_t tsc_calibrate(void)
{
    uint16_t count = PIT_HZ / 1000 * CALIBRATION_MS;
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
    outb(PIT_COMMAND, 0xb0);   /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CHANNEL2, count & 0xff);
    outb(PIT_CHANNEL2, count >> 8);
    uint64_t start = rdtsc();
    uint64_t give_up = start + 10 * TSC_HZ_UNCALIBRATED;   /* about ten seconds at most */
    while (!(inb(PORT_B) & 0x20))
        if (rdtsc() > give_up)
            return 0;
    hz = (rdtsc() - start) * 1000 / CALIBRATION_MS;
    return hz;
}

uint64_t tsc_hz(void)
{
    return hz;
}

uint64_t tsc_deadline_us(uint64_t us)
{
    return rdtsc() + us * (hz / 1000000);
}

bool tsc_passed(uint64_t deadline)
{
    return rdtsc() >= deadline;
}

uint64_t tsc_to_us(uint64_t cycles)
{
    return cycles / (hz / 1000000);
}

void delay_us(uint64_t us)
{
    uint64_t deadline = tsc_deadline_us(us);
    while (!tsc_passed(deadline))
        cpu_relax();
}
