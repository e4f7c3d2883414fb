#include "vlapic/vapic_page.h"

#include "vlapic/ldr.h"

static const uint32_t lvt_offsets[] = {
    APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};
_Static_assert(sizeof(lvt_offsets) / sizeof(lvt_offsets[0]) == VAPIC_MAX_LVT + 1, "LVT count");

static bool id_usable(uint32_t apic_id, enum lapic_mode mode)
{
    if (mode == LAPIC_MODE_INVALID)
        return false;
    return mode == LAPIC_MODE_X2APIC || apic_id_fits_xapic(apic_id);
}

/* ID, LDR and DFR: the registers whose format depends on the mode. */
static void write_identity(struct vapic_page *page, uint32_t apic_id, bool x2apic)
{
    vapic_write(page, APIC_ID, apic_id_register(apic_id, x2apic));
    vapic_write(page, APIC_LDR, x2apic ? x2apic_ldr_from_id(apic_id) : 0);
    vapic_write(page, APIC_DFR, x2apic ? 0 : APIC_DFR_RESET);
}

bool vapic_page_seed(struct vapic_page *page, uint32_t apic_id, enum lapic_mode mode)
{
    if (!id_usable(apic_id, mode))
        return false;
    for (unsigned i = 0; i < APIC_PAGE_SIZE / 4; i++)
        page->word[i] = 0;
    write_identity(page, apic_id, mode == LAPIC_MODE_X2APIC);
    vapic_write(page, APIC_VERSION, VAPIC_VERSION);
    vapic_write(page, APIC_SVR, 0xffu);
    for (unsigned i = 0; i <= VAPIC_MAX_LVT; i++)
        vapic_write(page, lvt_offsets[i], APIC_LVT_MASKED);
    return true;
}

bool vapic_page_switch_mode(struct vapic_page *page, uint32_t apic_id, enum lapic_mode new_mode)
{
    if (new_mode != LAPIC_MODE_X2APIC)
        return vapic_page_seed(page, apic_id, new_mode);
    write_identity(page, apic_id, true);
    vapic_write(page, APIC_ICR_LO + 4, 0); /* the x2APIC ICR's high half (SDM: not preserved) */
    vapic_write(page, APIC_ICR_HI, 0);
    return true;
}
