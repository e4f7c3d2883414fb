#include "vmm/host/tsc.h"

#include "lib/cpu.h"

static uint64_t tsc_khz = 1000000; /* until calibrated: assume 1 GHz */

void tsc_set_khz(uint64_t khz)
{
    if (khz)
        tsc_khz = khz;
}

uint64_t tsc_get_khz(void)
{
    return tsc_khz;
}

uint64_t tsc_us_to_ticks(uint64_t us)
{
    return us * tsc_khz / 1000;
}

int tsc_elapsed_us(uint64_t start, uint64_t us)
{
    return rdtsc() - start >= tsc_us_to_ticks(us);
}

void udelay(uint64_t us)
{
    uint64_t start = rdtsc();
    while (!tsc_elapsed_us(start, us))
        cpu_relax();
}
