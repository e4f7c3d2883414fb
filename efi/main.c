/* apicvisor's UEFI entry: banner, options, memory map, CPUs, VMX capability check. */
#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "lib/console.h"
#include "vmm/apicv_level.h"
#include "vmm/options.h"
#include "lib/serial.h"
#include "vmx/probe.h"

extern const char apicvisor_build_id[];

/* Ends with a clear status line; errors go back to the firmware, which reports them too. */
static EFI_STATUS finish(EFI_STATUS status, const char *why)
{
    kprintf("apicvisor: %s; returning status 0x%lx to the firmware\n", why, (unsigned long)status);
    conout_detach();
    return status;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    InitializeLib(image, systab);
    /* Until ExitBootServices, ConOut; COM1 directly too unless the firmware already copies ConOut there. */
    serial_init();
    conout_attach();
    bool mirrored = conout_reaches_serial();
    if (!mirrored)
        console_add_sink(serial_write);

    kprintf("\napicvisor %s (build %s, " __DATE__ " " __TIME__ ")\n", APICVISOR_VERSION, apicvisor_build_id);

    char cmdline[512], err[160];
    const char *source;
    struct options opts;
    options_defaults(&opts);
    if (EFI_ERROR(load_command_line(image, cmdline, sizeof(cmdline), &source)))
        return finish(EFI_INVALID_PARAMETER, source);
    kprintf("console: ConOut%s\n", mirrored ? " (the firmware copies it to the serial port)" : " and COM1");
    kprintf("cmdline (%s): %s\n", source, cmdline);
    if (options_parse(&opts, cmdline, err, sizeof(err))) {
        kprintf("error: %s\n", err);
        return finish(EFI_INVALID_PARAMETER, "bad command line");
    }
    struct console_lines out = { .used = 0 };
    fmt_format(console_lines_sink, &out, "options: ");
    options_print(&opts, console_lines_sink, &out);
    fmt_format(console_lines_sink, &out, "\n");

    if (EFI_ERROR(memmap_report()))
        return finish(EFI_OUT_OF_RESOURCES, "cannot read the memory map");

    struct cpu_list cpus;
    if (EFI_ERROR(mp_enumerate(&cpus)))
        return finish(EFI_UNSUPPORTED, "cannot enumerate CPUs");
    if (opts.vcpus > cpus.count) {
        kprintf("error: option 'vcpus': %u requested but this machine has %u CPUs\n", opts.vcpus, cpus.count);
        return finish(EFI_INVALID_PARAMETER, "bad command line");
    }

    struct vmx_caps caps;
    if (!vmx_probe(&caps))
        return finish(EFI_UNSUPPORTED, "VMX is not usable on this machine");

    /* apicv=auto becomes the level this CPU allows; a named level it lacks ends here, with the
     * missing controls named, like any missing VMX feature. */
    struct vmx_controls controls;
    enum lapic_mode start_mode = lapic_mode_of(apic_base_reset_value(true, opts.x2apic));
    int level = apicv_choose(&caps, opts.apicv, start_mode, opts.hlt == HLT_GUEST, &controls, console_lines_sink, &out);
    console_lines_flush(&out);
    if (level < 0)
        return finish(EFI_UNSUPPORTED, "VMX is not usable on this machine");
    opts.apicv = (enum apicv_level)level;
    kprintf("apicvisor: capability check passed\n");
    return finish(handover(image, &opts, &cpus, &caps), "handover failed");
}
