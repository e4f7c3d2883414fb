/* x2APIC backend: each register is an MSR (SDM 11.12.1.2). */
#include "guest/lapic.h"

#include "guest/x86.h"

#define X2APIC_BROADCAST 0xffffffffu   /* SDM 11.12.9 */

static uint32_t x2apic_read(enum lapic_reg r)
{
    return (uint32_t)rdmsr(X2APIC_MSR(r));
}

static void x2apic_write(enum lapic_reg r, uint32_t value)
{
    wrmsr(X2APIC_MSR(r), value);
}

/* The whole register is the 32-bit x2APIC ID (SDM 11.12.5.1). */
static uint32_t x2apic_id(void)
{
    return x2apic_read(LAPIC_ID);
}

/* One 64-bit write with the destination in bits 63:32; there is no delivery status to wait for
 * (SDM 11.12.9). */
static bool x2apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), ((uint64_t)dest << 32) | icr_low);
    return true;
}

const struct lapic_ops lapic_x2apic_ops = {
    .name = "x2APIC",
    .apic_base_mode = APIC_BASE_EN | APIC_BASE_EXTD,
    .broadcast = X2APIC_BROADCAST,
    .read = x2apic_read,
    .write = x2apic_write,
    .id = x2apic_id,
    .send_ipi = x2apic_send_ipi,
};
