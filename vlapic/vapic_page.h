/* Seeding a vCPU's virtual-APIC page and keeping its ID/LDR/DFR in the format of the vCPU's mode.
 *
 * Every vCPU needs its own page, seeded before the first VM entry: with APIC-register
 * virtualization a guest RDMSR 0x802 (or a read of 0xFEE00020) returns the page contents, so an
 * unseeded or shared page gives every vCPU the same garbage ID (seeds/001). */
#ifndef VLAPIC_VAPIC_PAGE_H
#define VLAPIC_VAPIC_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/mode.h"
#include "vlapic/vapic_regs.h"

/* The version register we present: version 0x14 (an integrated xAPIC, SDM 11.4.8 "Local APIC
 * Version Register"), max LVT entry 5 (six LVTs: timer, thermal, performance, LINT0, LINT1,
 * error; no CMCI LVT because apicvisor does not virtualize machine checks), and bit 24 clear:
 * we do not offer EOI-broadcast suppression, which needs an I/O APIC with a directed-EOI
 * register that apicvisor does not promise.  The same value as Xen's and KVM's defaults. */
#define VAPIC_VERSION 0x00050014u
#define VAPIC_MAX_LVT 5u

/* Fills page with the register values after power-up or reset (SDM 11.4.7.1 "Local APIC State
 * After Power-Up or Reset": IRR, ISR, TMR, ICR, LDR, TPR, timer counts and divide 0; DFR all
 * ones; LVTs masked; SVR 0xFF, software-disabled) for a vCPU with APIC ID apic_id in mode:
 *  - xAPIC: ID register = apic_id << 24, LDR 0, DFR 0xFFFFFFFF;
 *  - x2APIC: ID register = apic_id, LDR derived from it (read-only, ldr.h), DFR 0 (it does not
 *    exist in x2APIC mode and reads of it are intercepted);
 *  - disabled: as xAPIC (the page is what the guest will see once it enables the APIC).
 * Returns false, leaving the page untouched, when apic_id cannot be used in that mode (xAPIC
 * IDs are 8 bits and 0xFF is broadcast) or mode is LAPIC_MODE_INVALID. */
bool vapic_page_seed(struct vapic_page *page, uint32_t apic_id, enum lapic_mode mode);

/* Updates the page after an accepted IA32_APIC_BASE write changed the mode to new_mode:
 *  - to x2APIC (only reachable from xAPIC): SDM 11.12.5.1 "State Changes From xAPIC Mode to
 *    x2APIC Mode": the ID becomes the 32-bit x2APIC ID, the LDR is derived, DFR and the high half
 *    of the ICR are not preserved; all other state is kept.
 *  - to disabled or xAPIC: SDM 11.12.5.1 "x2APIC Transitions From Disabled Mode": register state
 *    other than the x2APIC ID is not preserved, so the page is re-seeded with reset values.
 * Returns false (page untouched) for the same bad inputs as vapic_page_seed. */
bool vapic_page_switch_mode(struct vapic_page *page, uint32_t apic_id, enum lapic_mode new_mode);

#endif
