/* The guest's COM1: a minimal 16550 whose transmitted bytes become console lines prefixed with
 * the vCPU ("[vcpu 1] text"), one line at a time so that vCPUs never interleave mid-line. */
#ifndef VMM_DEV_GUEST_SERIAL_H
#define VMM_DEV_GUEST_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

#define GUEST_COM1 0x3f8
#define GUEST_SERIAL_LINE 200

struct guest_serial {
    char line[GUEST_SERIAL_LINE];
    unsigned len;
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
