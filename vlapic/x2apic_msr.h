/* The x2APIC MSR address space (SDM Vol. 3A 11.12.1.2 "x2APIC Register Address Space", table
 * "Local APIC Register Address Map Supported by x2APIC") and the MSR-bitmap policy that goes
 * with virtualize-x2APIC mode (Vol. 3C "Virtualizing MSR-Based APIC Accesses"). */
#ifndef VLAPIC_X2APIC_MSR_H
#define VLAPIC_X2APIC_MSR_H

#include <stdint.h>

#include "vlapic/mode.h"

enum x2apic_msr_access {
    X2APIC_MSR_INVALID, /* no register: RDMSR and WRMSR #GP */
    X2APIC_MSR_RO,      /* WRMSR #GP */
    X2APIC_MSR_WO,      /* RDMSR #GP: EOI, SELF IPI */
    X2APIC_MSR_RW,
};

/* How msr may be accessed in x2APIC mode.  Invalid: anything outside 0x800-0x8FF, the holes,
 * APR (0x809), RRD (0x80C), DFR (0x80E), ICR_HI (0x831: the ICR is the one 64-bit MSR 0x830)
 * and LVT CMCI (0x82F: we present no CMCI LVT, see VAPIC_VERSION).  Reserved-bit checks
 * (SDM 11.12.1.3, e.g. ESR accepts only 0) are the WRMSR handler's business. */
enum x2apic_msr_access x2apic_msr_access(uint32_t msr);

/* The VMX MSR bitmap (SDM Vol. 3C 25.6.9 "MSR-Bitmap Address"): four 1 KiB bitmaps at offsets
 * 0x000 (reads of 0-0x1FFF), 0x400 (reads of 0xC0000000-0xC0001FFF), 0x800 and 0xC00 (writes of
 * the same ranges); MSR m is bit m % 8 of byte m / 8; a 1 bit makes the access exit. */
#define MSR_BITMAP_SIZE 4096u

/* Sets and clears the bits for 0x800-0x8FF and IA32_APIC_BASE (0x1B) for a vCPU in mode at an
 * apicv level (mode.h); every other bit is left to the caller.  At APICV_VID and APICV_FULL:
 *  - x2APIC (the hypervisor runs it with virtualize x2APIC mode, APIC-register virtualization
 *    and virtual-interrupt delivery): reads of readable registers pass through and are served
 *    from the virtual-APIC page, except the timer current count (0x839), which the page does not
 *    hold live.  Reads of invalid and write-only registers exit, since the CPU would otherwise
 *    return page contents where the guest must get #GP.  Writes to TPR (0x808), EOI (0x80B) and
 *    SELF IPI (0x83F) pass through (virtualized by virtual-interrupt delivery); all other writes
 *    exit.
 *  - x2APIC at APICV_TPR (virtualize x2APIC mode without register virtualization, SDM 30.5):
 *    only TPR (0x808) reads and writes pass through, virtualized by the TPR shadow; everything
 *    else exits to the register model.  At APICV_OFF every access exits.
 *  - xAPIC or disabled: every access to 0x800-0x8FF exits (it must #GP, and with virtualize
 *    x2APIC mode off the CPU would otherwise reach the physical x2APIC).
 *  - IA32_APIC_BASE: reads and writes always exit; writes follow mode.h, and a passed-through
 *    read would return the host's value, not the guest's. */
void msr_bitmap_apply_apic_policy(uint8_t bitmap[MSR_BITMAP_SIZE], enum lapic_mode mode, enum apicv_level level);

#endif
