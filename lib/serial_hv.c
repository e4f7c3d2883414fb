#include "lib/serial.h"

#include "lib/cpu.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LCR_DLAB 0x80

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);          /* polled: no UART interrupts */
    outb(COM1 + UART_LCR, UART_LCR_DLAB);
    outb(COM1 + 0, 1);                    /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);          /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);          /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS */
}

static void put(char c)
{
    /* Bounded wait: a missing UART must not hang the hypervisor. */
    for (unsigned spins = 0; spins < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); spins++)
        cpu_relax();
    outb(COM1 + UART_THR, (unsigned char)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}
