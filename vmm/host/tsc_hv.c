#include "vmm/host/tsc.h"

#include "lib/cpu.h"

static uint64_t tsc_khz = 1000000; /* until calibrated: assume 1 GHz */

void tsc_set_khz(uint64_t khz)
{
    if (khz)
        tsc_khz = khz;
}

int tsc_elapsed_us(uint64_t start, uint64_t us)
{
    return rdtsc() - start >= us * tsc_khz / 1000;
}

void udelay(uint64_t us)
{
    uint64_t start = rdtsc();
    while (!tsc_elapsed_us(start, us))
        cpu_relax();
}
