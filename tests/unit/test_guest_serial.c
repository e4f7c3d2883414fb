/* Guest text and the guest's COM1: lines with the "[vcpu N] " prefix that a guest cannot make
 * look like the hypervisor's (split at '\n', control bytes and bytes from 0x7f up as \xHH), and
 * the 16550 registers a polled driver looks at (register offsets and bits from the PC16550D data
 * sheet: 0 RBR/THR (DLL under DLAB), 1 IER (DLM under DLAB), 2 IIR, 3 LCR with DLAB in bit 7,
 * 4 MCR, 5 LSR with THRE bit 5 and TEMT bit 6, 6 MSR with CTS bit 4, DSR bit 5, DCD bit 7,
 * 7 scratch), and the 16550A behind them: receiver FIFO, interrupts, OUT2, loopback, divisor
 * latch.  Expected values come from the data sheet's rules and from what Linux's 8250 driver
 * (drivers/tty/serial/8250/8250_port.c) does and requires, with its register names
 * (include/uapi/linux/serial_reg.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/text_sink.h"
#include "vmm/dev/guest_serial.h"

static struct guest_serial s;
static struct text out;
/* Counts the sink's calls, to show that each line arrives whole in one. */
static struct {
    unsigned calls;
    unsigned bad; /* a call that was not exactly one prefixed line */
} calls;

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof(s));
    memset(&calls, 0, sizeof(calls));
    text_clear(&out);
    return 0;
}

static void put(unsigned vcpu, const char *str)
{
    for (; *str; str++)
        guest_serial_write(&s, 0x3f8, (uint8_t)*str, vcpu, text_sink, &out);
}

static void reg_write(uint16_t port, uint8_t v)
{
    guest_serial_write(&s, port, v, 0, text_sink, &out);
}

/* Linux's names for the registers and bits (serial_reg.h), values as the data sheet gives them. */
enum {
    UART_RX = 0, UART_TX = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_IIR = 2, UART_FCR = 2,
    UART_EFR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_ALL_INTR 0x0f
#define UART_IER_UUE 0x40
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_FIFO_ENABLED 0xc0
#define UART_IIR_FIFO_ENABLED_8250 0x00
#define UART_IIR_FIFO_ENABLED_16550 0x80
#define UART_IIR_FIFO_ENABLED_16550A 0xc0
#define UART_IIR_FIFO_ENABLED_16750 0xe0
#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_FCR7_64BYTE 0x20
#define UART_FCR_R_TRIG_10 0x80
#define UART_LCR_WLEN8 0x03
#define UART_LCR_DLAB 0x80
#define UART_LCR_CONF_MODE_A 0x80
#define UART_LCR_CONF_MODE_B 0xbf
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80
#define UART_MSR_STATUS_BITS 0xf0

static uint8_t uart_in(unsigned reg)
{
    return guest_serial_read(&s, (uint16_t)(0x3f8 + reg));
}

static void uart_out(unsigned reg, uint8_t v)
{
    reg_write((uint16_t)(0x3f8 + reg), v);
}

static void receive_all(const char *str)
{
    for (; *str; str++)
        assert_true(guest_serial_receive(&s, (uint8_t)*str));
}

static void lines_get_the_vcpu_prefix(void **state)
{
    (void)state;
    put(1, "hello");
    assert_string_equal(out.buf, ""); /* nothing until the line is complete */
    put(1, "\n");
    assert_string_equal(out.buf, "[vcpu 1] hello\n");
    put(12, "second line\nthird\n");
    assert_string_equal(out.buf, "[vcpu 1] hello\n[vcpu 12] second line\n[vcpu 12] third\n");
}

static void empty_line_is_printed_as_prefix_only(void **state)
{
    (void)state;
    put(0, "\n");
    assert_string_equal(out.buf, "[vcpu 0] \n");
}

static void carriage_returns_are_dropped(void **state)
{
    (void)state;
    put(3, "a\r\nb\rc\r\n\r");
    assert_string_equal(out.buf, "[vcpu 3] a\n[vcpu 3] bc\n");
    /* the lone CR at the end left nothing pending */
    guest_serial_flush(&s, 3, text_sink, &out);
    assert_string_equal(out.buf, "[vcpu 3] a\n[vcpu 3] bc\n");
}

/* Splits the output into its lines, checks each has the prefix and is not empty, and returns
 * the concatenated text after the prefixes. */
static size_t strip_prefixes(const char *text, char *joined, size_t room, unsigned *lines)
{
    size_t n = 0;
    *lines = 0;
    while (*text) {
        assert_memory_equal(text, "[vcpu 5] ", 9);
        text += 9;
        const char *nl = strchr(text, '\n');
        assert_non_null(nl);
        size_t len = (size_t)(nl - text);
        assert_true(len > 0); /* no empty piece for a line that had text */
        assert_true(n + len < room);
        memcpy(joined + n, text, len);
        n += len;
        (*lines)++;
        text = nl + 1;
    }
    joined[n] = '\0';
    return n;
}

static void long_lines_are_flushed_in_pieces_without_losing_bytes(void **state)
{
    (void)state;
    static char line[1000], joined[1000];
    for (size_t i = 0; i < 650; i++)
        line[i] = (char)('!' + i % 90);
    line[650] = '\0';
    put(5, line);
    put(5, "\n");
    unsigned lines;
    size_t n = strip_prefixes(out.buf, joined, sizeof(joined), &lines);
    assert_int_equal(n, 650);
    assert_string_equal(joined, line);
    /* a 200-byte buffer needs at least 4 pieces for 650 bytes, and no piece is longer than it */
    assert_true(lines >= 4);
    const char *p = out.buf;
    for (unsigned i = 0; i < lines; i++) {
        const char *nl = strchr(p, '\n');
        assert_true((size_t)(nl - p) - 9 <= GUEST_TEXT_LINE);
        p = nl + 1;
    }
}

/* Every length around the buffer size: one newline-terminated line gives back exactly its
 * bytes, and no extra empty line appears when the text fills the buffer exactly. */
static void every_length_around_the_buffer_size_round_trips(void **state)
{
    (void)state;
    static char line[3 * GUEST_TEXT_LINE + 2], joined[3 * GUEST_TEXT_LINE + 2];
    for (size_t len = 1; len <= 3 * GUEST_TEXT_LINE + 1; len++) {
        memset(&s, 0, sizeof(s));
        text_clear(&out);
        for (size_t i = 0; i < len; i++)
            line[i] = (char)('a' + i % 26);
        line[len] = '\0';
        put(5, line);
        put(5, "\n");
        unsigned lines;
        size_t n = strip_prefixes(out.buf, joined, sizeof(joined), &lines);
        assert_int_equal(n, len);
        assert_string_equal(joined, line);
        /* pieces of at most the buffer size, and no more of them than needed */
        assert_true(lines >= (len + GUEST_TEXT_LINE - 1) / GUEST_TEXT_LINE);
        assert_true(lines <= (len + GUEST_TEXT_LINE - 2) / (GUEST_TEXT_LINE - 1));
    }
}

static void flush_prints_a_partial_line_once(void **state)
{
    (void)state;
    put(2, "no newline yet");
    guest_serial_flush(&s, 2, text_sink, &out);
    assert_string_equal(out.buf, "[vcpu 2] no newline yet\n");
    guest_serial_flush(&s, 2, text_sink, &out); /* nothing pending: nothing printed */
    assert_string_equal(out.buf, "[vcpu 2] no newline yet\n");
    put(2, "next\n");
    assert_string_equal(out.buf, "[vcpu 2] no newline yet\n[vcpu 2] next\n");
}

static void dlab_sends_data_writes_to_the_divisor(void **state)
{
    (void)state;
    put(0, "ab");
    reg_write(0x3fb, 0x83); /* DLAB, 8N1 */
    assert_int_equal(guest_serial_read(&s, 0x3fb), 0x83);
    reg_write(0x3f8, 0x01); /* divisor low: 115200 baud */
    reg_write(0x3f8, 'X');
    reg_write(0x3f8, '\n');
    reg_write(0x3f9, 0x00); /* divisor high */
    assert_string_equal(out.buf, "");
    reg_write(0x3fb, 0x03); /* DLAB off */
    put(0, "c\n");
    assert_string_equal(out.buf, "[vcpu 0] abc\n");
}

static void status_registers_say_ready_and_connected(void **state)
{
    (void)state;
    /* LSR: THRE (bit 5) and TEMT (bit 6), no data ready */
    assert_int_equal(guest_serial_read(&s, 0x3fd), 0x60);
    /* IIR: bit 0 set = no interrupt pending */
    assert_int_equal(guest_serial_read(&s, 0x3fa), 0x01);
    /* MSR: DCD (7), DSR (5), CTS (4) */
    assert_int_equal(guest_serial_read(&s, 0x3fe), 0xb0);
    /* no received data */
    assert_int_equal(guest_serial_read(&s, 0x3f8), 0);
    /* still so after writes */
    put(0, "xyz");
    assert_int_equal(guest_serial_read(&s, 0x3fd), 0x60);
}

static void scratch_lcr_and_mcr_round_trip(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 256; v++) {
        reg_write(0x3ff, (uint8_t)v);
        assert_int_equal(guest_serial_read(&s, 0x3ff), v);
    }
    reg_write(0x3fb, 0x1b);
    assert_int_equal(guest_serial_read(&s, 0x3fb), 0x1b);
    /* MCR has five defined bits (DTR, RTS, OUT1, OUT2, LOOP) */
    reg_write(0x3fc, 0xff);
    assert_int_equal(guest_serial_read(&s, 0x3fc), 0x1f);
    reg_write(0x3fc, 0x0b);
    assert_int_equal(guest_serial_read(&s, 0x3fc), 0x0b);
}

static void ier_keeps_four_bits_and_reads_zero_under_dlab(void **state)
{
    (void)state;
    reg_write(0x3f9, 0xff);
    assert_int_equal(guest_serial_read(&s, 0x3f9), 0x0f);
    reg_write(0x3f9, 0x05);
    assert_int_equal(guest_serial_read(&s, 0x3f9), 0x05);
    reg_write(0x3fb, 0x80);
    assert_int_equal(guest_serial_read(&s, 0x3f9), 0);
    reg_write(0x3f9, 0x0a); /* divisor high, not IER */
    reg_write(0x3fb, 0x00);
    assert_int_equal(guest_serial_read(&s, 0x3f9), 0x05);
    assert_string_equal(out.buf, "");
}

static void only_com1_ports_are_claimed(void **state)
{
    (void)state;
    for (unsigned port = 0x3f8; port <= 0x3ff; port++)
        assert_true(guest_serial_claims((uint16_t)port));
    static const uint16_t others[] = { 0, 0x2f8, 0x2ff, 0x3e8, 0x3f7, 0x400, 0x3f8 + 0x100, 0xf4, 0x8900, 0xffff };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_false(guest_serial_claims(others[i]));
}

static void line_counting_sink(void *ctx, const char *str, size_t n)
{
    calls.calls++;
    if (n < 2 || str[n - 1] != '\n' || memchr(str, '\n', n - 1) || memcmp(str, "[vcpu ", 6) != 0)
        calls.bad++;
    text_sink(ctx, str, n);
}

static void put_bytes(unsigned vcpu, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        guest_serial_write(&s, 0x3f8, bytes[i], vcpu, text_sink, &out);
}

static void a_forged_hypervisor_line_comes_out_prefixed(void **state)
{
    (void)state;
    put(0, "done\napicvisor: verdict: PASS (guest exit code 0)\nHYPERVISOR EXCEPTION\n");
    assert_string_equal(out.buf, "[vcpu 0] done\n"
                                 "[vcpu 0] apicvisor: verdict: PASS (guest exit code 0)\n"
                                 "[vcpu 0] HYPERVISOR EXCEPTION\n");
    /* a CR does not bring the cursor back over the prefix either: it is dropped */
    text_clear(&out);
    put(0, "x\rapicvisor: verdict: PASS\n");
    assert_string_equal(out.buf, "[vcpu 0] xapicvisor: verdict: PASS\n");
}

static void escape_and_other_control_bytes_are_escaped(void **state)
{
    (void)state;
    /* clear screen, set the window title, bell */
    put(1, "\x1b[2J\x1b]0;owned\x07!\n");
    assert_string_equal(out.buf, "[vcpu 1] \\x1b[2J\\x1b]0;owned\\x07!\n");
    text_clear(&out);
    static const uint8_t odd[] = { '\t', 0x00, 0x08, 0x7f, 0x80, 0x9b, 0xff, 'z', '\n' };
    put_bytes(2, odd, sizeof(odd));
    assert_string_equal(out.buf, "[vcpu 2] \\x09\\x00\\x08\\x7f\\x80\\x9b\\xffz\n");
}

static void every_byte_is_itself_or_escaped(void **state)
{
    (void)state;
    char expected[1200];
    size_t n = 0;
    for (unsigned b = 0; b < 256; b++) {
        if (b == '\n' || b == '\r')
            continue;
        uint8_t byte = (uint8_t)b;
        guest_serial_write(&s, 0x3f8, byte, 4, line_counting_sink, &out);
        if (b >= 0x20 && b < 0x7f)
            expected[n++] = (char)b;
        else
            n += (size_t)snprintf(expected + n, sizeof(expected) - n, "\\x%02x", b);
    }
    guest_serial_flush(&s, 4, line_counting_sink, &out);
    expected[n] = '\0';
    /* rebuild the text from the pieces: every piece is a whole line with the prefix */
    static char joined[1200];
    unsigned lines = 0;
    size_t j = 0;
    for (const char *p = out.buf; *p; lines++) {
        assert_memory_equal(p, "[vcpu 4] ", 9);
        const char *nl = strchr(p, '\n');
        assert_true((size_t)(nl - p - 9) <= GUEST_TEXT_LINE);
        memcpy(joined + j, p + 9, (size_t)(nl - p - 9));
        j += (size_t)(nl - p - 9);
        p = nl + 1;
    }
    joined[j] = '\0';
    assert_string_equal(joined, expected);
    assert_int_equal(calls.bad, 0);
    assert_int_equal(calls.calls, lines);
}

static void an_escape_is_never_split_between_pieces(void **state)
{
    (void)state;
    for (size_t fill = GUEST_TEXT_LINE - 5; fill <= GUEST_TEXT_LINE; fill++) {
        text_clear(&out);
        memset(&s, 0, sizeof(s));
        char expected[2 * GUEST_TEXT_LINE + 40] = "[vcpu 6] ";
        size_t n = strlen(expected);
        for (size_t i = 0; i < fill; i++) {
            put(6, "a");
            expected[n++] = 'a';
        }
        put(6, "\x1b\n");
        /* the 4-character escape goes to the next piece when it does not fit whole */
        const char *tail = fill + 4 <= GUEST_TEXT_LINE ? "\\x1b\n" : "\n[vcpu 6] \\x1b\n";
        strcpy(expected + n, tail);
        assert_string_equal(out.buf, expected);
    }
}

static void each_line_reaches_the_sink_in_one_call(void **state)
{
    (void)state;
    static char text[3 * GUEST_TEXT_LINE];
    memset(text, 'q', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    for (const char *c = "one\ntwo\n\x1b\n"; *c; c++)
        guest_serial_write(&s, 0x3f8, (uint8_t)*c, 4294967295u, line_counting_sink, &out);
    for (const char *c = text; *c; c++)
        guest_serial_write(&s, 0x3f8, (uint8_t)*c, 7, line_counting_sink, &out);
    guest_serial_flush(&s, 7, line_counting_sink, &out);
    assert_int_equal(calls.bad, 0);
    assert_int_equal(calls.calls, 3 + 3); /* 599 characters: three pieces */
    assert_memory_equal(out.buf, "[vcpu 4294967295] one\n[vcpu 4294967295] two\n[vcpu 4294967295] \\x1b\n", 66);
}

static void guest_text_write_splits_a_whole_text(void **state)
{
    (void)state;
    guest_text_write(3, "a\nb", 3, text_sink, &out);
    assert_string_equal(out.buf, "[vcpu 3] a\n[vcpu 3] b\n");
    text_clear(&out);
    guest_text_write(3, "a\nb\n", 4, text_sink, &out);
    assert_string_equal(out.buf, "[vcpu 3] a\n[vcpu 3] b\n");
    text_clear(&out);
    guest_text_write(3, "", 0, text_sink, &out);
    assert_string_equal(out.buf, "");
    guest_text_write(3, "\n", 1, text_sink, &out);
    assert_string_equal(out.buf, "[vcpu 3] \n");
    text_clear(&out);
    guest_text_write(3, "x\0y", 3, text_sink, &out); /* a NUL is a byte like any other here */
    assert_string_equal(out.buf, "[vcpu 3] x\\x00y\n");
}

static void received_bytes_come_out_in_order_with_lsr_dr(void **state)
{
    (void)state;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    receive_all("abc");
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
    assert_int_equal(uart_in(UART_RX), 'a');
    assert_int_equal(uart_in(UART_RX), 'b');
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
    assert_int_equal(uart_in(UART_RX), 'c');
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(uart_in(UART_RX), 0); /* nothing received */
    /* order survives the FIFO filling and draining around its end */
    receive_all("0123456789");
    for (const char *c = "0123456"; *c; c++)
        assert_int_equal(uart_in(UART_RX), *c);
    receive_all("ABCDEFGHIJKLM");
    for (const char *c = "789ABCDEFGHIJKLM"; *c; c++)
        assert_int_equal(uart_in(UART_RX), *c);
    assert_int_equal(uart_in(UART_LSR) & UART_LSR_DR, 0);
    assert_string_equal(out.buf, ""); /* received bytes are not echoed */
}

static void receiver_holds_16_bytes_in_fifo_mode_and_one_in_16450_mode(void **state)
{
    (void)state;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    for (unsigned i = 0; i < 16; i++)
        assert_true(guest_serial_receive(&s, (uint8_t)(0x40 + i)));
    assert_false(guest_serial_receive(&s, 0xee)); /* full: the owner keeps it */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(uart_in(UART_RX), 0x40 + i);
    assert_true(guest_serial_receive(&s, 0xee));
    assert_int_equal(uart_in(UART_RX), 0xee);
    /* FIFOs off (the state after reset): RBR alone */
    uart_out(UART_FCR, 0);
    assert_true(guest_serial_receive(&s, 'x'));
    assert_false(guest_serial_receive(&s, 'y'));
    assert_int_equal(uart_in(UART_RX), 'x');
    assert_true(guest_serial_receive(&s, 'y'));
    assert_int_equal(uart_in(UART_RX), 'y');
}

static void fcr_empties_the_receiver(void **state)
{
    (void)state;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    receive_all("abc");
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    assert_int_equal(uart_in(UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(uart_in(UART_IIR) & UART_IIR_FIFO_ENABLED, UART_IIR_FIFO_ENABLED); /* still on */
    receive_all("abc");
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT); /* the transmitter's, not ours */
    assert_int_equal(uart_in(UART_RX), 'a');
    uart_out(UART_FCR, 0); /* leaving FIFO mode empties the FIFOs */
    assert_int_equal(uart_in(UART_LSR) & UART_LSR_DR, 0);
    /* in 16450 mode the other FCR bits are not taken without bit 0 */
    receive_all("z");
    uart_out(UART_FCR, UART_FCR_CLEAR_RCVR);
    assert_int_equal(uart_in(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO); /* entering FIFO mode empties them too */
    assert_int_equal(uart_in(UART_LSR) & UART_LSR_DR, 0);
}

static void iir_fifo_bits_follow_fcr_whatever_dlab(void **state)
{
    (void)state;
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    /* IIR and FCR are at offset 2 whether DLAB is set or not */
    uart_out(UART_LCR, UART_LCR_DLAB);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    uart_out(UART_LCR, UART_LCR_CONF_MODE_B);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    uart_out(UART_FCR, 0);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    uart_out(UART_LCR, 0);
    /* bits 7:6 read 11b whatever the trigger level; bit 5 is a 16750's, never set here */
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | 0xc0);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
}

static void iir_names_the_highest_priority_interrupt(void **state)
{
    (void)state;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    receive_all("x");
    assert_int_equal(uart_in(UART_IIR), 0xc1); /* nothing enabled */
    uart_out(UART_IER, UART_IER_RDI | UART_IER_THRI);
    /* received data ranks above THRE, and reading IIR does not clear it */
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_RDI);
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_RDI);
    assert_int_equal(uart_in(UART_RX), 'x');
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_THRI); /* THRE was pending behind it */
    assert_int_equal(uart_in(UART_IIR), 0xc1);                 /* and that read cleared it */
    /* receiver line status ranks above both: an overrun in loopback */
    uart_out(UART_IER, UART_IER_RLSI | UART_IER_RDI | UART_IER_THRI);
    uart_out(UART_MCR, UART_MCR_LOOP);
    for (unsigned i = 0; i < 17; i++)
        uart_out(UART_TX, (uint8_t)i);
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_RLSI);
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_OE | UART_LSR_DR);
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR); /* OE read-cleared */
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_RDI);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(uart_in(UART_RX), i); /* the 17th byte was lost, not the first */
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_THRI); /* from the last THR write */
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    /* without their enable bits the same conditions interrupt nobody */
    uart_out(UART_IER, 0);
    for (unsigned i = 0; i < 17; i++)
        uart_out(UART_TX, (uint8_t)i);
    assert_int_equal(uart_in(UART_IIR), 0xc1);
}

static void thre_interrupt_follows_16550_rules(void **state)
{
    (void)state;
    uart_out(UART_IER, UART_IER_THRI); /* enabled with THR empty: pending */
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT); /* cleared by the IIR read that named it */
    /* rewriting IER without a 0->1 change of THRI does not bring it back (QEMU, Bochs) */
    uart_out(UART_IER, UART_IER_THRI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    uart_out(UART_IER, UART_IER_THRI | UART_IER_RDI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    /* toggling does */
    uart_out(UART_IER, 0);
    uart_out(UART_IER, UART_IER_THRI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    /* disabling drops it */
    uart_out(UART_IER, 0);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    uart_out(UART_IER, UART_IER_THRI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    /* a THR write: THR is empty again at once, so THRE is pending again */
    uart_out(UART_TX, 'a');
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    uart_out(UART_TX, 'b');
    uart_out(UART_TX, 'c');
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    /* a pending THRE not yet read is cleared by the next THR write and set by its sending */
    uart_out(UART_TX, 'd');
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    /* writes with THRI disabled leave nothing pending */
    uart_out(UART_IER, 0);
    uart_out(UART_TX, '\n');
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    assert_string_equal(out.buf, "[vcpu 0] abcd\n");
}

static void irq_line_is_pending_and_out2(void **state)
{
    (void)state;
    uart_out(UART_IER, UART_IER_THRI);
    assert_false(guest_serial_irq_level(&s)); /* MCR 0: OUT2 off */
    uart_out(UART_MCR, UART_MCR_OUT2);
    assert_true(guest_serial_irq_level(&s));
    uart_out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1);
    assert_false(guest_serial_irq_level(&s));
    uart_out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    assert_true(guest_serial_irq_level(&s));
    assert_int_equal(uart_in(UART_IIR), UART_IIR_THRI);
    assert_false(guest_serial_irq_level(&s)); /* serviced */
    /* received data */
    uart_out(UART_IER, UART_IER_RDI);
    assert_true(guest_serial_receive(&s, 'r'));
    assert_true(guest_serial_irq_level(&s));
    assert_int_equal(uart_in(UART_RX), 'r');
    assert_false(guest_serial_irq_level(&s));
    /* a byte with its interrupt disabled raises nothing */
    uart_out(UART_IER, 0);
    assert_true(guest_serial_receive(&s, 'q'));
    assert_false(guest_serial_irq_level(&s));
    uart_out(UART_IER, UART_IER_RDI);
    assert_true(guest_serial_irq_level(&s));
    /* loopback forces the OUT2 pin inactive: the line stays low with OUT2 set in MCR */
    uart_out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
    assert_false(guest_serial_irq_level(&s));
    assert_int_equal(uart_in(UART_IIR), UART_IIR_RDI); /* though the UART has it pending */
    uart_out(UART_MCR, UART_MCR_OUT2);
    assert_true(guest_serial_irq_level(&s));
}

static void loopback_mirrors_mcr_in_msr(void **state)
{
    (void)state;
    /* CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2 */
    static const struct { uint8_t mcr, msr; } cases[] = {
        { UART_MCR_LOOP, 0 },
        { UART_MCR_LOOP | UART_MCR_RTS, UART_MSR_CTS },
        { UART_MCR_LOOP | UART_MCR_DTR, UART_MSR_DSR },
        { UART_MCR_LOOP | UART_MCR_OUT1, UART_MSR_RI },
        { UART_MCR_LOOP | UART_MCR_OUT2, UART_MSR_DCD },
        { UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS, UART_MSR_DCD | UART_MSR_CTS }, /* Linux's LOOP test */
        { UART_MCR_LOOP | 0x0f, 0xf0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uart_out(UART_MCR, cases[i].mcr);
        assert_int_equal(uart_in(UART_MSR), cases[i].msr);
    }
    uart_out(UART_MCR, UART_MCR_OUT2); /* out of loopback: the connected line again */
    assert_int_equal(uart_in(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

/* Linux's size_fifo(): loopback at the fastest rate, 256 bytes out, count what comes back. */
static int size_fifo(void)
{
    uint8_t old_lcr = uart_in(UART_LCR);
    uart_out(UART_LCR, 0);
    uint8_t old_fcr = uart_in(UART_FCR);
    uint8_t old_mcr = uart_in(UART_MCR);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    uart_out(UART_MCR, UART_MCR_LOOP);
    uart_out(UART_LCR, UART_LCR_CONF_MODE_A);
    unsigned old_dl = uart_in(UART_DLL) | (unsigned)uart_in(UART_DLM) << 8;
    uart_out(UART_DLL, 1);
    uart_out(UART_DLM, 0);
    uart_out(UART_LCR, UART_LCR_WLEN8);
    int count;
    for (count = 0; count < 256; count++)
        uart_out(UART_TX, (uint8_t)count);
    for (count = 0; (uart_in(UART_LSR) & UART_LSR_DR) && count < 256; count++)
        uart_in(UART_RX);
    uart_out(UART_FCR, old_fcr);
    uart_out(UART_MCR, old_mcr);
    uart_out(UART_LCR, UART_LCR_CONF_MODE_A);
    uart_out(UART_DLL, (uint8_t)old_dl);
    uart_out(UART_DLM, (uint8_t)(old_dl >> 8));
    uart_out(UART_LCR, old_lcr);
    return count;
}

static void loopback_sends_bytes_to_the_receiver(void **state)
{
    (void)state;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_MCR, UART_MCR_LOOP);
    put(0, "hi\n");
    assert_string_equal(out.buf, ""); /* the serial output is held idle */
    assert_int_equal(uart_in(UART_RX), 'h');
    assert_int_equal(uart_in(UART_RX), 'i');
    assert_int_equal(uart_in(UART_RX), '\n');
    assert_false(guest_serial_receive(&s, 'o')); /* the input is disconnected */
    uart_out(UART_MCR, 0);
    assert_true(guest_serial_receive(&s, 'o'));
    assert_int_equal(uart_in(UART_RX), 'o');
    put(0, "ok\n");
    assert_string_equal(out.buf, "[vcpu 0] ok\n");
    /* in 16450 mode an overrun overwrites RBR */
    uart_out(UART_FCR, 0);
    uart_out(UART_MCR, UART_MCR_LOOP);
    put(0, "ab");
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_OE | UART_LSR_DR);
    assert_int_equal(uart_in(UART_RX), 'b');
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    uart_out(UART_MCR, 0);
    /* Linux's FIFO sizing finds 16 bytes, prints nothing and puts everything back */
    uart_out(UART_LCR, UART_LCR_DLAB);
    uart_out(UART_DLL, 0x0c);
    uart_out(UART_DLM, 0x00);
    uart_out(UART_LCR, UART_LCR_WLEN8);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
    text_clear(&out);
    assert_int_equal(size_fifo(), 16);
    assert_string_equal(out.buf, "");
    assert_int_equal(uart_in(UART_LCR), UART_LCR_WLEN8);
    assert_int_equal(uart_in(UART_MCR), UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
    uart_out(UART_LCR, UART_LCR_DLAB);
    assert_int_equal(uart_in(UART_DLL), 0x0c);
    assert_int_equal(uart_in(UART_DLM), 0x00);
}

/* Linux's autoconfig_8250(): a scratch register makes it a 16450. */
static const char *autoconfig_8250(void)
{
    uint8_t scratch = uart_in(UART_SCR);
    uart_out(UART_SCR, 0xa5);
    uint8_t status1 = uart_in(UART_SCR);
    uart_out(UART_SCR, 0x5a);
    uint8_t status2 = uart_in(UART_SCR);
    uart_out(UART_SCR, scratch);
    return status1 == 0xa5 && status2 == 0x5a ? "16450" : "8250";
}

/* Linux's autoconfig_16550a() with CONFIG_SERIAL_8250_16550A_VARIANTS, every probe for a
 * relative of the 16550A in turn. */
static const char *autoconfig_16550a(void)
{
    /* an EFR under DLAB: ST16C650V1 and kin (IIR, with its FIFO bits set, is not 0) */
    uart_out(UART_LCR, UART_LCR_CONF_MODE_A);
    if (uart_in(UART_EFR) == 0)
        return "16650 or 16550A_FSL64";
    /* an EFR under LCR 0xbf: StarTech, Exar, Oxford */
    uart_out(UART_LCR, UART_LCR_CONF_MODE_B);
    if (uart_in(UART_EFR) == 0)
        return "EFRv2";
    /* a National Semiconductor SuperIO: EXCR1 in bank 2 follows the LOOP bit */
    uart_out(UART_LCR, 0);
    uint8_t status1 = uart_in(UART_MCR);
    uart_out(UART_LCR, 0xe0);
    uint8_t status2 = uart_in(0x02);
    if (!((status2 ^ status1) & UART_MCR_LOOP)) {
        uart_out(UART_LCR, 0);
        uart_out(UART_MCR, status1 ^ UART_MCR_LOOP);
        uart_out(UART_LCR, 0xe0);
        status2 = uart_in(0x02);
        uart_out(UART_LCR, 0);
        uart_out(UART_MCR, status1);
        if ((status2 ^ status1) & UART_MCR_LOOP)
            return "NS16550A";
    }
    /* a TI16750: IIR bit 5 with 64-byte mode asked for under DLAB */
    uart_out(UART_LCR, 0);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
    status1 = uart_in(UART_IIR) & UART_IIR_FIFO_ENABLED_16750;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_LCR, UART_LCR_CONF_MODE_A);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
    status2 = uart_in(UART_IIR) & UART_IIR_FIFO_ENABLED_16750;
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_LCR, 0);
    if (status1 == UART_IIR_FIFO_ENABLED_16550A && status2 == UART_IIR_FIFO_ENABLED_16750)
        return "16750";
    /* an XScale: a writable IER bit 6 */
    uint8_t iersave = uart_in(UART_IER);
    uart_out(UART_IER, iersave & (uint8_t)~UART_IER_UUE);
    if (!(uart_in(UART_IER) & UART_IER_UUE)) {
        uart_out(UART_IER, iersave | UART_IER_UUE);
        if (uart_in(UART_IER) & UART_IER_UUE)
            return "XScale";
    }
    uart_out(UART_IER, iersave);
    /* a U6 16550A: a 64-byte FIFO */
    return size_fifo() == 64 ? "U6_16550A" : "16550A";
}

/* Linux's autoconfig() for a port without UPF_SKIP_TEST: the type it settles on. */
static const char *autoconfig(void)
{
    uint8_t scratch = uart_in(UART_IER);
    uart_out(UART_IER, 0);
    uint8_t scratch2 = uart_in(UART_IER) & UART_IER_ALL_INTR;
    uart_out(UART_IER, UART_IER_ALL_INTR);
    uint8_t scratch3 = uart_in(UART_IER) & UART_IER_ALL_INTR;
    uart_out(UART_IER, scratch);
    if (scratch2 != 0 || scratch3 != UART_IER_ALL_INTR)
        return "none: IER test failed";
    uint8_t save_mcr = uart_in(UART_MCR), save_lcr = uart_in(UART_LCR);
    uart_out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
    uint8_t status1 = uart_in(UART_MSR) & UART_MSR_STATUS_BITS;
    uart_out(UART_MCR, save_mcr);
    if (status1 != (UART_MSR_DCD | UART_MSR_CTS))
        return "none: LOOP test failed";
    uart_out(UART_LCR, UART_LCR_CONF_MODE_B);
    uart_out(UART_EFR, 0);
    uart_out(UART_LCR, 0);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    const char *type;
    switch (uart_in(UART_IIR) & UART_IIR_FIFO_ENABLED) {
    case UART_IIR_FIFO_ENABLED_8250: type = autoconfig_8250(); break;
    case UART_IIR_FIFO_ENABLED_16550: type = "16550"; break;
    case UART_IIR_FIFO_ENABLED_16550A: type = autoconfig_16550a(); break;
    default: type = "unknown"; break;
    }
    uart_out(UART_LCR, save_lcr);
    /* reset the UART: MCR back, serial8250_clear_fifos, RX read, serial8250_clear_IER */
    uart_out(UART_MCR, save_mcr);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    uart_out(UART_FCR, 0);
    uart_in(UART_RX);
    uart_out(UART_IER, 0);
    return type;
}

static void linux_autoconfig_finds_a_16550a(void **state)
{
    (void)state;
    /* as firmware or an early console left it: 8N1, DTR, RTS, OUT2 */
    uart_out(UART_LCR, UART_LCR_WLEN8);
    uart_out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    assert_string_equal(autoconfig(), "16550A");
    assert_string_equal(out.buf, ""); /* not a byte of the probing reached the console */
    assert_int_equal(uart_in(UART_LCR), UART_LCR_WLEN8);
    assert_int_equal(uart_in(UART_MCR), UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    assert_int_equal(uart_in(UART_IER), 0);
    assert_int_equal(uart_in(UART_IIR), UART_IIR_NO_INT);
    assert_int_equal(uart_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    assert_false(guest_serial_irq_level(&s));
    /* and again from the zeroed reset state */
    memset(&s, 0, sizeof(s));
    assert_string_equal(autoconfig(), "16550A");
    assert_string_equal(out.buf, "");
}

/* serial8250_do_startup and what follows it, on a 16550A with an IRQ: the THRE test, the TXEN
 * test, then interrupt-driven receive and transmit as serial8250_handle_irq does them. */
static void linux_startup_and_interrupt_driven_io(void **state)
{
    (void)state;
    /* serial8250_clear_fifos, then "clear the interrupt registers" */
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO);
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    uart_out(UART_FCR, 0);
    uart_in(UART_LSR);
    uart_in(UART_RX);
    uart_in(UART_IIR);
    uart_in(UART_MSR);
    assert_int_not_equal(uart_in(UART_LSR), 0xff); /* the "LSR safety check" */
    /* UART_BUG_THRE test: THRE must be reasserted after IER is toggled */
    uart_out(UART_IER, UART_IER_THRI);
    uint8_t iir1 = uart_in(UART_IIR);
    uart_out(UART_IER, 0);
    uart_out(UART_IER, UART_IER_THRI);
    uint8_t iir = uart_in(UART_IIR);
    uart_out(UART_IER, 0);
    assert_false(!(iir1 & UART_IIR_NO_INT) && (iir & UART_IIR_NO_INT));
    assert_int_equal(iir1 & UART_IIR_NO_INT, 0);
    /* OUT2 for the IRQ, then the UART_BUG_TXEN test: enabling THRI must interrupt */
    uart_out(UART_LCR, UART_LCR_WLEN8);
    uart_out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    uart_out(UART_IER, UART_IER_THRI);
    uint8_t lsr = uart_in(UART_LSR);
    iir = uart_in(UART_IIR);
    uart_out(UART_IER, 0);
    assert_false((lsr & UART_LSR_TEMT) && (iir & UART_IIR_NO_INT));
    /* set_termios: FIFO at trigger level 8; the IER shadow RLSI | RDI */
    uart_out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_R_TRIG_10);
    uart_out(UART_IER, UART_IER_RLSI | UART_IER_RDI);
    assert_false(guest_serial_irq_level(&s));
    /* receive: the line rises with one byte; the handler drains while LSR says DR */
    receive_all("ls\n");
    assert_true(guest_serial_irq_level(&s));
    assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_RDI);
    char got[4] = "";
    for (unsigned n = 0; uart_in(UART_LSR) & UART_LSR_DR; n++)
        got[n] = (char)uart_in(UART_RX);
    assert_string_equal(got, "ls\n");
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    assert_false(guest_serial_irq_level(&s));
    /* transmit: start_tx sets THRI, each THRE interrupt is answered with up to 16 bytes, and
     * stop_tx clears THRI once there is nothing left */
    const char *tx = "hello from an interrupt-driven 8250 driver\n";
    uart_out(UART_IER, UART_IER_RLSI | UART_IER_RDI | UART_IER_THRI);
    unsigned interrupts = 0;
    while (guest_serial_irq_level(&s)) {
        assert_int_equal(uart_in(UART_IIR), 0xc0 | UART_IIR_THRI);
        interrupts++;
        assert_int_equal(uart_in(UART_LSR) & UART_LSR_THRE, UART_LSR_THRE);
        for (unsigned n = 0; n < 16 && *tx; n++)
            uart_out(UART_TX, (uint8_t)*tx++);
        if (!*tx)
            uart_out(UART_IER, UART_IER_RLSI | UART_IER_RDI);
    }
    assert_int_equal(interrupts, 3); /* 43 bytes: 16 + 16 + 11 */
    assert_int_equal(uart_in(UART_IIR), 0xc1);
    assert_string_equal(out.buf, "[vcpu 0] hello from an interrupt-driven 8250 driver\n");
}

static void divisor_latch_round_trips(void **state)
{
    (void)state;
    uart_out(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    uart_out(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
    uart_out(UART_DLL, 0x0c); /* 9600 baud */
    uart_out(UART_DLM, 0x01);
    assert_int_equal(uart_in(UART_DLL), 0x0c);
    assert_int_equal(uart_in(UART_DLM), 0x01);
    assert_true(guest_serial_receive(&s, 'z'));
    assert_int_equal(uart_in(UART_DLL), 0x0c); /* DLL, not RBR: the byte stays */
    uart_out(UART_LCR, UART_LCR_WLEN8);
    assert_int_equal(uart_in(UART_IER), UART_IER_RDI | UART_IER_RLSI); /* untouched by DLM */
    assert_int_equal(uart_in(UART_RX), 'z');
    uart_out(UART_LCR, UART_LCR_DLAB);
    assert_int_equal(uart_in(UART_DLL), 0x0c);
    assert_int_equal(uart_in(UART_DLM), 0x01);
    uart_out(UART_DLL, 0xff);
    uart_out(UART_DLM, 0xff);
    assert_int_equal(uart_in(UART_DLL), 0xff);
    assert_int_equal(uart_in(UART_DLM), 0xff);
    assert_string_equal(out.buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(lines_get_the_vcpu_prefix, setup),
        cmocka_unit_test_setup(empty_line_is_printed_as_prefix_only, setup),
        cmocka_unit_test_setup(carriage_returns_are_dropped, setup),
        cmocka_unit_test_setup(long_lines_are_flushed_in_pieces_without_losing_bytes, setup),
        cmocka_unit_test_setup(every_length_around_the_buffer_size_round_trips, setup),
        cmocka_unit_test_setup(flush_prints_a_partial_line_once, setup),
        cmocka_unit_test_setup(dlab_sends_data_writes_to_the_divisor, setup),
        cmocka_unit_test_setup(status_registers_say_ready_and_connected, setup),
        cmocka_unit_test_setup(scratch_lcr_and_mcr_round_trip, setup),
        cmocka_unit_test_setup(ier_keeps_four_bits_and_reads_zero_under_dlab, setup),
        cmocka_unit_test_setup(only_com1_ports_are_claimed, setup),
        cmocka_unit_test_setup(a_forged_hypervisor_line_comes_out_prefixed, setup),
        cmocka_unit_test_setup(escape_and_other_control_bytes_are_escaped, setup),
        cmocka_unit_test_setup(every_byte_is_itself_or_escaped, setup),
        cmocka_unit_test_setup(an_escape_is_never_split_between_pieces, setup),
        cmocka_unit_test_setup(each_line_reaches_the_sink_in_one_call, setup),
        cmocka_unit_test_setup(guest_text_write_splits_a_whole_text, setup),
        cmocka_unit_test_setup(received_bytes_come_out_in_order_with_lsr_dr, setup),
        cmocka_unit_test_setup(receiver_holds_16_bytes_in_fifo_mode_and_one_in_16450_mode, setup),
        cmocka_unit_test_setup(fcr_empties_the_receiver, setup),
        cmocka_unit_test_setup(iir_fifo_bits_follow_fcr_whatever_dlab, setup),
        cmocka_unit_test_setup(iir_names_the_highest_priority_interrupt, setup),
        cmocka_unit_test_setup(thre_interrupt_follows_16550_rules, setup),
        cmocka_unit_test_setup(irq_line_is_pending_and_out2, setup),
        cmocka_unit_test_setup(loopback_mirrors_mcr_in_msr, setup),
        cmocka_unit_test_setup(loopback_sends_bytes_to_the_receiver, setup),
        cmocka_unit_test_setup(linux_autoconfig_finds_a_16550a, setup),
        cmocka_unit_test_setup(linux_startup_and_interrupt_driven_io, setup),
        cmocka_unit_test_setup(divisor_latch_round_trips, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
