/* Powering the platform off once the firmware is gone. */
#ifndef VMM_HOST_POWER_H
#define VMM_HOST_POWER_H

#include <stdbool.h>

#include "vmm/host/acpi.h"

/* ACPI S5 through the FADT's PM1 control blocks when known; then the emulators' exits (QEMU
 * isa-debug-exit at 0xf4, Bochs's 0x8900 "Shutdown"); then halts. */
__attribute__((noreturn)) void power_off(const struct acpi_s5 *s5, bool have_s5, unsigned exit_code);

#endif
