#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "efi/mp_services.h"
#include "lib/console.h"

EFI_STATUS mp_enumerate(struct cpu_list *cpus)
{
    EFI_GUID guid = EFI_MP_SERVICES_PROTOCOL_GUID;
    EFI_MP_SERVICES_PROTOCOL *mp = NULL;
    UINTN total = 0, enabled = 0;

    cpus->count = 0;
    EFI_STATUS st = BS->LocateProtocol(&guid, NULL, (VOID **)&mp);
    if (EFI_ERROR(st)) {
        kprintf("cpus: no EFI_MP_SERVICES_PROTOCOL (status 0x%lx)\n", (unsigned long)st);
        return st;
    }
    st = mp->GetNumberOfProcessors(mp, &total, &enabled);
    if (EFI_ERROR(st))
        return st;
    if (total > APICVISOR_MAX_CPUS) {
        kprintf("cpus: %lu CPUs, apicvisor supports %d; using the first %d\n", (unsigned long)total,
                APICVISOR_MAX_CPUS, APICVISOR_MAX_CPUS);
        total = APICVISOR_MAX_CPUS;
    }
    kprintf("cpus: %lu present, %lu enabled\n", (unsigned long)total, (unsigned long)enabled);
    for (UINTN i = 0; i < total; i++) {
        EFI_PROCESSOR_INFORMATION info;
        st = mp->GetProcessorInfo(mp, i, &info);
        if (EFI_ERROR(st))
            return st;
        if (!(info.StatusFlag & PROCESSOR_ENABLED_BIT))
            continue;
        if (info.StatusFlag & PROCESSOR_AS_BSP_BIT)
            cpus->bsp_index = cpus->count;
        cpus->apic_id[cpus->count++] = (uint32_t)info.ProcessorId;
        kprintf("cpu %u: APIC ID %u%s (package %u core %u thread %u)\n", cpus->count - 1,
                (unsigned)info.ProcessorId, (info.StatusFlag & PROCESSOR_AS_BSP_BIT) ? " BSP" : "",
                info.Location.Package, info.Location.Core, info.Location.Thread);
    }
    return EFI_SUCCESS;
}
