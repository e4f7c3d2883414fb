/* Human-readable dumps of a virtual-APIC page, a posted-interrupt descriptor and the VMCS
 * interrupt state, for the hypervisor's debug console and for tests.  Every line is at most
 * VAPIC_DUMP_MAX_COLUMNS characters; vector lists are decimal, highest first ("IRR: 49 48"),
 * and wrap onto indented continuation lines. */
#ifndef VLAPIC_VAPIC_DUMP_H
#define VLAPIC_VAPIC_DUMP_H

#include <stdint.h>

#include "vlapic/mode.h"
#include "vlapic/pi_desc.h"
#include "vlapic/vapic_regs.h"
#include "lib/format.h"

/* 92: the VMCS dump (vmm/vcpu_dump.c) prefixes these lines with "vmcs:   " and keeps its lines to
 * VMCS_DUMP_MAX_COLUMNS (100). */
#define VAPIC_DUMP_MAX_COLUMNS 92

/* mode decides how ID and ICR are shown (x2APIC: 32-bit ID, 64-bit ICR at 0x300). */
void vapic_dump_page(fmt_sink_fn sink, void *ctx, const struct vapic_page *page, enum lapic_mode mode);

/* ON, SN, NV, NDST and the pending PIR vectors. */
void vapic_dump_pi_desc(fmt_sink_fn sink, void *ctx, const struct pi_desc *desc);

/* The guest interrupt status VMCS field (RVI in bits 7:0, SVI in 15:8; Vol. 3C "Guest Interrupt
 * Status") and the four EOI-exit bitmaps (eoi_exit[0] covers vectors 0-63), as read by the
 * caller from the VMCS. */
void vapic_dump_intr_status(fmt_sink_fn sink, void *ctx, uint16_t guest_intr_status, const uint64_t eoi_exit[4]);

#endif
