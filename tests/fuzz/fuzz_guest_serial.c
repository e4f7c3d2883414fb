/* The guest's COM1 (vmm/dev/guest_serial.c) on random sequences of port reads and writes.  The
 * device lives in an exact heap allocation, so ASan reports any write past its line buffer.
 * Invariants:
 *  - the console output is exactly the bytes written to the data register while DLAB is clear,
 *    as guest-text lines (tests/fuzz/guest_text.h: every line prefixed "[vcpu N] ", one line per
 *    sink call, printable ASCII only, at most GUEST_TEXT_LINE characters), including what a
 *    final flush prints;
 *  - the registers read back as a 16550 with an always-empty transmitter: LSR THRE|TEMT, IIR no
 *    interrupt, MSR DCD|DSR|CTS, IER (0 under DLAB), LCR, MCR and scratch as last written. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/guest_text.h"
#include "vmm/dev/guest_serial.h"

static struct text_out out;
static struct text_expect want;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    unsigned vcpu = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : fuzz_u8(&in); /* the prefix's width varies */
    struct guest_serial *s = calloc(1, sizeof(*s));
    text_out_reset(&out, vcpu);
    text_out_reset(&want.out, vcpu);
    want.len = 0;
    uint8_t lcr = 0, ier = 0, mcr = 0, scr = 0;

    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        /* Mostly COM1's eight ports; sometimes any port (the device must ignore the others). */
        uint16_t port = op & 0x80 ? fuzz_u16(&in) : (uint16_t)(GUEST_COM1 + (op & 7));
        FUZZ_CHECK(guest_serial_claims(port) == (port >= GUEST_COM1 && port < GUEST_COM1 + 8), "claims %#x", port);
        if (!guest_serial_claims(port))
            continue; /* the exit handler never gives the device another port */
        unsigned reg = port - GUEST_COM1;
        if (op & 0x40) {
            uint8_t v = guest_serial_read(s, port);
            static const int fixed[8] = { 0, -1, 0x01, -1, -1, 0x60, 0xb0, -1 };
            int expect = fixed[reg] >= 0 ? fixed[reg] : reg == 1 ? ((lcr & 0x80) ? 0 : ier)
                       : reg == 3 ? lcr : reg == 4 ? mcr : scr;
            FUZZ_CHECK(v == expect, "IN %#x: %#x, expected %#x", port, v, expect);
            continue;
        }
        /* Data bytes come in runs, so that long lines are cheap to reach. */
        unsigned run = reg == 0 && (op & 0x20) ? 1 + fuzz_u8(&in) : 1;
        uint8_t v = fuzz_u8(&in);
        for (unsigned i = 0; i < run; i++, v += (uint8_t)(op & 0x18)) {
            guest_serial_write(s, port, v, vcpu, guest_line_sink, &out);
            if (reg == 0 && !(lcr & 0x80))
                expect_byte(&want, v);
            else if (reg == 1 && !(lcr & 0x80))
                ier = v & 0x0f;
            else if (reg == 3)
                lcr = v;
            else if (reg == 4)
                mcr = v & 0x1f;
            else if (reg == 7)
                scr = v;
        }
    }
    guest_serial_flush(s, vcpu, guest_line_sink, &out);
    expect_flush(&want);
    FUZZ_CHECK(guest_text_matches(&out, &want.out), "console output (vcpu %u)", vcpu);
    free(s);
    return 0;
}
