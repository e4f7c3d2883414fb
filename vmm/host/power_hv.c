#include "vmm/host/power.h"

#include "lib/cpu.h"

__attribute__((noreturn)) void power_off(const struct acpi_s5 *s5, bool have_s5, unsigned exit_code)
{
    __asm__ volatile("cli");
    if (have_s5) {
        outw(s5->pm1a_cnt, acpi_pm1_sleep_value(s5->slp_typa));
        if (s5->pm1b_cnt)
            outw(s5->pm1b_cnt, acpi_pm1_sleep_value(s5->slp_typb));
    }
    outb(0xf4, (unsigned char)exit_code);
    static const char shutdown[] = "Shutdown";
    for (const char *c = shutdown; *c; c++)
        outb(0x8900, (unsigned char)*c);
    for (;;)
        __asm__ volatile("hlt");
}
