/* Time from the TSC, calibrated once against PIT channel 2. */
#ifndef GUEST_TIMEBASE_H
#define GUEST_TIMEBASE_H

#include <stdbool.h>
#include <stdint.h>

/* Measures the TSC rate over CALIBRATION_MS of PIT channel 2; returns it in Hz (0: the PIT never
 * counted down). */
uint64_t tsc_calibrate(void);
uint64_t tsc_hz(void);

uint64_t tsc_deadline_us(uint64_t us);
bool tsc_passed(uint64_t deadline);
uint64_t tsc_to_us(uint64_t cycles);
void delay_us(uint64_t us);

#endif
