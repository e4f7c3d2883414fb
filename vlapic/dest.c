#include "vlapic/dest.h"

#define XAPIC_BROADCAST  0xffu
#define X2APIC_BROADCAST 0xffffffffu

static bool enabled(const struct apic_target *t)
{
    return t->mode == LAPIC_MODE_XAPIC || t->mode == LAPIC_MODE_X2APIC;
}

static bool is_broadcast(const struct icr_fields *ipi)
{
    return ipi->dest == (ipi->x2apic ? X2APIC_BROADCAST : XAPIC_BROADCAST);
}

/* SDM 11.12.10.1 "Logical Destination Mode in x2APIC Mode": cluster in 31:16, a bit in 15:0. */
static bool x2apic_logical_match(uint32_t ldr, uint32_t mda)
{
    return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffffu) != 0;
}

/* SDM 11.6.2.2 "Logical Destination Mode": the flat and cluster models selected by DFR[31:28]. */
static bool xapic_logical_match(uint32_t ldr, uint32_t dfr, uint32_t mda)
{
    uint32_t logical_id = ldr >> APIC_XAPIC_ID_SHIFT;
    mda &= 0xffu;
    switch (dfr & APIC_DFR_MODEL_MASK) {
    case APIC_DFR_MODEL_FLAT:
        return (logical_id & mda) != 0;
    case APIC_DFR_MODEL_CLUSTER:
        return (logical_id >> 4) == (mda >> 4) && (logical_id & mda & 0xfu) != 0;
    default:
        return false;
    }
}

bool apic_dest_matches(const struct apic_target *target, unsigned index, unsigned source,
                       const struct icr_fields *ipi)
{
    if (!enabled(target))
        return false;
    switch (ipi->shorthand) {
    case APIC_SH_SELF: return index == source;
    case APIC_SH_ALL_INCLUDING_SELF: return true;
    case APIC_SH_ALL_EXCLUDING_SELF: return index != source;
    case APIC_SH_NONE: break;
    }
    if (is_broadcast(ipi))
        return true;
    if (!ipi->logical)
        return target->apic_id == ipi->dest;
    if (target->mode == LAPIC_MODE_X2APIC)
        return x2apic_logical_match(target->ldr, ipi->dest);
    return xapic_logical_match(target->ldr, target->dfr, ipi->dest);
}

uint64_t apic_ipi_targets(const struct apic_target *targets, unsigned count, unsigned source,
                          const struct icr_fields *ipi)
{
    uint64_t hits = 0;
    if (count > APIC_TARGETS_MAX)
        count = APIC_TARGETS_MAX;
    for (unsigned i = 0; i < count; i++)
        if (apic_dest_matches(&targets[i], i, source, ipi))
            hits |= 1ull << i;
    if (ipi->delivery == APIC_DM_LOWEST)
        hits &= -hits; /* the lowest set bit */
    return hits;
}
