/* The MSR-bitmap policy declared in x2apic_msr.h. */
#include "vlapic/x2apic_msr.h"

#include <stdbool.h>

#include "vlapic/apic_regs.h"
#include "lib/msr.h"

#define MSR_BITMAP_READ_LOW  0x000u
#define MSR_BITMAP_WRITE_LOW 0x800u

static void set_intercept(uint8_t *bitmap, uint32_t half, uint32_t msr, bool intercept)
{
    uint8_t bit = (uint8_t)(1u << (msr % 8));
    if (intercept)
        bitmap[half + msr / 8] |= bit;
    else
        bitmap[half + msr / 8] &= (uint8_t)~bit;
}

static bool x2apic_read_exits(uint32_t msr, enum apicv_level level)
{
    if (level < APICV_VID)
        return level == APICV_OFF || msr != X2APIC_MSR(APIC_TPR);
    enum x2apic_msr_access a = x2apic_msr_access(msr);
    if (msr == X2APIC_MSR(APIC_TIMER_CCR))
        return true;
    return a != X2APIC_MSR_RO && a != X2APIC_MSR_RW;
}

static bool x2apic_write_exits(uint32_t msr, enum apicv_level level)
{
    if (level < APICV_VID)
        return level == APICV_OFF || msr != X2APIC_MSR(APIC_TPR);
    return msr != X2APIC_MSR(APIC_TPR) && msr != X2APIC_MSR(APIC_EOI) && msr != X2APIC_MSR(APIC_SELF_IPI);
}

void msr_bitmap_apply_apic_policy(uint8_t bitmap[MSR_BITMAP_SIZE], enum lapic_mode mode, enum apicv_level level)
{
    bool x2apic = mode == LAPIC_MODE_X2APIC;
    for (uint32_t msr = X2APIC_MSR_BASE; msr <= X2APIC_MSR_LAST; msr++) {
        set_intercept(bitmap, MSR_BITMAP_READ_LOW, msr, !x2apic || x2apic_read_exits(msr, level));
        set_intercept(bitmap, MSR_BITMAP_WRITE_LOW, msr, !x2apic || x2apic_write_exits(msr, level));
    }
    set_intercept(bitmap, MSR_BITMAP_READ_LOW, MSR_IA32_APIC_BASE, true);
    set_intercept(bitmap, MSR_BITMAP_WRITE_LOW, MSR_IA32_APIC_BASE, true);
}
