/* The guest kernel's BSP path: console, command line, IDT, timebase, LAPIC mode, APs, tests. */
#include <stdint.h>

#include "guest/hypercall.h"
#include "guest/idt.h"
#include "guest/lapic.h"
#include "guest/multiboot.h"
#include "guest/options.h"
#include "guest/percpu.h"
#include "guest/power.h"
#include "guest/smp.h"
#include "guest/test.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"
#include "lib/serial.h"

#define MB_INFO_MEMORY  (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)

uint32_t multiboot_mem_upper_kib;

/* Multiboot 3.3: mem_upper at offset 8, valid with flags bit 0. */
static uint32_t multiboot_mem_upper(uint32_t info)
{
    const uint32_t *mbi = (const uint32_t *)(uintptr_t)info;
    return info && (mbi[0] & MB_INFO_MEMORY) ? mbi[2] : 0;
}

/* Multiboot 3.3: flags at offset 0, the command line's address at offset 16. */
static const char *multiboot_cmdline(uint32_t info)
{
    if (!info || !(*(const uint32_t *)(uintptr_t)info & MB_INFO_CMDLINE))
        return "";
    const char *s = (const char *)(uintptr_t) * (const uint32_t *)(uintptr_t)(info + 16);
    /* QEMU and GRUB put the kernel's path first: a first word without '=' is not an option. */
    const char *w = s;
    while (*w == ' ')
        w++;
    const char *end = w;
    while (*end && *end != ' ' && *end != '=')
        end++;
    return *end == '=' ? s : end;
}

/* The 8259s may be left unmasked by the firmware; remap them off the exception vectors and mask
 * every line so that only the local APIC delivers interrupts. */
static void legacy_pic_disable(void)
{
    static const uint8_t init[] = { 0x11, 0x20, 0x04, 0x01 };   /* ICW1-4: vectors 0x20 and 0x28 */
    outb(0x20, init[0]);
    outb(0xa0, init[0]);
    outb(0x21, init[1]);
    outb(0xa1, init[1] + 8);
    outb(0x21, init[2]);
    outb(0xa1, 0x02);
    outb(0x21, init[3]);
    outb(0xa1, init[3]);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static const struct lapic_ops *choose_lapic(enum lapic_choice c)
{
    switch (c) {
    case LAPIC_XAPIC:
        return &lapic_xapic_ops;
    case LAPIC_X2APIC:
        return cpu_has_x2apic() ? &lapic_x2apic_ops : 0;
    default: /* auto: prefer x2APIC (seeds/000) */
        return cpu_has_x2apic() ? &lapic_x2apic_ops : &lapic_xapic_ops;
    }
}

__attribute__((noreturn)) void guest_main(uint32_t multiboot_info)
{
    serial_init();
    console_add_sink(serial_write);
    idt_build();
    cpu_setup(0);
    multiboot_mem_upper_kib = multiboot_mem_upper(multiboot_info);
    const char *cmdline = multiboot_cmdline(multiboot_info);
    kprintf("apicvisor guest: cmdline '%s'\n", cmdline);
    char err[128];
    if (options_parse(&options, cmdline, err, sizeof(err))) {
        kprintf("error: %s\n", err);
        power_off(POWER_OFF_FAILED);
    }
    legacy_pic_disable();
    uint64_t hz = tsc_calibrate();
    if (!hz) {
        kprintf("error: PIT channel 2 never counted down; cannot calibrate the TSC\n");
        power_off(POWER_OFF_FAILED);
    }
    kprintf("tsc: %lu.%03lu MHz (calibrated against PIT channel 2 over 50 ms)\n", hz / 1000000,
            hz / 1000 % 1000);

    const struct lapic_ops *mode = choose_lapic(options.lapic);
    if (!mode) {
        kprintf("error: lapic=x2apic but CPUID.1:ECX[21] (x2APIC) is clear\n");
        power_off(POWER_OFF_FAILED);
    }
    lapic_setup(mode);
    cpus[0].apic_id = lapic()->id();
    kprintf("lapic: mode %s (lapic=%s, CPUID x2APIC %s), IA32_APIC_BASE 0x%lx\n", mode->name,
            lapic_choice_name(options.lapic), cpu_has_x2apic() ? "yes" : "no", rdmsr(MSR_APIC_BASE));
    sti();

    unsigned online = smp_start_aps(options.ncpus ? options.ncpus : GUEST_MAX_CPUS);
    kprintf("smp: %u CPUs online:", online);
    for (unsigned i = 0; i < online; i++)
        kprintf(" cpu%u=apic%u", i, cpus[i].apic_id);
    kprintf("\n");
    char sig[13];
    if (hv_signature(sig))
        kprintf("hypervisor: CPUID.1:ECX[31] set, signature '%s'%s\n", sig, hv_is_apicvisor() ? " (apicvisor)" : "");
    else
        kprintf("hypervisor: none (CPUID.1:ECX[31] clear)\n");

    struct test_totals t = tests_run(all_tests, all_tests_count, options.only);
    kprintf("guest: %u passed, %u failed, %u skipped\n", t.passed, t.failed, t.skipped);
    power_off(t.failed ? POWER_OFF_FAILED : POWER_OFF_PASSED);
}
