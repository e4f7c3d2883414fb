/* The ACPI fixed-hardware registers the guest's FADT names (vmm/dev/acpi_tables.h), at the port
 * layout of Intel's ICH9 and of QEMU's q35 machine (PMBASE 0x600):
 *
 *   0x600  PM1a_STS  (16 bits)  ACPI 6.5, 4.8.3.1.1: write 1 to clear
 *   0x602  PM1a_EN   (16 bits)  4.8.3.1.2: read/write
 *   0x604  PM1a_CNT  (16 bits)  4.8.3.2.1: SCI_EN, BM_RLD, GBL_RLS, SLP_TYP, SLP_EN
 *   0x608  PM_TMR    (32 bits)  4.8.3.3: read-only, 3.579545 MHz, all 32 bits (TMR_VAL_EXT)
 *
 * Each register is reached a byte at a time, the way an ISA-style device decodes a wider access
 * (the owner splits a 16- or 32-bit IN or OUT into its bytes, lowest port first), so that any
 * access size the FADT's generic addresses allow, or a guest tries, reads and writes the same
 * bits.
 *
 * What is modelled, and what is not:
 *  - the platform is always in ACPI mode (the FADT's SMI_CMD is 0): SCI_EN reads 1 and cannot be
 *    cleared;
 *  - PM1_CNT keeps BM_RLD and SLP_TYP; GBL_RLS (which would raise an SMI to release the global
 *    lock to firmware) and SLP_EN are write-only and read 0; writing SLP_EN with SLP_TYP =
 *    ACPI_PM_S5_SLP_TYP asks for soft off (S5), the only sleep state the DSDT declares (\_S5);
 *    SLP_EN with any other type does nothing;
 *  - of the status bits only TMR_STS has a source: the PM timer's bit 31 changing (4.8.3.3, every
 *    2^31 ticks, about 10 minutes).  There is no power or sleep button, no RTC alarm in PM1, no
 *    global lock owner, no wake: their status bits stay 0, and their enable bits keep what is
 *    written (TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS);
 *  - the SCI is a level: asserted while a status bit and its enable bit are both set (4.8.3.1).
 *
 * Time is the caller's: `ticks` is the PM timer's count since reset (3.579545 MHz), and must not
 * go backwards. */
#ifndef VMM_DEV_ACPI_PM_H
#define VMM_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_PM_BASE        0x600u /* ICH9's and QEMU q35's PMBASE */
#define ACPI_PM1A_EVT_PORT  (ACPI_PM_BASE + 0x0)
#define ACPI_PM1A_CNT_PORT  (ACPI_PM_BASE + 0x4)
#define ACPI_PM_TMR_PORT    (ACPI_PM_BASE + 0x8)
/* SLP_TYP of soft off: ICH9's encoding (datasheet 316972, PM1_CNT: 111b = S5). */
#define ACPI_PM_S5_SLP_TYP  7u

#define ACPI_PM1_TMR_STS    (1u << 0)  /* PM1_STS: the timer's bit 31 changed */
#define ACPI_PM1_TMR_EN     (1u << 0)  /* PM1_EN: TMR_STS raises the SCI */

struct acpi_pm {
    uint16_t sts, en, cnt;
    uint64_t tmr_epoch; /* the timer's count >> 31 when TMR_STS was last brought up to date */
};

/* Reset: status, enables and PM1_CNT 0 (SCI_EN reads 1 regardless), the timer at 0. */
void acpi_pm_init(struct acpi_pm *pm);
/* The ports of the three blocks: 0x600-0x605 and 0x608-0x60b. */
bool acpi_pm_claims(uint16_t port);
/* A byte of a guest IN from a claimed port. */
uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port, uint64_t ticks);
/* A byte of a guest OUT to a claimed port.  Returns true when it asks for soft off (S5). */
bool acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t value, uint64_t ticks);
/* Brings TMR_STS up to `ticks` (the reads and writes above do it themselves). */
void acpi_pm_advance(struct acpi_pm *pm, uint64_t ticks);
/* The SCI's level. */
bool acpi_pm_sci(const struct acpi_pm *pm);
/* The tick at which the SCI will next rise by itself (TMR_STS with TMR_EN set), after
 * acpi_pm_advance; 0 when nothing is coming. */
uint64_t acpi_pm_next_sci(const struct acpi_pm *pm);

#endif
