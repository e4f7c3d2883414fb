/* Taking the machine from the firmware: everything that needs boot services is gathered first,
 * then ExitBootServices, then the hypervisor continues on its own stack in vmm_main(). */
#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "vmm/boot_info.h"
#include "lib/console.h"
#include "vmm/host/exceptions.h"
#include "vmm/host/lapic.h"
#include "vmm/host/percpu.h"
#include "lib/serial.h"
#include "vmm/host/tsc.h"

static struct boot_info boot_info;

static void *find_rsdp(void)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    void *found = NULL;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
        if (!CompareGuid(&t->VendorGuid, &acpi20))
            return t->VendorTable;
        if (!CompareGuid(&t->VendorGuid, &acpi10))
            found = t->VendorTable;
    }
    return found;
}

static uint64_t measure_tsc_khz(void)
{
    uint64_t t0 = rdtsc();
    BS->Stall(10000);
    return (rdtsc() - t0) / 10;
}

/* Free conventional memory above 1 MiB becomes the hypervisor's; everything else (the firmware's
 * runtime regions, ACPI tables, this image, the trampoline page) is left alone. */
static void build_pmem(struct pmem *pm, EFI_MEMORY_DESCRIPTOR *map, UINTN map_size, UINTN desc_size)
{
    pmem_init(pm);
    for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + off);
        if (d->Type == EfiConventionalMemory)
            pmem_add_range(pm, d->PhysicalStart, d->NumberOfPages * EFI_PAGE_SIZE, 1ull << 20);
    }
}

static bool cpu_used(const struct boot_info *bi, uint32_t apic_id)
{
    for (unsigned i = 0; i < bi->ncpus; i++)
        if (bi->apic_id[i] == apic_id)
            return true;
    return false;
}

/* CPUs beyond vcpus= are never started.  Left in the firmware's AP loop they would run firmware
 * code that nobody owns any more (in Bochs 3.1 with OVMF, two CPUs left there slowed the others
 * down a hundredfold), so after ExitBootServices each gets an INIT and nothing else: it waits for
 * a SIPI and executes nothing (SDM Vol. 3A 9.4 "Multiple-Processor (MP) Initialization"). */
static void park_unused_cpus(const struct cpu_list *cpus, const struct boot_info *bi)
{
    unsigned unused = cpus->count - bi->ncpus;
    if (!unused)
        return;
    lapic_init(); /* vmm_main() calls it again after host_x2apic= */
    struct console_lines out = { .used = 0 };
    fmt_format(console_lines_sink, &out, "handover: %u CPU%s not used (vcpus=%u): APIC ID%s", unused,
               unused == 1 ? "" : "s", bi->ncpus, unused == 1 ? "" : "s");
    const char *sep = " ";
    for (unsigned i = 0; i < cpus->count; i++) {
        if (cpu_used(bi, cpus->apic_id[i]))
            continue;
        lapic_send_ipi(cpus->apic_id[i], ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
        fmt_format(console_lines_sink, &out, "%s%u", sep, cpus->apic_id[i]);
        sep = ", ";
    }
    fmt_format(console_lines_sink, &out, " parked by INIT in wait-for-SIPI\n");
}

/* A file the option `path` names on the ESP (an ASCII path), read before ExitBootServices. */
static EFI_STATUS read_guest_file(EFI_HANDLE image, const char *path, const char *what, const void **data,
                                  uint64_t *size)
{
    CHAR16 wide[128];
    UINTN i = 0;
    for (; path[i] && i + 1 < sizeof(wide) / sizeof(wide[0]); i++)
        wide[i] = (CHAR16)(unsigned char)path[i];
    wide[i] = 0;
    void *buf = NULL;
    UINTN len = 0;
    EFI_STATUS st = esp_read_file(image, wide, &buf, &len);
    if (EFI_ERROR(st)) {
        kprintf("handover: cannot read the %s '%s' (status 0x%lx)\n", what, path, (unsigned long)st);
        return st;
    }
    *data = buf;
    *size = len;
    kprintf("handover: %s %s, %lu bytes\n", what, path, (unsigned long)len);
    return EFI_SUCCESS;
}

static void enter_vmm(void *arg)
{
    vmm_main(arg);
}

EFI_STATUS handover(EFI_HANDLE image, const struct options *opts, const struct cpu_list *cpus,
                    const struct vmx_caps *caps)
{
    struct boot_info *bi = &boot_info;
    bi->opts = *opts;
    bi->caps = *caps;
    unsigned used = opts->vcpus ? opts->vcpus : cpus->count;
    /* The BSP is CPU 0; the others keep the firmware's order. */
    bi->ncpus = 0;
    bi->apic_id[bi->ncpus++] = cpus->apic_id[cpus->bsp_index];
    for (unsigned i = 0; i < cpus->count && bi->ncpus < used; i++)
        if (i != cpus->bsp_index)
            bi->apic_id[bi->ncpus++] = cpus->apic_id[i];

    EFI_PHYSICAL_ADDRESS tramp = 0xfffff;
    EFI_STATUS st = BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, 1, &tramp);
    if (EFI_ERROR(st)) {
        kprintf("handover: no page below 1 MiB for the AP trampoline\n");
        return st;
    }
    bi->ap_trampoline = tramp;
    bi->have_s5 = acpi_find_s5(find_rsdp(), &bi->s5);
    if (!bi->have_s5)
        kprintf("handover: no ACPI S5 information; power-off will use the emulator ports only\n");
    st = read_guest_file(image, opts->guest, "guest kernel", &bi->guest_image, &bi->guest_size);
    if (!EFI_ERROR(st) && opts->initrd[0])
        st = read_guest_file(image, opts->initrd, "initrd", &bi->initrd_image, &bi->initrd_size);
    if (EFI_ERROR(st))
        return st;
    bi->tsc_khz = measure_tsc_khz();
    kprintf("handover: TSC %lu kHz, AP trampoline at 0x%lx, ACPI PM1a_CNT 0x%x SLP_TYPa %u\n",
            (unsigned long)bi->tsc_khz, (unsigned long)tramp, bi->s5.pm1a_cnt, bi->s5.slp_typa);
    kprintf("handover: exiting boot services\n");

    /* From here on nothing may allocate (it would change the map key); ConOut goes away. */
    conout_detach();
    console_add_sink(serial_write);
    UINTN map_size = 0, key, desc_size;
    UINT32 desc_version;
    EFI_MEMORY_DESCRIPTOR *map = NULL;
    BS->GetMemoryMap(&map_size, NULL, &key, &desc_size, &desc_version);
    map_size += 8 * desc_size; /* room for the descriptors our own allocation adds */
    if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, map_size, (VOID **)&map)))
        return EFI_OUT_OF_RESOURCES;
    for (int attempt = 0; attempt < 2; attempt++) {
        UINTN size = map_size;
        st = BS->GetMemoryMap(&size, map, &key, &desc_size, &desc_version);
        if (!EFI_ERROR(st))
            st = BS->ExitBootServices(image, key);
        if (!EFI_ERROR(st)) {
            map_size = size;
            break;
        }
    }
    if (EFI_ERROR(st)) {
        kprintf("handover: ExitBootServices failed (status 0x%lx)\n", (unsigned long)st);
        return st;
    }
    build_pmem(&bi->pmem, map, map_size, desc_size);
    park_unused_cpus(cpus, bi);
    uint64_t stack = pmem_alloc_any(&bi->pmem, CPU_STACK_SIZE / PAGE_SIZE, PAGE_SIZE);
    if (!stack) {
        kprintf("handover: out of memory for the BSP stack\n");
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    switch_stack(stack + CPU_STACK_SIZE, enter_vmm, bi);
}
