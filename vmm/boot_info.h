/* What the UEFI side hands to the hypervisor proper at ExitBootServices. */
#ifndef VMM_BOOT_INFO_H
#define VMM_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/host/acpi.h"
#include "vmm/options.h"
#include "vmm/host/pmem.h"
#include "vmx/caps.h"

struct boot_info {
    struct options opts;
    unsigned ncpus;
    uint32_t apic_id[APICVISOR_MAX_CPUS]; /* index 0 is the BSP */
    struct vmx_caps caps;
    struct pmem pmem;
    struct acpi_s5 s5;
    bool have_s5;
    uint64_t ap_trampoline;   /* a page below 1 MiB, reserved before ExitBootServices */
    uint64_t tsc_khz;         /* measured against the firmware's Stall() */
    const void *guest_image;  /* the guest kernel file, read before ExitBootServices */
    uint64_t guest_size;
    const void *initrd_image; /* initrd=, read likewise (NULL: none) */
    uint64_t initrd_size;
};

/* The hypervisor after handover; runs on the BSP on a hypervisor stack, never returns. */
__attribute__((noreturn)) void vmm_main(struct boot_info *bi);

#endif
