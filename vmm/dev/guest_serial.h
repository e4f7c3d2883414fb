/* Guest text on the hypervisor's console, and the guest's COM1.
 *
 * Guest text (COM1 bytes, HC_PRINT) becomes console lines that the guest cannot make look like
 * the hypervisor's: it is split at '\n', every line is prefixed "[vcpu N] ", CR is dropped, and
 * every other byte below 0x20 or from 0x7f up is written as \xHH (lower-case hex; '\t' and ESC
 * too, so no control sequence reaches the operator's terminal).  A line longer than
 * GUEST_TEXT_LINE characters (escapes counted as printed, never split) is printed in pieces, each
 * a line with the prefix.  Each line reaches the sink in one call, prefix to '\n', so a sink that
 * writes each call under the console lock keeps vCPUs from interleaving inside a line.
 *
 * COM1 is a 16550A (National PC16550D data sheet) whose transmitted bytes go through the same
 * lines, modelled far enough that Linux's 8250 driver finds a "16550A" (autoconfig and
 * autoconfig_16550a in drivers/tty/serial/8250/8250_port.c) and runs it on interrupts:
 *  - transmission is instant: LSR THRE and TEMT always read set;
 *  - the owner feeds received bytes with guest_serial_receive into a 16-byte receiver FIFO, or a
 *    one-byte holding register while FCR bit 0 has the FIFOs off (16450 mode); the guest pops
 *    them from RBR, and LSR DR says whether one is there;
 *  - IER enables receiver line status (an overrun), received data and THRE interrupts; IIR names
 *    the highest pending one, with bits 7:6 set in FIFO mode; guest_serial_irq_level is the
 *    IRQ4 line a PC board drives from it, gated by MCR OUT2;
 *  - MCR LOOP is the data sheet's loopback: transmitted bytes are received instead of printed,
 *    and MSR's status bits mirror MCR's outputs (Linux's loopback test and size_fifo use it);
 *  - the divisor latch (DLAB set) and the scratch register keep what is written; the baud rate
 *    and line format mean nothing here.
 * Not modelled: MSR delta bits and the modem status interrupt (the modem lines never change
 * outside loopback), parity/framing/break errors, FIFO trigger levels and the character timeout
 * (received data interrupts as soon as one byte is there, see guest_serial.c).  A zeroed struct
 * is the UART after reset. */
#ifndef VMM_DEV_GUEST_SERIAL_H
#define VMM_DEV_GUEST_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"

#define GUEST_COM1 0x3f8
#define GUEST_TEXT_LINE 200 /* printed characters of one line, the prefix not counted */

/* A line being collected: its text, already escaped. */
struct guest_text {
    char line[GUEST_TEXT_LINE];
    unsigned len;
};

/* One byte of guest text: ends the line at '\n', drops '\r', else appends it (escaped). */
void guest_text_put(struct guest_text *t, uint8_t byte, unsigned vcpu, fmt_sink_fn sink, void *ctx);
/* Prints the pending partial line, if any. */
void guest_text_flush(struct guest_text *t, unsigned vcpu, fmt_sink_fn sink, void *ctx);
/* A whole text at once (guest_text_put for each byte, then guest_text_flush): "a\nb" and "a\nb\n"
 * are both two lines; an empty text prints nothing. */
void guest_text_write(unsigned vcpu, const char *text, size_t len, fmt_sink_fn sink, void *ctx);

#define GUEST_SERIAL_FIFO 16 /* the 16550A's receiver FIFO, in bytes */

struct guest_serial {
    struct guest_text text;
    uint8_t lcr, ier, mcr, scratch;
    uint8_t dll, dlm;     /* divisor latch, low and high byte */
    bool fifo;            /* FCR bit 0: FIFO mode */
    bool thre_pending;    /* the THRE interrupt is pending (set only while IER enables it) */
    bool overrun;         /* LSR OE: a looped-back byte found the receiver full */
    uint8_t rx[GUEST_SERIAL_FIFO];
    uint8_t rx_head, rx_count;
};

bool guest_serial_claims(uint16_t port);
/* A guest IN from port (one byte). */
uint8_t guest_serial_read(struct guest_serial *s, uint16_t port);
/* A guest OUT; completed lines go to sink with the vCPU number as prefix. */
void guest_serial_write(struct guest_serial *s, uint16_t port, uint8_t value, unsigned vcpu, fmt_sink_fn sink,
                        void *ctx);
/* Prints a pending partial line (at power-off). */
void guest_serial_flush(struct guest_serial *s, unsigned vcpu, fmt_sink_fn sink, void *ctx);
/* A byte arriving on the serial input.  False, the byte not taken, while the receiver is full
 * (16 bytes in FIFO mode, 1 in 16450 mode) or disconnected from the input by loopback: the owner
 * keeps it and offers it again after the guest has read, as a sender under flow control would. */
bool guest_serial_receive(struct guest_serial *s, uint8_t byte);
/* The level of COM1's ISA interrupt line (IRQ4): an enabled interrupt is pending and MCR OUT2,
 * which on PC boards gates the UART's INTR pin onto the bus, is set (never in loopback, where
 * the data sheet holds the OUT2 pin inactive). */
bool guest_serial_irq_level(const struct guest_serial *s);

#endif
