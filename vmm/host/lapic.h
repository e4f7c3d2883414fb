/* The host's own local APIC, as the hypervisor uses it (xAPIC or x2APIC, whichever the
 * firmware left enabled). */
#ifndef VMM_HOST_LAPIC_H
#define VMM_HOST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

void lapic_init(void);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_mask_firmware_interrupts(void);
/* Sends an IPI: icr_low is the ICR's low 32 bits (vector, delivery mode, level, trigger). */
void lapic_send_ipi(uint32_t dest_apic_id, uint32_t icr_low);

#define ICR_DM_FIXED    (0u << 8)
#define ICR_DM_NMI      (4u << 8)
#define ICR_DM_INIT     (5u << 8)
#define ICR_DM_STARTUP  (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_BUSY        (1u << 12)

#endif
