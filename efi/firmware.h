/* What the UEFI side learns before it hands the machine over. */
#ifndef EFI_FIRMWARE_H
#define EFI_FIRMWARE_H

#include <efi.h>
#include <stdbool.h>

#include "vmm/options.h"
#include "vmx/caps.h"

struct cpu_list {
    unsigned count;
    unsigned bsp_index;
    uint32_t apic_id[APICVISOR_MAX_CPUS];
};

/* ConOut as a console sink (until ExitBootServices). */
void conout_attach(void);
void conout_detach(void);
bool conout_reaches_serial(void);

/* Enumerates the CPUs through EFI_MP_SERVICES_PROTOCOL; prints each with its APIC ID. */
EFI_STATUS mp_enumerate(struct cpu_list *cpus);

/* Prints a summary of the UEFI memory map. */
EFI_STATUS memmap_report(void);

/* Reads the command line: text load options (from the UEFI shell or a boot entry) first, else the
 * file apicvisor.cmdline beside the application, else nothing.  Names the source it used. */
EFI_STATUS load_command_line(EFI_HANDLE image, char *out, UINTN out_size, const char **source);

/* Reads a whole file of the application's own volume into loader-data pool memory. */
EFI_STATUS esp_read_file(EFI_HANDLE image, const CHAR16 *path, void **data, UINTN *size);
/* Same, for a file in the application's own directory. */
EFI_STATUS esp_read_beside_image(EFI_HANDLE image, const CHAR16 *name, void **data, UINTN *size);

/* Gathers what the hypervisor needs, exits boot services and continues in vmm_main().  Returns
 * only when something failed before ExitBootServices. */
EFI_STATUS handover(EFI_HANDLE image, const struct options *opts, const struct cpu_list *cpus,
                    const struct vmx_caps *caps);

#endif
