#include "vmm/dev/guest_serial.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_IIR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE_TEMT 0x60    /* transmitter always empty: output is taken at once */
#define IIR_NO_INTERRUPT 0x01
#define MSR_DCD_DSR_CTS 0xb0  /* a connected line, so polled drivers do not wait */

bool guest_serial_claims(uint16_t port)
{
    return port >= GUEST_COM1 && port < GUEST_COM1 + 8;
}

uint8_t guest_serial_read(struct guest_serial *s, uint16_t port)
{
    switch (port - GUEST_COM1) {
    case REG_IER: return (s->lcr & LCR_DLAB) ? 0 : s->ier;
    case REG_IIR: return IIR_NO_INTERRUPT;
    case REG_LCR: return s->lcr;
    case REG_MCR: return s->mcr;
    case REG_LSR: return LSR_THRE_TEMT;
    case REG_MSR: return MSR_DCD_DSR_CTS;
    case REG_SCR: return s->scratch;
    default: return 0; /* no received data */
    }
}

void guest_serial_flush(struct guest_serial *s, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    if (s->len)
        fmt_format(sink, ctx, "[vcpu %u] %.*s\n", vcpu, (int)s->len, s->line);
    s->len = 0;
}

void guest_serial_write(struct guest_serial *s, uint16_t port, uint8_t value, unsigned vcpu, fmt_sink_fn sink,
                        void *ctx)
{
    switch (port - GUEST_COM1) {
    case REG_DATA:
        if (s->lcr & LCR_DLAB)
            return; /* divisor latch: the baud rate means nothing here */
        if (value == '\n') {
            fmt_format(sink, ctx, "[vcpu %u] %.*s\n", vcpu, (int)s->len, s->line);
            s->len = 0;
        } else if (value != '\r') {
            /* A full buffer goes out as a piece only when more text follows, so that a line
             * which fills it exactly is not followed by an empty one at its newline. */
            if (s->len == GUEST_SERIAL_LINE)
                guest_serial_flush(s, vcpu, sink, ctx);
            s->line[s->len++] = (char)value;
        }
        return;
    case REG_IER: if (!(s->lcr & LCR_DLAB)) s->ier = value & 0x0f; return;
    case REG_LCR: s->lcr = value; return;
    case REG_MCR: s->mcr = value & 0x1f; return;
    case REG_SCR: s->scratch = value; return;
    default: return;
    }
}
