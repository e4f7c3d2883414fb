/* IA32_APIC_BASE writes (vlapic/mode.c apic_base_check_write) over random (current, value,
 * MAXPHYADDR, policy): one write from an arbitrary current value, then a sequence of writes from
 * the reset value as a vCPU would make them.  Invariants (vlapic/mode.h, SDM 11.4.4, 11.12.5):
 *  - an accepted write never yields LAPIC_MODE_INVALID, keeps the BSP bit, stores the value, and
 *    makes only the SDM's transitions (xAPIC -> x2APIC, either -> disabled, disabled -> xAPIC);
 *  - a refused one (#GP) changes nothing, and any reserved bit (0-7, 9, >= MAXPHYADDR, EXTD
 *    without x2APIC) is always refused (a base other than 0xFEE00000 is not: SDM 11.4.5);
 *  - X2APIC_ONLY never leaves x2APIC mode; X2APIC_OFF never enters it;
 *  - from a reachable state, writing the current value back is accepted. */
#include "lib/msr.h"
#include "tests/fuzz/fuzz.h"
#include "vlapic/apic_regs.h"
#include "vlapic/mode.h"

static bool sdm_transition(enum lapic_mode from, enum lapic_mode to)
{
    if (from == LAPIC_MODE_INVALID) /* never entered; mode.h gives it no way out */
        return false;
    if (from == to)
        return true;
    return (from == LAPIC_MODE_XAPIC && to == LAPIC_MODE_X2APIC) || to == LAPIC_MODE_DISABLED ||
           (from == LAPIC_MODE_DISABLED && to == LAPIC_MODE_XAPIC);
}

static struct apic_base_write check(uint64_t cur, uint64_t val, unsigned maxphy, enum x2apic_policy pol)
{
    struct apic_base_write w = apic_base_check_write(cur, val, maxphy, pol);
    uint64_t reserved = 0xffull | (1ull << 9) | (~0ull << maxphy) | (pol == X2APIC_OFF ? APIC_BASE_EXTD : 0);
    const char *why = "";
#define WHY(cond, text) ((cond) || (why = (text), false))
    bool ok = WHY(!(val & reserved), "reserved bit") &&
              WHY(lapic_mode_of(val) != LAPIC_MODE_INVALID, "invalid state") &&
              WHY(pol != X2APIC_ONLY || lapic_mode_of(cur) != LAPIC_MODE_X2APIC ||
                      lapic_mode_of(val) == LAPIC_MODE_X2APIC, "x2APIC locked") &&
              WHY(sdm_transition(lapic_mode_of(cur), lapic_mode_of(val)), "transition");
    fuzz_trace("current %#llx value %#llx maxphyaddr %u policy %d: verdict %d reason %d (SDM: %s)\n",
               (unsigned long long)cur, (unsigned long long)val, maxphy, pol, w.verdict, w.reason, ok ? "ok" : why);
    FUZZ_CHECK((w.verdict == APIC_BASE_OK) == ok && (w.reason == APIC_BASE_ACCEPTED) == ok,
               "current %#llx value %#llx maxphyaddr %u policy %d: verdict %d reason %d, SDM says %s",
               (unsigned long long)cur, (unsigned long long)val, maxphy, pol, w.verdict, w.reason, ok ? "ok" : why);
    FUZZ_CHECK(w.old_mode == lapic_mode_of(cur), "old_mode %d", w.old_mode);
    if (ok) {
        FUZZ_CHECK(w.new_value == ((val & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP)), "stored %#llx",
                   (unsigned long long)w.new_value);
        FUZZ_CHECK(w.new_mode == lapic_mode_of(w.new_value) && w.new_mode != LAPIC_MODE_INVALID, "new_mode %d",
                   w.new_mode);
        FUZZ_CHECK(pol != X2APIC_OFF || w.new_mode != LAPIC_MODE_X2APIC, "x2APIC entered under X2APIC_OFF");
    } else {
        FUZZ_CHECK(w.new_value == cur && w.new_mode == w.old_mode, "#GP changed the value to %#llx",
                   (unsigned long long)w.new_value);
    }
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t b = fuzz_u8(&in);
    enum x2apic_policy pol = (enum x2apic_policy)(b & 3);
    unsigned maxphy = 32 + fuzz_u8(&in) % 21; /* 32..52: every real CPU has at least 36 */
    check(fuzz_u64(&in), fuzz_u64(&in), 1 + fuzz_u8(&in) % 52, pol);

    uint64_t cur = apic_base_reset_value(b & 4, pol);
    while (fuzz_more(&in)) {
        /* Mostly plausible values (the default base with random low bits), sometimes anything. */
        uint8_t kind = fuzz_u8(&in);
        uint64_t val = (kind & 1) ? fuzz_u64(&in) : APIC_DEFAULT_BASE | fuzz_u16(&in);
        if (kind & 2)
            val |= (uint64_t)fuzz_u8(&in) << (32 + kind % 24);
        struct apic_base_write again = apic_base_check_write(cur, cur, maxphy, pol);
        FUZZ_CHECK(again.verdict == APIC_BASE_OK, "rewriting the current value %#llx refused (reason %d)",
                   (unsigned long long)cur, again.reason);
        struct apic_base_write w = check(cur, val, maxphy, pol);
        if (pol == X2APIC_ONLY && w.old_mode == LAPIC_MODE_X2APIC)
            FUZZ_CHECK(w.new_mode == LAPIC_MODE_X2APIC, "X2APIC_ONLY left x2APIC mode");
        cur = w.new_value;
    }
    return 0;
}
