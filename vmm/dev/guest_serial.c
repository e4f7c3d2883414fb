#include "vmm/dev/guest_serial.h"

#include <string.h>

#define ASCII_SPACE 0x20     /* the first printable byte */
#define ASCII_DEL   0x7f     /* DEL and every byte above it are escaped */
#define ESCAPE_MAX  4        /* "\xHH" */
#define PREFIX_MAX  24       /* "[vcpu 4294967295] " and the NUL fmt_snprintf writes */

/* Register offsets and bits: PC16550D data sheet, summary of registers (Linux include/uapi/linux/serial_reg.h
 * names them UART_*). */
#define REG_DATA 0            /* RBR on read, THR on write; DLL under DLAB */
#define REG_IER 1             /* DLM under DLAB */
#define REG_IIR 2             /* IIR on read, FCR on write, whatever DLAB is */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define IER_RDA 0x01          /* received data available */
#define IER_THRE 0x02         /* transmitter holding register empty */
#define IER_RLS 0x04          /* receiver line status */
#define IER_BITS 0x0f         /* bit 3, modem status, is kept but never has a source */
#define IIR_NO_INTERRUPT 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_FIFOS 0xc0        /* FCR bit 0 set: what makes Linux's autoconfig say 16550A */
#define FCR_FIFO 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_BITS 0x1f
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE_TEMT 0x60    /* transmitter always empty: output is taken at once */
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_DCD_DSR_CTS (MSR_DCD | MSR_DSR | MSR_CTS) /* a connected line: polled drivers do not wait */

bool guest_serial_claims(uint16_t port)
{
    return port >= GUEST_COM1 && port < GUEST_COM1 + 8;
}

/* In 16450 mode the receiver is RBR alone (data sheet: FCR bit 0). */
static unsigned rx_room(const struct guest_serial *s)
{
    return s->fifo ? GUEST_SERIAL_FIFO : 1;
}

static void rx_clear(struct guest_serial *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
}

static void rx_push(struct guest_serial *s, uint8_t byte)
{
    s->rx[(s->rx_head + s->rx_count) % GUEST_SERIAL_FIFO] = byte;
    s->rx_count++;
}

static uint8_t rx_pop(struct guest_serial *s)
{
    if (!s->rx_count)
        return 0; /* no received data */
    uint8_t byte = s->rx[s->rx_head];
    s->rx_head = (uint8_t)((s->rx_head + 1) % GUEST_SERIAL_FIFO);
    s->rx_count--;
    return byte;
}

/* The highest-priority enabled interrupt pending, as IIR bits 3:0 (data sheet, Interrupt
 * Identification Register: receiver line status, then received data, then THRE; modem status
 * never has a source here).  Received data is pending while any byte is there: a 16550A raises
 * it at the FCR trigger level, or after a character timeout (IIR 0x0c) for fewer bytes, but the
 * owner's bytes come in bursts with no clock here to time that, and Linux's serial8250_handle_irq
 * drains the FIFO by LSR DR whichever of the two IIR says. */
static uint8_t pending(const struct guest_serial *s)
{
    if ((s->ier & IER_RLS) && s->overrun)
        return IIR_RLS;
    if ((s->ier & IER_RDA) && s->rx_count)
        return IIR_RDA;
    if (s->thre_pending)
        return IIR_THRE;
    return IIR_NO_INTERRUPT;
}

bool guest_serial_irq_level(const struct guest_serial *s)
{
    /* In loopback the data sheet forces the OUT2 pin inactive whatever MCR holds, so the board's
     * gate is shut then too. */
    return pending(s) != IIR_NO_INTERRUPT && (s->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
}

bool guest_serial_receive(struct guest_serial *s, uint8_t byte)
{
    if ((s->mcr & MCR_LOOP) || s->rx_count == rx_room(s))
        return false;
    rx_push(s, byte);
    return true;
}

/* Loopback: the transmitted byte reaches the receiver at once.  A full receiver overruns (LSR
 * OE): the FIFO keeps what it holds, while RBR in 16450 mode is overwritten (data sheet, LSR
 * bit 1). */
static void loop_back(struct guest_serial *s, uint8_t byte)
{
    if (s->rx_count < rx_room(s)) {
        rx_push(s, byte);
        return;
    }
    s->overrun = true;
    if (!s->fifo)
        s->rx[s->rx_head] = byte;
}

/* In loopback MSR's status bits are MCR's outputs: CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2
 * (data sheet, MCR bit 4). */
static uint8_t msr(const struct guest_serial *s)
{
    if (!(s->mcr & MCR_LOOP))
        return MSR_DCD_DSR_CTS;
    return (uint8_t)((s->mcr & MCR_RTS ? MSR_CTS : 0) | (s->mcr & MCR_DTR ? MSR_DSR : 0) |
                     (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0));
}

uint8_t guest_serial_read(struct guest_serial *s, uint16_t port)
{
    bool dlab = s->lcr & LCR_DLAB;
    switch (port - GUEST_COM1) {
    case REG_DATA: return dlab ? s->dll : rx_pop(s);
    case REG_IER: return dlab ? s->dlm : s->ier;
    case REG_IIR: {
        uint8_t id = pending(s);
        /* Reading IIR clears the THRE interrupt when IIR names it (data sheet, IIR). */
        if (id == IIR_THRE)
            s->thre_pending = false;
        return (uint8_t)(id | (s->fifo ? IIR_FIFOS : 0));
    }
    case REG_LCR: return s->lcr;
    case REG_MCR: return s->mcr;
    case REG_LSR: {
        uint8_t lsr = (uint8_t)(LSR_THRE_TEMT | (s->rx_count ? LSR_DR : 0) | (s->overrun ? LSR_OE : 0));
        s->overrun = false; /* OE is cleared by reading LSR */
        return lsr;
    }
    case REG_MSR: return msr(s);
    case REG_SCR: return s->scratch;
    default: return 0; /* not one of COM1's ports (guest_serial_claims) */
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

/* THR: the byte is sent at once, so THR is empty again and, by the 16550 rule that writing THR
 * clears the THRE interrupt and THR becoming empty sets it, the interrupt is pending after every
 * write while IER enables it. */
static void transmit(struct guest_serial *s, uint8_t byte, unsigned vcpu, fmt_sink_fn sink, void *ctx)
{
    if (s->mcr & MCR_LOOP)
        loop_back(s, byte); /* the serial output is held idle in loopback */
    else
        guest_text_put(&s->text, byte, vcpu, sink, ctx);
    s->thre_pending = s->ier & IER_THRE;
}

/* IER: enabling THRE with THR empty, as it always is, makes the interrupt pending even when an
 * IIR read had cleared it (on the rising edge, as QEMU and Bochs model it; Linux's THRE test in
 * serial8250_do_startup toggles IER to see this), and disabling it drops it. */
static void write_ier(struct guest_serial *s, uint8_t value)
{
    uint8_t was = s->ier;
    s->ier = value & IER_BITS;
    if (!(s->ier & IER_THRE))
        s->thre_pending = false;
    else if (!(was & IER_THRE))
        s->thre_pending = true;
}

/* FCR: bit 0 switches FIFO mode, and a switch either way empties the FIFOs; bit 1 empties the
 * receiver FIFO, taken only with bit 0 set (data sheet, FCR).  The transmitter has nothing to
 * empty, and the trigger level in bits 7:6 is not modelled (see pending()). */
static void write_fcr(struct guest_serial *s, uint8_t value)
{
    bool fifo = value & FCR_FIFO;
    if (fifo != s->fifo || (fifo && (value & FCR_CLEAR_RX)))
        rx_clear(s);
    s->fifo = fifo;
}

void guest_serial_write(struct guest_serial *s, uint16_t port, uint8_t value, unsigned vcpu, fmt_sink_fn sink,
                        void *ctx)
{
    bool dlab = s->lcr & LCR_DLAB;
    switch (port - GUEST_COM1) {
    case REG_DATA:
        if (dlab)
            s->dll = value;
        else
            transmit(s, value, vcpu, sink, ctx);
        return;
    case REG_IER:
        if (dlab)
            s->dlm = value;
        else
            write_ier(s, value);
        return;
    case REG_IIR: write_fcr(s, value); return;
    case REG_LCR: s->lcr = value; return;
    case REG_MCR: s->mcr = value & MCR_BITS; return;
    case REG_SCR: s->scratch = value; return;
    default: return; /* LSR and MSR: writing them is for factory testing only */
    }
}
