/* Decoding a write to the interrupt command register and deciding whether it sends an IPI
 * (SDM Vol. 3A 11.6.1 "Interrupt Command Register (ICR)", 11.12.9 "ICR Operation in x2APIC
 * Mode", 11.5.2 "Valid Interrupt Vectors", 11.5.3 "Error Handling"). */
#ifndef VLAPIC_ICR_H
#define VLAPIC_ICR_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/apic_regs.h"

struct icr_fields {
    uint8_t vector;
    enum apic_delivery_mode delivery;
    bool logical;           /* destination mode: logical (1) or physical (0) */
    bool level_assert;      /* the level flag */
    bool trigger_level;     /* the trigger-mode flag */
    enum apic_shorthand shorthand;
    uint32_t dest;          /* xAPIC: 8 bits from ICR_HI[31:24]; x2APIC: 32 bits from ICR[63:32] */
    bool x2apic;            /* which format dest is in (it decides the broadcast value) */
};

enum icr_verdict {
    ICR_SEND,            /* deliver to the destinations (dest.h) */
    ICR_DROP_WITH_ESR,   /* not sent; OR esr into the sender's ESR (and raise its error LVT) */
    ICR_IGNORE,          /* not sent, no error: architecturally a no-op or our documented choice */
    ICR_GP,              /* x2APIC WRMSR with reserved bits set: inject #GP, nothing is sent */
};

struct icr_decision {
    enum icr_verdict verdict;
    uint32_t esr; /* APIC_ESR_* bits, for ICR_DROP_WITH_ESR */
    struct icr_fields ipi;
};

/* The 64-bit ICR value: in x2APIC mode the WRMSR 0x830 operand; in xAPIC mode compose it as
 * ((uint64_t)ICR_HI << 32) | ICR_LO, so the destination is bits 63:56. */
static inline uint64_t icr_xapic_value(uint32_t icr_lo, uint32_t icr_hi)
{
    return ((uint64_t)icr_hi << 32) | icr_lo;
}

/* Decodes icr and decides, in this order:
 *  1. x2APIC and any of bits 31:20, 17:16, 13 set: ICR_GP (SDM 11.12.1.3 "Reserved Bit
 *     Checking").  The delivery-status bit 12 does not exist in x2APIC mode; like KVM we ignore
 *     it instead of faulting, since the xAPIC habit of writing it back is harmless.  The xAPIC
 *     delivery-status bit is read-only and ignored as well.
 *  2. Reserved delivery modes 011 and 111: ICR_IGNORE (the SDM defines no behaviour and no ESR
 *     bit for them).
 *  3. INIT with trigger = level and level = de-assert (INIT level de-assert): ICR_IGNORE; modern
 *     APICs do not support it (SDM 11.6.1, "Delivery Mode" 101), and Linux still sends it.
 *  4. Shorthand "self" or "all including self" with a delivery mode other than fixed:
 *     ICR_IGNORE (invalid combinations in the SDM table "Valid Combinations for the Pentium 4
 *     and Intel Xeon Processors' Local xAPIC Interrupt Command Register").
 *  5. SMI: ICR_IGNORE: it is a valid request but apicvisor does not virtualize SMM.
 *  6. Fixed or lowest priority with vector 0-15: ICR_DROP_WITH_ESR(APIC_ESR_SEND_ILLEGAL_VECTOR)
 *     (SDM 11.5.2, 11.5.3).  NMI, INIT and start-up carry no interrupt vector and are not checked.
 *  7. Otherwise ICR_SEND.  The level and trigger flags are decoded for the record; apart from
 *     rule 3 they do not change delivery (modern APICs always send IPIs as edge, SDM 11.6.1). */
struct icr_decision icr_decide(uint64_t icr, bool x2apic);

#endif
