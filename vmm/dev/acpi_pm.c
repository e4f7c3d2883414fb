/* PM1 event and control registers and the PM timer (ACPI 6.5, 4.8.3; bit positions from tables
 * 4.16 PM1 Status, 4.17 PM1 Enable and 4.18 PM1 Control).  Registers are kept as 16-bit values
 * and accessed a byte at a time: `shift` below is the byte's place in its register. */
#include "vmm/dev/acpi_pm.h"

#include "vmm/dev/acpi_tables.h"

#define PM1_STS_PORT   ACPI_PM1A_EVT_PORT
#define PM1_EN_PORT    (ACPI_PM1A_EVT_PORT + 2)
/* PM1_EN bits that exist (table 4.17): TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN,
 * PCIEXP_WAKE_DIS; the others are reserved and read 0. */
#define PM1_EN_BITS    0x4721u
/* PM1_CNT (table 4.18): BM_RLD and SLP_TYP are kept; SCI_EN is read-only 1 here; GBL_RLS and
 * SLP_EN are write-only. */
#define PM1_CNT_BM_RLD  (1u << 1)
#define PM1_CNT_KEPT    (PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP_MASK)
#define TMR_EPOCH_SHIFT 31 /* TMR_STS is set when bit 31 of the 32-bit timer changes (4.8.3.3) */
#define BITS_PER_BYTE   8

void acpi_pm_init(struct acpi_pm *pm)
{
    *pm = (struct acpi_pm){ 0 };
}

static bool in_block(uint16_t port, uint16_t base, unsigned len)
{
    return port >= base && port < base + len;
}

bool acpi_pm_claims(uint16_t port)
{
    return in_block(port, ACPI_PM1A_EVT_PORT, ACPI_PM1_EVT_LEN) || in_block(port, ACPI_PM1A_CNT_PORT, ACPI_PM1_CNT_LEN) ||
           in_block(port, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN);
}

void acpi_pm_advance(struct acpi_pm *pm, uint64_t ticks)
{
    uint64_t epoch = ticks >> TMR_EPOCH_SHIFT;
    if (epoch != pm->tmr_epoch)
        pm->sts |= ACPI_PM1_TMR_STS;
    pm->tmr_epoch = epoch;
}

/* The 16-bit register a port's byte belongs to, and the byte's shift within it. */
static uint16_t *reg16(struct acpi_pm *pm, uint16_t port, unsigned *shift)
{
    *shift = (port & 1) * BITS_PER_BYTE;
    switch (port & ~1u) {
    case PM1_STS_PORT: return &pm->sts;
    case PM1_EN_PORT: return &pm->en;
    default: return &pm->cnt;
    }
}

uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port, uint64_t ticks)
{
    acpi_pm_advance(pm, ticks);
    if (in_block(port, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN))
        return (uint8_t)(ticks >> ((port - ACPI_PM_TMR_PORT) * BITS_PER_BYTE));
    unsigned shift;
    uint16_t *r = reg16(pm, port, &shift);
    uint16_t value = r == &pm->cnt ? (uint16_t)(pm->cnt | ACPI_PM1_CNT_SCI_EN) : *r;
    return (uint8_t)(value >> shift);
}

/* The byte of PM1_CNT holding SLP_EN holds SLP_TYP too (bits 13 and 12:10), so a byte or word
 * write names the sleep type it enters. */
static bool write_cnt(struct acpi_pm *pm, uint16_t bits, uint16_t byte_mask)
{
    pm->cnt = (uint16_t)((pm->cnt & ~(byte_mask & PM1_CNT_KEPT)) | (bits & byte_mask & PM1_CNT_KEPT));
    unsigned typ = (pm->cnt & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;
    return (bits & ACPI_PM1_CNT_SLP_EN) && typ == ACPI_PM_S5_SLP_TYP;
}

bool acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t value, uint64_t ticks)
{
    acpi_pm_advance(pm, ticks);
    if (in_block(port, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN))
        return false; /* read-only */
    unsigned shift;
    uint16_t *r = reg16(pm, port, &shift);
    uint16_t bits = (uint16_t)(value << shift), byte_mask = (uint16_t)(0xffu << shift);
    if (r == &pm->sts)
        pm->sts &= (uint16_t)~bits; /* write 1 to clear (4.8.3.1.1) */
    else if (r == &pm->en)
        pm->en = (uint16_t)((pm->en & ~byte_mask) | (bits & PM1_EN_BITS));
    else
        return write_cnt(pm, bits, byte_mask);
    return false;
}

/* Each status bit sits where its enable bit does (tables 4.16 and 4.17). */
bool acpi_pm_sci(const struct acpi_pm *pm)
{
    return pm->sts & pm->en;
}

uint64_t acpi_pm_next_sci(const struct acpi_pm *pm)
{
    if (!(pm->en & ACPI_PM1_TMR_EN) || (pm->sts & ACPI_PM1_TMR_STS))
        return 0;
    return (pm->tmr_epoch + 1) << TMR_EPOCH_SHIFT;
}
