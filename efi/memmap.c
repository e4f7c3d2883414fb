#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "lib/console.h"

EFI_STATUS memmap_report(void)
{
    UINTN entries, key, desc_size;
    UINT32 desc_version;
    EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
    if (!map) {
        kprintf("memmap: GetMemoryMap failed\n");
        return EFI_OUT_OF_RESOURCES;
    }
    UINT64 free_pages = 0, top = 0;
    for (UINTN i = 0; i < entries; i++) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
        if (d->Type == EfiConventionalMemory)
            free_pages += d->NumberOfPages;
        UINT64 end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE_SIZE;
        if (end > top)
            top = end;
    }
    kprintf("memmap: %lu descriptors, %lu MiB conventional memory free, highest address 0x%lx\n",
            (unsigned long)entries, (unsigned long)(free_pages * EFI_PAGE_SIZE >> 20), (unsigned long)top);
    FreePool(map);
    return EFI_SUCCESS;
}
