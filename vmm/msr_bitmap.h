/* The MSR bitmap outside the x2APIC range (SDM 25.6.9): everything intercepted except the MSRs
 * whose state lives only in the guest (the host never uses SYSCALL or SWAPGS). */
#ifndef VMM_MSR_BITMAP_H
#define VMM_MSR_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/x2apic_msr.h" /* MSR_BITMAP_SIZE */

void msr_bitmap_intercept_all(uint8_t *bitmap);
void msr_bitmap_pass_through(uint8_t *bitmap, uint32_t msr);
bool msr_bitmap_intercepts(const uint8_t *bitmap, uint32_t msr, bool write);
/* intercept_all, then pass through the guest-only MSRs. */
void msr_bitmap_init_guest(uint8_t *bitmap);

#endif
