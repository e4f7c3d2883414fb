/* The posted-interrupt descriptor (SDM Vol. 3C 29.6 "Posted-Interrupt Processing"; chapter
 * "APIC Virtualization and Virtual Interrupts") and the software side of the protocol.
 *
 * Layout (64 bytes, 64-byte aligned): bits 255:0 PIR, one bit per vector; bit 256 ON
 * (outstanding notification); bit 257 SN (suppress notification); bits 279:272 NV (notification
 * vector); bits 319:288 NDST (notification destination: the physical APIC ID of the CPU the vCPU
 * runs on, in the host's APIC mode: x2APIC: all 32 bits; xAPIC: the 8-bit ID in bits 15:8).
 *
 * Why no interrupt is lost or delivered twice:
 *  - A sender sets the vector's PIR bit with an atomic RMW and only then sets ON with another
 *    (both sequentially consistent, so they are full barriers and stay in that order).  It sends
 *    the notification IPI only if it moved ON from 0 to 1: exactly one sender notifies per
 *    "batch", and every other sender either found ON already set (someone has notified and the
 *    receiver has not yet started harvesting this batch) or left its bit for the next one.
 *  - The receiver clears ON first and only then exchanges each PIR word with 0 (pi_harvest).
 *    A bit set before the exchange is harvested now; a bit set after it was set after ON was
 *    cleared, so its sender's ON RMW comes after the clear in ON's modification order: either
 *    it sees ON = 0 and notifies, or a sender that set ON after the clear has notified already.
 *  - The exchange moves each bit to the IRR exactly once.  Posting a vector that is still pending
 *    merges with it, as the IRR does on real hardware (a request register, not a counter).
 *  - The CPU's own posted-interrupt processing (SDM 29.6, on receipt of NV in VMX non-root
 *    operation) follows the same order: it clears ON, then ORs PIR into VIRR and clears PIR.
 *  - SN: while SN is set a sender does not set ON and does not notify (the VT-d rule for posting
 *    to a vCPU that is not running); the bit stays in PIR.  So whoever clears SN must then call
 *    pi_harvest before the next VM entry (or send itself the notification).
 *
 * The hypervisor uses pi_harvest to move PIR into the virtual-APIC page's IRR
 * (vapic_vectors_or) and recompute RVI before VM entry when the target is not in non-root mode. */
#ifndef VLAPIC_PI_DESC_H
#define VLAPIC_PI_DESC_H

#include <stdbool.h>
#include <stdint.h>

struct pi_desc {
    _Alignas(64) uint64_t pir[4]; /* bit v % 64 of pir[v / 64] is vector v */
    uint64_t control;             /* bits 319:256 of the descriptor */
    uint64_t reserved[3];
};
_Static_assert(sizeof(struct pi_desc) == 64, "SDM 29.6: the descriptor is 64 bytes");

#define PI_CONTROL_ON          (1ull << 0)  /* descriptor bit 256 */
#define PI_CONTROL_SN          (1ull << 1)  /* descriptor bit 257 */
#define PI_CONTROL_NV_SHIFT    16           /* descriptor bits 279:272 */
#define PI_CONTROL_NV_MASK     (0xffull << PI_CONTROL_NV_SHIFT)
#define PI_CONTROL_NDST_SHIFT  32           /* descriptor bits 319:288 */
#define PI_CONTROL_NDST_MASK   (0xffffffffull << PI_CONTROL_NDST_SHIFT)

/* Clears the descriptor and sets NV and NDST (see pi_set_ndst).  Not atomic: before first use. */
void pi_desc_init(struct pi_desc *desc, uint8_t notification_vector, uint32_t apic_id, bool x2apic);

/* Posts vector; returns true when the caller must send the notification vector NV to NDST
 * (ON went from 0 to 1 with SN clear).  Safe from any CPU, concurrently with everything here. */
bool pi_post(struct pi_desc *desc, uint8_t vector);

/* Clears ON; returns whether it was set. */
bool pi_test_and_clear_on(struct pi_desc *desc);

/* Clears ON, then atomically takes every PIR word and ORs it into irr (irr[0] = vectors 0-63).
 * Returns whether any vector was taken. */
bool pi_harvest(struct pi_desc *desc, uint64_t irr[4]);

/* Drops every posted vector and ON, keeping NV, NDST and SN: an INIT clears the IRR (SDM 11.4.7.3),
 * and the PIR is the IRR's posted part (KVM's vmx_apicv_post_state_restore does the same).
 * Safe against concurrent pi_post: each word is exchanged atomically. */
void pi_reset(struct pi_desc *desc);

/* Sets NDST for a vCPU now running on the CPU with physical APIC ID apic_id (host mode x2apic). */
void pi_set_ndst(struct pi_desc *desc, uint32_t apic_id, bool x2apic);
void pi_set_sn(struct pi_desc *desc);
void pi_clear_sn(struct pi_desc *desc);

/* A snapshot of bits 319:256 (decode with the PI_CONTROL_* masks). */
uint64_t pi_control(const struct pi_desc *desc);

#endif
