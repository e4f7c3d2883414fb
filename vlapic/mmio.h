/* xAPIC MMIO accesses that the CPU hands to the hypervisor (fault-like APIC-access VM exits,
 * SDM Vol. 3C 29.4: a size or offset it does not virtualize, or a register it does not read
 * from the virtual-APIC page, like the timer current count).  The 4 KiB page is a row of 16-byte
 * slots; each register is the slot's first 4 bytes, and bytes 4-15 are reserved and read 0.
 *
 * Writes that reach the hypervisor this way are ignored: the CPU virtualizes every aligned
 * 32-bit write to a writable register itself (APIC-write exits, SDM 29.4.3.2), so what remains is
 * a write to a read-only or reserved register (ignored by the xAPIC, SDM 11.4.1) or one of another
 * size or alignment, which apicvisor ignores as KVM does (the SDM leaves such accesses undefined:
 * 11.4.1 "registers are 32 bits ... aligned on 128-bit boundaries"). */
#ifndef VLAPIC_MMIO_H
#define VLAPIC_MMIO_H

#include <stdint.h>

#include "vlapic/vlapic.h"

/* The value a load of size bytes (1, 2, 4 or 8) at page offset gives: each byte from its
 * register, shifted to its place; reserved bytes, invalid registers and bytes beyond the page
 * read 0. */
uint64_t vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size, uint64_t now);

/* A store of size bytes at page offset when no APIC-access page virtualizes it (apicv=tpr/off,
 * where the xAPIC page is trapped through the EPT): an aligned 32-bit write to a writable
 * register is stored in the page and applied (vlapic_write), exactly as the CPU stores it before
 * an APIC-write exit (SDM 30.4.3.2-3); every other store is ignored, as above. */
struct vlapic_outcome vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size, uint32_t value,
                                        uint64_t now);

#endif
