/* Which local APICs an interrupt message reaches (SDM Vol. 3A 11.6.2 "Determining IPI
 * Destination", 11.12.10 "x2APIC Logical Destination Mode").  Pure functions over a caller-owned
 * array of target descriptions: no globals, so a software vLAPIC, the IPI exit handler and a
 * fuzzer can all use it. */
#ifndef VLAPIC_DEST_H
#define VLAPIC_DEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/icr.h"
#include "vlapic/mode.h"

/* What matching needs to know about one local APIC (one vCPU). */
struct apic_target {
    uint32_t apic_id;     /* the vCPU's APIC ID (the same number in both modes) */
    enum lapic_mode mode; /* disabled (and invalid) APICs never match */
    uint32_t ldr;         /* the LDR register value, in the mode's format */
    uint32_t dfr;         /* the DFR register value; used in xAPIC mode only */
};

#define APIC_TARGETS_MAX 64u /* the width of the result mask */

/* The matching rules, per target:
 *  - shorthand self: the source only; all including self: every enabled target; all excluding
 *    self: every enabled target but the source.  The destination field is ignored.
 *  - broadcast (0xFF in an xAPIC-format ICR, 0xFFFFFFFF in an x2APIC one), physical or logical:
 *    every enabled target (as KVM does; SDM 11.6.2.2: all ones addresses all APICs).
 *  - physical: apic_id == dest.  Compared as numbers whatever the target's mode, so an x2APIC BSP
 *    can send INIT/SIPI to APs still in xAPIC mode.
 *  - logical, target in x2APIC mode: dest[31:16] == LDR[31:16] and dest[15:0] & LDR[15:0] != 0.
 *  - logical, target in xAPIC mode, on the low 8 bits of dest (MDA) and LDR[31:24]:
 *    DFR model 1111 (flat): LDR & MDA != 0; model 0000 (cluster): high nibbles equal and low
 *    nibbles intersect; any other model matches nothing (reserved).
 * Mixing modes across vCPUs is undefined architecturally; the rules above are what we do. */
bool apic_dest_matches(const struct apic_target *target, unsigned index, unsigned source,
                       const struct icr_fields *ipi);

/* Bit i set: targets[i] receives the interrupt.  count is clamped to APIC_TARGETS_MAX; source is
 * the sending vCPU's index (pass count or more when the sender is not a vCPU, e.g. an MSI).
 * Lowest-priority delivery (delivery mode 001) picks the lowest-numbered matching target: we do
 * not model arbitration priority (the targets' TPR/PPR live in virtual-APIC pages that are in
 * use by running vCPUs), and the SDM allows a chipset-specific choice (11.6.2.4 "Lowest Priority
 * Delivery Mode").  KVM makes the same kind of choice when it cannot see priorities. */
uint64_t apic_ipi_targets(const struct apic_target *targets, unsigned count, unsigned source,
                          const struct icr_fields *ipi);

#endif
