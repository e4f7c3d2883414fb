#include "vmm/dev/guest_serial.h"

#include <string.h>

#define ASCII_SPACE 0x20     /* the first printable byte */
#define ASCII_DEL   0x7f     /* DEL and every byte above it are escaped */
#define ESCAPE_MAX  4        /* "\xHH" */
#define PREFIX_MAX  24       /* "[vcpu 4294967295] " and the NUL fmt_snprintf writes */

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

/* Bytes below 0x20 and from 0x7f up as \xHH, every other byte as itself. */
static unsigned escape(uint8_t byte, char out[ESCAPE_MAX])
{
    static const char hex[] = "0123456789abcdef";
    if (byte >= ASCII_SPACE && byte < ASCII_DEL) {
        out[0] = (char)byte;
        return 1;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[byte >> 4];
    out[3] = hex[byte & 0xf];
    return ESCAPE_MAX;
}

/* The pending line, prefixed and ended, in one call of the sink. */
static void emit(struct guest_text *t, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    char out[PREFIX_MAX + GUEST_TEXT_LINE + 1];
    int n = fmt_snprintf(out, PREFIX_MAX, "[vcpu %u] ", vcpu);
    memcpy(out + n, t->line, t->len);
    out[n + t->len] = '\n';
    sink(ctx, out, (size_t)n + t->len + 1);
    t->len = 0;
}

void guest_text_put(struct guest_text *t, uint8_t byte, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    char esc[ESCAPE_MAX];
    if (byte == '\n') {
        emit(t, vcpu, sink, ctx);
        return;
    }
    if (byte == '\r')
        return;
    unsigned n = escape(byte, esc);
    /* A full line goes out as a piece only when more text follows, so that a line which fills
     * it exactly is not followed by an empty one at its newline. */
    if (t->len + n > GUEST_TEXT_LINE)
        emit(t, vcpu, sink, ctx);
    memcpy(t->line + t->len, esc, n);
    t->len += n;
}

void guest_text_flush(struct guest_text *t, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    if (t->len)
        emit(t, vcpu, sink, ctx);
}

void guest_text_write(unsigned vcpu, const char *text, size_t len, fmt_sink_fn sink, void *ctx)
{
    struct guest_text t = { .len = 0 };
    for (size_t i = 0; i < len; i++)
        guest_text_put(&t, (uint8_t)text[i], vcpu, sink, ctx);
    guest_text_flush(&t, vcpu, sink, ctx);
}

void guest_serial_flush(struct guest_serial *s, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    guest_text_flush(&s->text, vcpu, sink, ctx);
}

void guest_serial_write(struct guest_serial *s, uint16_t port, uint8_t value, unsigned vcpu, fmt_sink_fn sink,
                        void *ctx)
{
    switch (port - GUEST_COM1) {
    case REG_DATA:
        if (!(s->lcr & LCR_DLAB)) /* under DLAB: the divisor latch, the baud rate means nothing here */
            guest_text_put(&s->text, value, vcpu, sink, ctx);
        return;
    case REG_IER: if (!(s->lcr & LCR_DLAB)) s->ier = value & 0x0f; return;
    case REG_LCR: s->lcr = value; return;
    case REG_MCR: s->mcr = value & 0x1f; return;
    case REG_SCR: s->scratch = value; return;
    default: return;
    }
}
