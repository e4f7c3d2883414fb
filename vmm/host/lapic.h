/* The host's own local APIC, as the hypervisor uses it (xAPIC or x2APIC, whichever the
 * firmware left enabled, or x2APIC after the test hook host_x2apic=on, vmm/options.h). */
#ifndef VMM_HOST_LAPIC_H
#define VMM_HOST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Caches the BSP's LAPIC mode (IA32_APIC_BASE.EXTD) for every CPU: the APs must be in the same
 * mode before they use any lapic_*() below. */
void lapic_init(void);
bool lapic_x2apic(void);

/* Whether this CPU's own LAPIC is in x2APIC mode now, whatever lapic_init() cached. */
bool lapic_this_cpu_x2apic(void);

enum lapic_switch {
    LAPIC_SWITCHED,   /* it was in xAPIC mode and is now in x2APIC mode */
    LAPIC_WAS_X2APIC, /* nothing to do */
    LAPIC_NO_X2APIC,  /* CPUID.1:ECX[21] = 0: it stays in xAPIC mode */
    LAPIC_DISABLED,   /* IA32_APIC_BASE.EN = 0: disabled -> x2APIC is not a legal transition */
};

/* Switches this CPU's own LAPIC from xAPIC to x2APIC mode (SDM Vol. 3A 11.12.5 "x2APIC State
 * Transitions": set EXTD with EN set; the x2APIC ID is the same number).  It does not change what
 * lapic_init() cached: on the BSP call it before lapic_init(). */
enum lapic_switch lapic_switch_to_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_mask_firmware_interrupts(void);
/* This CPU's LAPIC timer in TSC-deadline mode (SDM 11.5.4.1): an interrupt with `vector` when the
 * TSC reaches `tsc`; 0 disarms it.  Needs CPUID.1:ECX[24]. */
void lapic_timer_at_tsc(uint64_t tsc, uint8_t vector);
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
