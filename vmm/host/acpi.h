/* The little ACPI apicvisor needs: how to enter S5 (soft off) once the firmware is gone. */
#ifndef VMM_HOST_ACPI_H
#define VMM_HOST_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_s5 {
    uint16_t pm1a_cnt, pm1b_cnt; /* I/O ports; pm1b 0 if absent */
    uint8_t slp_typa, slp_typb;
};

/* Follows RSDP -> XSDT/RSDT -> FADT -> DSDT and reads the \_S5 package.  Table addresses are
 * used as pointers (identity mapping).  Returns false, naming nothing, if any step is missing. */
bool acpi_find_s5(const void *rsdp, struct acpi_s5 *out);

/* The PM1 control value that enters a sleep state: SLP_TYP in bits 12:10, SLP_EN bit 13
 * (ACPI 6.5, 4.8.3.2.1 "PM1 Control Registers"). */
static inline uint16_t acpi_pm1_sleep_value(uint8_t slp_typ)
{
    return (uint16_t)(((slp_typ & 7u) << 10) | (1u << 13));
}

#endif
