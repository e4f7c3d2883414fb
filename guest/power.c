#include "guest/power.h"

#include "guest/x86.h"

#define ISA_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

#define COM1_LSR 0x3fd
#define LSR_TRANSMITTER_EMPTY 0x40

void power_off(enum power_status status)
{
    /* Let COM1 send its last characters first (bounded: the UART may be absent). */
    for (unsigned spins = 0; spins < 1000000 && !(inb(COM1_LSR) & LSR_TRANSMITTER_EMPTY); spins++)
        cpu_relax();
    outl(ISA_DEBUG_EXIT_PORT, status);
    for (const char *s = "Shutdown"; *s; s++)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
    for (;;)
        __asm__ volatile("cli; hlt");
}
