/* Guest text and the guest's COM1: lines with the "[vcpu N] " prefix that a guest cannot make
 * look like the hypervisor's (split at '\n', control bytes and bytes from 0x7f up as \xHH), and
 * the 16550 registers a polled driver looks at (register offsets and bits from the PC16550D data
 * sheet: 0 RBR/THR (DLL under DLAB), 1 IER (DLM under DLAB), 2 IIR, 3 LCR with DLAB in bit 7,
 * 4 MCR, 5 LSR with THRE bit 5 and TEMT bit 6, 6 MSR with CTS bit 4, DSR bit 5, DCD bit 7,
 * 7 scratch). */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
