/* The guest's COM1, a 16550A (vmm/dev/guest_serial.c), on random sequences of port reads and
 * writes and of bytes arriving on its input.  The device lives in an exact heap allocation, so
 * ASan reports any write past its line buffer or receiver FIFO.  The target keeps its own picture
 * of the UART, written from guest_serial.h and the PC16550D data sheet, and checks after every
 * access:
 *  - the console output is exactly the bytes written to THR (offset 0, DLAB clear) outside
 *    loopback (MCR bit 4), as guest-text lines (tests/fuzz/guest_text.h: every line prefixed
 *    "[vcpu N] ", one line per sink call, printable ASCII only, at most GUEST_TEXT_LINE
 *    characters), including what a final flush prints; in loopback nothing is printed;
 *  - guest_serial_receive takes a byte unless the receiver is full (16 bytes with FCR bit 0 set,
 *    1 without) or MCR LOOP is set, and RBR gives back the received and looped-back bytes in
 *    FIFO order while LSR DR is set (DR clear: the receiver is empty); a byte looped back into a
 *    full receiver sets LSR OE (a read of LSR clears it) and in 16450 mode replaces RBR;
 *  - LSR always has THRE and TEMT (bits 5, 6) and nothing but DR and OE besides; IIR bits 5:4 are
 *    0, bits 7:6 are set exactly in FIFO mode, bit 0 is set exactly when no enabled source is
 *    pending, and otherwise bits 3:1 name the highest one (line status, received data, THRE); a
 *    read of IIR naming THRE clears it, a THR write sets it while IER enables it, as does
 *    enabling it in IER, and disabling it drops it;
 *  - MSR reads 0xb0 (DCD, DSR, CTS) outside loopback and MCR's outputs (OUT2, OUT1, DTR, RTS as
 *    DCD, RI, DSR, CTS) inside; DLL/DLM under DLAB, IER (bits 3:0), LCR, MCR (bits 4:0) and the
 *    scratch register read back as written;
 *  - guest_serial_irq_level is high exactly when an enabled source is pending, OUT2 is set and
 *    LOOP is clear, so never while OUT2 is clear. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/guest_text.h"
#include "vmm/dev/guest_serial.h"

static struct text_out out;
static struct text_expect want;

/* The target's picture of the UART. */
struct shadow {
    uint8_t lcr, ier, mcr, scr, dll, dlm;
    bool fifo, thre, overrun;
    uint8_t rx[GUEST_SERIAL_FIFO];
    unsigned rx_len; /* rx[0] is the oldest byte */
};

static unsigned room(const struct shadow *m)
{
    return m->fifo ? GUEST_SERIAL_FIFO : 1;
}

static bool loop(const struct shadow *m)
{
    return m->mcr & 0x10;
}

static void push(struct shadow *m, uint8_t b)
{
    m->rx[m->rx_len++] = b;
}

/* IIR bits 3:0: the highest-priority enabled source, 1 if none. */
static uint8_t iir_id(const struct shadow *m)
{
    if ((m->ier & 0x04) && m->overrun)
        return 0x06;
    if ((m->ier & 0x01) && m->rx_len)
        return 0x04;
    if (m->thre)
        return 0x02;
    return 0x01;
}

static void check_irq(const struct guest_serial *s, const struct shadow *m)
{
    bool level = guest_serial_irq_level(s);
    FUZZ_CHECK(!level || (m->mcr & 0x08), "IRQ4 high with MCR %#x (OUT2 clear)", m->mcr);
    bool expect = iir_id(m) != 0x01 && (m->mcr & 0x18) == 0x08;
    FUZZ_CHECK(level == expect, "IRQ4 %d, expected %d (IER %#x MCR %#x IIR id %#x)", level, expect, m->ier, m->mcr,
               iir_id(m));
}

static void do_read(struct guest_serial *s, struct shadow *m, unsigned reg)
{
    uint8_t v = guest_serial_read(s, (uint16_t)(GUEST_COM1 + reg));
    bool dlab = m->lcr & 0x80;
    int expect = -1;
    fuzz_trace("IN  %u -> %#04x\n", reg, v);
    switch (reg) {
    case 0:
        if (dlab) {
            expect = m->dll;
        } else if (m->rx_len) {
            expect = m->rx[0];
            memmove(m->rx, m->rx + 1, --m->rx_len);
        } else {
            expect = 0; /* nothing received: the model reads 0 */
        }
        break;
    case 1: expect = dlab ? m->dlm : m->ier; break;
    case 2: {
        FUZZ_CHECK(!(v & 0x30), "IIR %#x: bits 5:4 set", v);
        FUZZ_CHECK((v & 1) == (iir_id(m) == 0x01), "IIR %#x: bit 0 wrong, a source %s pending", v,
                   iir_id(m) == 0x01 ? "is not" : "is");
        expect = iir_id(m) | (m->fifo ? 0xc0 : 0);
        if (iir_id(m) == 0x02)
            m->thre = false;
        break;
    }
    case 3: expect = m->lcr; break;
    case 4: expect = m->mcr; break;
    case 5:
        FUZZ_CHECK((v & 0x60) == 0x60, "LSR %#x: THRE/TEMT clear", v);
        FUZZ_CHECK(!(v & 1) == !m->rx_len, "LSR %#x: DR wrong with %u bytes received", v, m->rx_len);
        expect = 0x60 | (m->rx_len ? 0x01 : 0) | (m->overrun ? 0x02 : 0);
        m->overrun = false;
        break;
    case 6:
        if (!loop(m)) {
            expect = 0xb0;
        } else {
            expect = (m->mcr & 0x02 ? 0x10 : 0) | (m->mcr & 0x01 ? 0x20 : 0) | (m->mcr & 0x04 ? 0x40 : 0) |
                     (m->mcr & 0x08 ? 0x80 : 0);
        }
        break;
    default: expect = m->scr; break;
    }
    FUZZ_CHECK(v == expect, "IN %#x (register %u, LCR %#x MCR %#x FCR0 %d, %u received): %#x, expected %#x",
               GUEST_COM1 + reg, reg, m->lcr, m->mcr, m->fifo, m->rx_len, v, expect);
}

static void do_write(struct guest_serial *s, struct shadow *m, unsigned reg, uint8_t v, unsigned vcpu)
{
    fuzz_trace("OUT %u <- %#04x\n", reg, v);
    guest_serial_write(s, (uint16_t)(GUEST_COM1 + reg), v, vcpu, guest_line_sink, &out);
    bool dlab = m->lcr & 0x80;
    switch (reg) {
    case 0:
        if (dlab) {
            m->dll = v;
            break;
        }
        if (!loop(m)) {
            expect_byte(&want, v);
        } else if (m->rx_len < room(m)) {
            push(m, v);
        } else {
            m->overrun = true;
            if (!m->fifo)
                m->rx[0] = v;
        }
        m->thre = m->ier & 0x02;
        break;
    case 1:
        if (dlab) {
            m->dlm = v;
        } else {
            if (!(v & 0x02))
                m->thre = false;
            else if (!(m->ier & 0x02))
                m->thre = true;
            m->ier = v & 0x0f;
        }
        break;
    case 2: {
        bool fifo = v & 1;
        if (fifo != m->fifo || (fifo && (v & 2)))
            m->rx_len = 0;
        m->fifo = fifo;
        break;
    }
    case 3: m->lcr = v; break;
    case 4: m->mcr = v & 0x1f; break;
    case 7: m->scr = v; break;
    default: break; /* LSR, MSR: ignored */
    }
}

static void do_receive(struct guest_serial *s, struct shadow *m, uint8_t b)
{
    bool took = guest_serial_receive(s, b);
    bool expect = !loop(m) && m->rx_len < room(m);
    fuzz_trace("receive %#04x -> %d\n", b, took);
    FUZZ_CHECK(took == expect, "receive %#x with %u of %u held, MCR %#x: %d, expected %d", b, m->rx_len, room(m),
               m->mcr, took, expect);
    if (took)
        push(m, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    unsigned vcpu = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : fuzz_u8(&in); /* the prefix's width varies */
    struct guest_serial *s = calloc(1, sizeof(*s)); /* exactly the struct: ASan sees any overrun */
    struct shadow m = { 0 };
    text_out_reset(&out, vcpu);
    text_out_reset(&want.out, vcpu);
    want.len = 0;

    /* op: bits 2:0 the register; 0xc0 set: bytes arriving on the input, 1 + (op & 0x1f) of them;
     * else bit 7: any port (u16; the device must claim COM1's eight alone), bit 6: a read, bit 5:
     * a run of 1 + u8 data writes, the value stepping by op & 0x18. */
    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        if ((op & 0xc0) == 0xc0) {
            for (unsigned n = 1 + (op & 0x1f); n; n--)
                do_receive(s, &m, fuzz_u8(&in));
            check_irq(s, &m);
            continue;
        }
        uint16_t port = op & 0x80 ? fuzz_u16(&in) : (uint16_t)(GUEST_COM1 + (op & 7));
        FUZZ_CHECK(guest_serial_claims(port) == (port >= GUEST_COM1 && port < GUEST_COM1 + 8), "claims %#x", port);
        if (!guest_serial_claims(port))
            continue; /* the exit handler never gives the device another port */
        unsigned reg = port - GUEST_COM1;
        if (op & 0x40) {
            do_read(s, &m, reg);
            check_irq(s, &m);
            continue;
        }
        /* Data bytes come in runs, so that long lines and full FIFOs are cheap to reach. */
        unsigned run = reg == 0 && (op & 0x20) ? 1 + fuzz_u8(&in) : 1;
        uint8_t v = fuzz_u8(&in);
        for (unsigned i = 0; i < run; i++, v += (uint8_t)(op & 0x18)) {
            do_write(s, &m, reg, v, vcpu);
            check_irq(s, &m);
        }
    }
    guest_serial_flush(s, vcpu, guest_line_sink, &out);
    expect_flush(&want);
    FUZZ_CHECK(guest_text_matches(&out, &want.out), "console output (vcpu %u)", vcpu);
    free(s);
    return 0;
}
