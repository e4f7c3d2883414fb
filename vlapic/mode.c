#include "vlapic/mode.h"

#include "vlapic/apic_regs.h"
#include "lib/msr.h"

enum lapic_mode lapic_mode_of(uint64_t apic_base)
{
    bool en = apic_base & APIC_BASE_ENABLE, extd = apic_base & APIC_BASE_EXTD;
    if (en)
        return extd ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
    return extd ? LAPIC_MODE_INVALID : LAPIC_MODE_DISABLED;
}

const char *lapic_mode_name(enum lapic_mode mode)
{
    switch (mode) {
    case LAPIC_MODE_DISABLED: return "disabled";
    case LAPIC_MODE_XAPIC: return "xAPIC";
    case LAPIC_MODE_X2APIC: return "x2APIC";
    case LAPIC_MODE_INVALID: break;
    }
    return "invalid";
}

/* SDM 11.12.5.1 "x2APIC States": from xAPIC mode every state but the invalid one is reachable;
 * "From the x2APIC mode, the only valid x2APIC transition using IA32_APIC_BASE is to the state
 * where the x2APIC is disabled"; "From the disabled state, the only valid x2APIC transition
 * using IA32_APIC_BASE is to the xAPIC mode".  Staying in a state is not a transition.
 * Indexed [old][new]; the invalid state is never entered and has no way out. */
static const bool transition_allowed[4][4] = {
    /*                       DISABLED XAPIC  X2APIC INVALID */
    [LAPIC_MODE_DISABLED] = {true,    true,  false, false},
    [LAPIC_MODE_XAPIC]    = {true,    true,  true,  false},
    [LAPIC_MODE_X2APIC]   = {true,    false, true,  false},
    [LAPIC_MODE_INVALID]  = {false,   false, false, false},
};

static uint64_t reserved_bits(unsigned maxphyaddr, enum x2apic_policy policy)
{
    uint64_t rsvd = 0xffull | (1ull << 9);
    if (maxphyaddr < 64)
        rsvd |= ~0ull << maxphyaddr;
    if (policy == X2APIC_OFF)
        rsvd |= APIC_BASE_EXTD; /* CPUID.01H:ECX.x2APIC[21] = 0 */
    return rsvd;
}

static enum apic_base_reason judge(uint64_t current, uint64_t value, unsigned maxphyaddr,
                                   enum x2apic_policy policy)
{
    enum lapic_mode old_mode = lapic_mode_of(current), new_mode = lapic_mode_of(value);
    if (value & reserved_bits(maxphyaddr, policy))
        return APIC_BASE_RESERVED_BIT;
    if (new_mode == LAPIC_MODE_INVALID)
        return APIC_BASE_INVALID_STATE;
    if (policy == X2APIC_ONLY && old_mode == LAPIC_MODE_X2APIC && new_mode != LAPIC_MODE_X2APIC)
        return APIC_BASE_X2APIC_LOCKED;
    if (!transition_allowed[old_mode][new_mode])
        return APIC_BASE_BAD_TRANSITION;
    return APIC_BASE_ACCEPTED;
}

struct apic_base_write apic_base_check_write(uint64_t current, uint64_t value, unsigned maxphyaddr,
                                             enum x2apic_policy policy)
{
    struct apic_base_write w;
    w.reason = judge(current, value, maxphyaddr, policy);
    w.verdict = w.reason == APIC_BASE_ACCEPTED ? APIC_BASE_OK : APIC_BASE_GP;
    w.new_value = w.verdict == APIC_BASE_OK ? (value & ~APIC_BASE_BSP) | (current & APIC_BASE_BSP) : current;
    w.old_mode = lapic_mode_of(current);
    w.new_mode = lapic_mode_of(w.new_value);
    return w;
}

uint64_t apic_base_reset_value(bool is_bsp, enum x2apic_policy policy)
{
    uint64_t v = APIC_DEFAULT_BASE | APIC_BASE_ENABLE;
    if (is_bsp)
        v |= APIC_BASE_BSP;
    if (policy == X2APIC_ON || policy == X2APIC_ONLY)
        v |= APIC_BASE_EXTD;
    return v;
}
