/* xAPIC backend: 32-bit registers in the 4 KiB MMIO page at the default base (SDM 11.4.1), mapped
 * uncached by boot.asm. */
#include "guest/lapic.h"

#include "guest/timebase.h"
#include "guest/x86.h"

#define XAPIC_MMIO_BASE 0xfee00000ul
#define XAPIC_BROADCAST 0xffu          /* SDM 11.6.2.1 */
#define ICR_IDLE_TIMEOUT_US 100000

static volatile uint32_t *reg(enum lapic_reg r)
{
    return (volatile uint32_t *)(XAPIC_MMIO_BASE + r);
}

static uint32_t xapic_read(enum lapic_reg r)
{
    return *reg(r);
}

static void xapic_write(enum lapic_reg r, uint32_t value)
{
    *reg(r) = value;
}

/* The ID sits in bits 31:24 (SDM 11.4.6). */
static uint32_t xapic_id(void)
{
    return xapic_read(LAPIC_ID) >> 24;
}

/* Delivery status (SDM 11.6.1): wait until the previous IPI left before writing the ICR, and until
 * this one left before returning. */
static bool icr_idle(void)
{
    uint64_t deadline = tsc_deadline_us(ICR_IDLE_TIMEOUT_US);
    while (xapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING)
        if (tsc_passed(deadline))
            return false;
    return true;
}

/* Writing the low half sends the IPI, so the destination (bits 63:56) goes first. */
static bool xapic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    if (!icr_idle())
        return false;
    xapic_write(LAPIC_ICR_HIGH, dest << 24);
    xapic_write(LAPIC_ICR_LOW, icr_low);
    return icr_idle();
}

const struct lapic_ops lapic_xapic_ops = {
    .name = "xAPIC",
    .apic_base_mode = APIC_BASE_EN,
    .broadcast = XAPIC_BROADCAST,
    .read = xapic_read,
    .write = xapic_write,
    .id = xapic_id,
    .send_ipi = xapic_send_ipi,
};
