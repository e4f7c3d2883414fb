/* ICR decoding (vlapic/icr.c) and IPI routing (vlapic/dest.c) on random ICR values and random
 * tables of up to 64 targets with random modes, IDs, LDRs and DFRs.  Invariants:
 *  - the decoded fields are the ICR's bits (SDM 11.6.1, 11.12.9); the verdict follows icr.h's
 *    rules (#GP only for x2APIC reserved bits, an ESR bit exactly when dropped, never a send of
 *    a reserved delivery mode or an illegal vector), and bits the format ignores change nothing;
 *  - the target mask never names a vCPU at or beyond the count (clamped to 64: the table has
 *    exactly 64 entries, so a missing clamp is an ASan report), nor a disabled APIC;
 *  - self / all-including-self / all-excluding-self / broadcast / physical / logical match as
 *    SDM 11.6.2 and 11.12.10 define them, recomputed here; lowest priority picks one of them. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vlapic/dest.h"
#include "vlapic/icr.h"

static struct apic_target targets[APIC_TARGETS_MAX];

static bool enabled(const struct apic_target *t)
{
    return t->mode == LAPIC_MODE_XAPIC || t->mode == LAPIC_MODE_X2APIC;
}

/* The SDM's matching rules, written independently of dest.c (the shorthand is handled by the
 * caller). */
static bool oracle_match(const struct apic_target *t, const struct icr_fields *f)
{
    if (f->dest == (f->x2apic ? 0xffffffffu : 0xffu))
        return true;
    if (!f->logical)
        return t->apic_id == f->dest;
    if (t->mode == LAPIC_MODE_X2APIC)
        return (t->ldr >> 16) == (f->dest >> 16) && (t->ldr & f->dest & 0xffff);
    uint8_t lid = (uint8_t)(t->ldr >> 24), mda = (uint8_t)f->dest;
    if (t->dfr >> 28 == 0xf)
        return lid & mda;
    if (t->dfr >> 28 == 0)
        return (lid >> 4) == (mda >> 4) && (lid & mda & 0xf);
    return false;
}

static bool same_fields(const struct icr_fields *a, const struct icr_fields *b)
{
    return a->vector == b->vector && a->delivery == b->delivery && a->logical == b->logical &&
           a->level_assert == b->level_assert && a->trigger_level == b->trigger_level &&
           a->shorthand == b->shorthand && a->dest == b->dest && a->x2apic == b->x2apic;
}

static void check_decision(uint64_t icr, bool x2)
{
    struct icr_decision d = icr_decide(icr, x2);
    const struct icr_fields *f = &d.ipi;
    uint32_t lo = (uint32_t)icr;
    FUZZ_CHECK(f->vector == (lo & 0xff) && f->delivery == ((lo >> 8) & 7) && f->logical == ((lo >> 11) & 1) &&
                   f->level_assert == ((lo >> 14) & 1) && f->trigger_level == ((lo >> 15) & 1) &&
                   f->shorthand == ((lo >> 18) & 3) && f->x2apic == x2,
               "icr %#llx x2apic %d: fields misdecoded", (unsigned long long)icr, x2);
    FUZZ_CHECK(f->dest == (x2 ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56)), "icr %#llx: dest %#x",
               (unsigned long long)icr, f->dest);
    bool reserved = x2 && (lo & 0xfff32000u);
    FUZZ_CHECK((d.verdict == ICR_GP) == reserved, "icr %#llx x2apic %d: verdict %d", (unsigned long long)icr, x2,
               d.verdict);
    FUZZ_CHECK((d.esr != 0) == (d.verdict == ICR_DROP_WITH_ESR), "icr %#llx: esr %#x verdict %d",
               (unsigned long long)icr, d.esr, d.verdict);
    bool vectored = f->delivery == APIC_DM_FIXED || f->delivery == APIC_DM_LOWEST;
    if (d.verdict == ICR_DROP_WITH_ESR)
        FUZZ_CHECK(d.esr == APIC_ESR_SEND_ILLEGAL_VECTOR && vectored && f->vector < 16, "icr %#llx: bad drop",
                   (unsigned long long)icr);
    if (d.verdict == ICR_SEND) {
        FUZZ_CHECK(f->delivery != APIC_DM_RESERVED3 && f->delivery != APIC_DM_EXTINT && f->delivery != APIC_DM_SMI,
                   "icr %#llx: sends delivery mode %d", (unsigned long long)icr, f->delivery);
        FUZZ_CHECK(!vectored || f->vector >= 16, "icr %#llx: sends illegal vector", (unsigned long long)icr);
        bool self = f->shorthand == APIC_SH_SELF || f->shorthand == APIC_SH_ALL_INCLUDING_SELF;
        FUZZ_CHECK(!self || f->delivery == APIC_DM_FIXED, "icr %#llx: self shorthand with delivery %d",
                   (unsigned long long)icr, f->delivery);
    }
    /* Bits the format does not use change nothing: delivery status (both modes), and in xAPIC
     * mode the reserved low bits and ICR_HI[23:0]. */
    uint64_t ignored = x2 ? APIC_ICR_DELIVERY_STATUS : 0x00ffffff00000000ull | 0xfff33000u;
    struct icr_decision d2 = icr_decide(icr ^ (ignored & (icr * 0x9e3779b97f4a7c15ull)), x2);
    FUZZ_CHECK(d2.verdict == d.verdict && d2.esr == d.esr && same_fields(&d2.ipi, &d.ipi),
               "icr %#llx: an ignored bit changed the decision", (unsigned long long)icr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&in);
    bool x2 = flags & 1;
    uint64_t icr = fuzz_u64(&in);
    unsigned count = fuzz_u8(&in);  /* up to 255: the API clamps it to 64 */
    unsigned source = fuzz_u8(&in); /* >= count: the sender is not a vCPU */
    memset(targets, 0, sizeof(targets));
    for (unsigned i = 0; i < APIC_TARGETS_MAX && fuzz_more(&in); i++) {
        uint8_t m = fuzz_u8(&in);
        targets[i].mode = (enum lapic_mode)(m & 3);
        /* Small IDs collide with small destinations far more often than random 32-bit ones. */
        targets[i].apic_id = (m & 4) ? fuzz_u32(&in) : fuzz_u8(&in);
        targets[i].ldr = fuzz_u32(&in);
        targets[i].dfr = (m & 8) ? fuzz_u32(&in) : ((m & 16) ? 0xffffffffu : 0x0fffffffu);
    }

    check_decision(icr, x2);
    struct icr_fields f = icr_decide(icr, x2).ipi;
    unsigned n = count < APIC_TARGETS_MAX ? count : APIC_TARGETS_MAX;
    uint64_t in_range = n == 64 ? ~0ull : (1ull << n) - 1;

    /* Routing is checked for every decoded ICR, as fixed and as lowest priority. */
    f.delivery = APIC_DM_FIXED;
    uint64_t all = apic_ipi_targets(targets, count, source, &f);
    f.delivery = APIC_DM_LOWEST;
    uint64_t lowest = apic_ipi_targets(targets, count, source, &f);
    FUZZ_CHECK(!(all & ~in_range), "mask %#llx names a vCPU at or beyond count %u", (unsigned long long)all, count);
    FUZZ_CHECK(lowest == (all & -all), "lowest priority %#llx, matches %#llx", (unsigned long long)lowest,
               (unsigned long long)all);
    for (unsigned i = 0; i < n; i++) {
        const struct apic_target *t = &targets[i];
        bool want;
        switch (f.shorthand) {
        case APIC_SH_SELF: want = i == source; break;
        case APIC_SH_ALL_INCLUDING_SELF: want = true; break;
        case APIC_SH_ALL_EXCLUDING_SELF: want = i != source; break;
        default: want = oracle_match(t, &f); break;
        }
        want = want && enabled(t);
        bool got = (all >> i) & 1;
        FUZZ_CHECK(got == want, "target %u (id %#x mode %d ldr %#x dfr %#x), source %u, shorthand %d, dest %#x "
                   "logical %d x2apic %d: got %d want %d", i, t->apic_id, t->mode, t->ldr, t->dfr, source,
                   f.shorthand, f.dest, f.logical, f.x2apic, got, want);
        FUZZ_CHECK(apic_dest_matches(t, i, source, &f) == got, "apic_dest_matches disagrees for target %u", i);
    }
    return 0;
}
