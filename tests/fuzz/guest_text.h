/* The guest-text rules of vmm/dev/guest_serial.h, written again as an oracle for the targets
 * whose output is guest text (COM1, HC_PRINT).  A capture sink checks every call on its own (one
 * whole line: "[vcpu N] ", printable ASCII only, at most GUEST_TEXT_LINE characters, '\n') and
 * collects the lines; guest_text_expect() appends to a second buffer what the header says the
 * bytes must become: split at '\n', '\r' dropped, bytes below 0x20 or from 0x7f up as \xHH
 * (lower case), pieces of at most GUEST_TEXT_LINE characters that never split an escape. */
#ifndef TESTS_FUZZ_GUEST_TEXT_H
#define TESTS_FUZZ_GUEST_TEXT_H

#include <stdio.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/guest_serial.h"

#define GUEST_TEXT_OUT_MAX (256u << 10)

struct text_out {
    char buf[GUEST_TEXT_OUT_MAX];
    size_t len;
    unsigned vcpu, calls;
};

static inline void text_out_reset(struct text_out *o, unsigned vcpu)
{
    o->len = 0;
    o->calls = 0;
    o->vcpu = vcpu;
}

/* A fmt_sink_fn: ctx is a struct text_out. */
static inline void guest_line_sink(void *ctx, const char *s, size_t n)
{
    struct text_out *o = ctx;
    char prefix[32];
    int p = snprintf(prefix, sizeof(prefix), "[vcpu %u] ", o->vcpu);
    FUZZ_CHECK(n > (size_t)p && !memcmp(s, prefix, (size_t)p), "line %u: no \"%s\" prefix: %.*s", o->calls, prefix,
               (int)n, s);
    FUZZ_CHECK(s[n - 1] == '\n', "line %u does not end in a newline", o->calls);
    FUZZ_CHECK(n - 1 - (size_t)p <= GUEST_TEXT_LINE, "line %u: %zu characters", o->calls, n - 1 - (size_t)p);
    for (size_t i = (size_t)p; i < n - 1; i++)
        FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7f, "line %u: byte %#x at %zu reaches the console", o->calls,
                   (unsigned)(uint8_t)s[i], i);
    FUZZ_CHECK(o->len + n <= sizeof(o->buf), "more output than %zu bytes", sizeof(o->buf));
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->calls++;
}

/* The oracle's state: the expected output so far and the line being collected. */
struct text_expect {
    struct text_out out;
    char line[GUEST_TEXT_LINE];
    size_t len;
};

static inline void expect_emit(struct text_expect *e)
{
    char line[GUEST_TEXT_LINE + 40];
    int p = snprintf(line, sizeof(line), "[vcpu %u] ", e->out.vcpu);
    memcpy(line + p, e->line, e->len);
    line[p + e->len] = '\n';
    FUZZ_CHECK(e->out.len + p + e->len + 1 <= sizeof(e->out.buf), "expected output too long");
    memcpy(e->out.buf + e->out.len, line, p + e->len + 1);
    e->out.len += p + e->len + 1;
    e->len = 0;
}

static inline void expect_byte(struct text_expect *e, uint8_t b)
{
    if (b == '\n') {
        expect_emit(e);
        return;
    }
    if (b == '\r')
        return;
    char tok[5];
    int n = b >= 0x20 && b < 0x7f ? snprintf(tok, sizeof(tok), "%c", b) : snprintf(tok, sizeof(tok), "\\x%02x", b);
    if (e->len + (size_t)n > GUEST_TEXT_LINE)
        expect_emit(e);
    memcpy(e->line + e->len, tok, (size_t)n);
    e->len += (size_t)n;
}

static inline void expect_flush(struct text_expect *e)
{
    if (e->len)
        expect_emit(e);
}

/* Whether the captured output is what the oracle expects; prints the first difference. */
static inline bool guest_text_matches(const struct text_out *got, const struct text_out *want)
{
    if (got->len == want->len && !memcmp(got->buf, want->buf, got->len))
        return true;
    size_t i = 0;
    while (i < got->len && i < want->len && got->buf[i] == want->buf[i])
        i++;
    size_t from = i > 40 ? i - 40 : 0;
    fprintf(stderr, "output differs at byte %zu:\n  got:  %.*s\n  want: %.*s\n", i,
            (int)((got->len - from) < 80 ? got->len - from : 80), got->buf + from,
            (int)((want->len - from) < 80 ? want->len - from : 80), want->buf + from);
    return false;
}

#endif
