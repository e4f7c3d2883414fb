/* The register model of a (virtual-)APIC page: 32-bit registers at 16-byte strides, the 256-bit
 * vector registers ISR/TMR/IRR, and the priority rules.  Shared by the APICv code (which reads
 * and writes the virtual-APIC page, Vol. 3C "Virtual-APIC Page") and a future software vLAPIC.
 *
 * None of this is atomic: the caller must own the page, i.e. the vCPU is not in VMX non-root
 * operation on any CPU.  Other CPUs deliver interrupts through the posted-interrupt descriptor
 * (pi_desc.h) instead. */
#ifndef VLAPIC_VAPIC_REGS_H
#define VLAPIC_VAPIC_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/apic_regs.h"

struct vapic_page {
    _Alignas(APIC_PAGE_SIZE) uint32_t word[APIC_PAGE_SIZE / 4];
};
_Static_assert(sizeof(struct vapic_page) == APIC_PAGE_SIZE, "one 4 KiB page");

/* offset is a byte offset, a multiple of 4 below 0x1000 (out-of-range offsets read 0 and writes
 * are dropped, so a decoding bug cannot scribble past the page). */
uint32_t vapic_read(const struct vapic_page *page, uint32_t offset);
void vapic_write(struct vapic_page *page, uint32_t offset, uint32_t value);

/* Vector registers: base is APIC_ISR, APIC_TMR or APIC_IRR.  Vector v is bit v % 32 of the
 * register at base + (v / 32) * 16 (SDM 11.8.4 "Interrupt Acceptance for Fixed Interrupts"). */
bool vapic_vector_test(const struct vapic_page *page, uint32_t base, uint8_t vector);
void vapic_vector_set(struct vapic_page *page, uint32_t base, uint8_t vector);
void vapic_vector_clear(struct vapic_page *page, uint32_t base, uint8_t vector);
/* The highest vector set in the register, or -1 when none is (the RVI/SVI candidates of
 * Vol. 3C "Guest Interrupt Status"). */
int vapic_highest_vector(const struct vapic_page *page, uint32_t base);
/* ORs a 256-bit set (bits[0] holds vectors 0-63) into the register: posted interrupts into IRR. */
void vapic_vectors_or(struct vapic_page *page, uint32_t base, const uint64_t bits[4]);
/* The register as a 256-bit set in the same layout. */
void vapic_vectors_read(const struct vapic_page *page, uint32_t base, uint64_t bits[4]);

/* SDM 11.8.3.1 "Task and Processor Priorities": PPR = TPR if TPR[7:4] >= ISRV[7:4], else
 * ISRV[7:4] << 4 (low nibble 0), where ISRV is the highest in-service vector or 0. */
uint32_t apic_ppr(uint32_t tpr, uint32_t isrv);
/* The PPR for the page's TPR and ISR. */
uint32_t vapic_compute_ppr(const struct vapic_page *page);

#endif
