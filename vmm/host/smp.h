/* Starting the application processors after handover. */
#ifndef VMM_HOST_SMP_H
#define VMM_HOST_SMP_H

#include <stdint.h>

/* Copies the trampoline to `trampoline` (a page below 1 MiB), then starts each AP in turn with
 * INIT-SIPI-SIPI; each runs ap_main(percpu) on its own stack with the BSP's page tables.
 * Returns the number of APs that came online. */
unsigned smp_start_aps(uint64_t trampoline, uint64_t cr3, void (*ap_main)(void *percpu));

#endif
