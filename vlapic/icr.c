#include "vlapic/icr.h"

static struct icr_fields decode(uint64_t icr, bool x2apic)
{
    uint32_t lo = (uint32_t)icr, hi = (uint32_t)(icr >> 32);
    struct icr_fields f;
    f.vector = (uint8_t)(lo & APIC_ICR_VECTOR_MASK);
    f.delivery = (enum apic_delivery_mode)((lo & APIC_ICR_DELIVERY_MASK) >> APIC_ICR_DELIVERY_SHIFT);
    f.logical = lo & APIC_ICR_DEST_LOGICAL;
    f.level_assert = lo & APIC_ICR_LEVEL_ASSERT;
    f.trigger_level = lo & APIC_ICR_TRIGGER_LEVEL;
    f.shorthand = (enum apic_shorthand)((lo & APIC_ICR_SHORTHAND_MASK) >> APIC_ICR_SHORTHAND_SHIFT);
    f.dest = x2apic ? hi : hi >> APIC_ICR_XAPIC_DEST_SHIFT;
    f.x2apic = x2apic;
    return f;
}

static enum icr_verdict judge(const struct icr_fields *f, uint32_t lo)
{
    if (f->x2apic && (lo & APIC_ICR_X2APIC_RESERVED))
        return ICR_GP;
    if (f->delivery == APIC_DM_RESERVED3 || f->delivery == APIC_DM_EXTINT)
        return ICR_IGNORE;
    if (f->delivery == APIC_DM_INIT && f->trigger_level && !f->level_assert)
        return ICR_IGNORE;
    bool includes_self = f->shorthand == APIC_SH_SELF || f->shorthand == APIC_SH_ALL_INCLUDING_SELF;
    if (includes_self && f->delivery != APIC_DM_FIXED)
        return ICR_IGNORE;
    if (f->delivery == APIC_DM_SMI)
        return ICR_IGNORE;
    bool has_vector = f->delivery == APIC_DM_FIXED || f->delivery == APIC_DM_LOWEST;
    if (has_vector && f->vector < APIC_FIRST_LEGAL_VECTOR)
        return ICR_DROP_WITH_ESR;
    return ICR_SEND;
}

struct icr_decision icr_decide(uint64_t icr, bool x2apic)
{
    struct icr_decision d;
    d.ipi = decode(icr, x2apic);
    d.verdict = judge(&d.ipi, (uint32_t)icr);
    d.esr = d.verdict == ICR_DROP_WITH_ESR ? APIC_ESR_SEND_ILLEGAL_VECTOR : 0;
    return d;
}
