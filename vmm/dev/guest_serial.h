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
 * COM1 is a minimal 16550 whose transmitted bytes go through the same lines. */
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

struct guest_serial {
    struct guest_text text;
    uint8_t lcr, ier, mcr, scratch;
};

bool guest_serial_claims(uint16_t port);
/* A guest IN from port (one byte). */
uint8_t guest_serial_read(struct guest_serial *s, uint16_t port);
/* A guest OUT; completed lines go to sink with the vCPU number as prefix. */
void guest_serial_write(struct guest_serial *s, uint16_t port, uint8_t value, unsigned vcpu, fmt_sink_fn sink,
                        void *ctx);
/* Prints a pending partial line (at power-off). */
void guest_serial_flush(struct guest_serial *s, unsigned vcpu, fmt_sink_fn sink, void *ctx);

#endif
