/* Time from the TSC, calibrated once against the firmware before handover. */
#ifndef VMM_HOST_TSC_H
#define VMM_HOST_TSC_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void tsc_set_khz(uint64_t khz);
/* The TSC's rate in kHz, as calibrated (1 GHz until then). */
uint64_t tsc_get_khz(void);
void udelay(uint64_t us);
/* TSC ticks in `us` microseconds. */
uint64_t tsc_us_to_ticks(uint64_t us);
/* True once `us` microseconds have passed since `start` (a TSC value). */
int tsc_elapsed_us(uint64_t start, uint64_t us);

#endif
