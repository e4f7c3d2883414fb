#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
    bool left, zero;
    int width, precision; /* precision < 0: none */
    int length;           /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
};

static int emit(fmt_sink_fn sink, void *ctx, const char *s, size_t n)
{
    if (n)
        sink(ctx, s, n);
    return (int)n;
}

static int pad(fmt_sink_fn sink, void *ctx, char c, int count)
{
    char block[16];
    int done = 0;
    for (int i = 0; i < (int)sizeof(block); i++)
        block[i] = c;
    while (count > 0) {
        int chunk = count < (int)sizeof(block) ? count : (int)sizeof(block);
        done += emit(sink, ctx, block, (size_t)chunk);
        count -= chunk;
    }
    return done;
}

/* Emits body (with an optional sign or prefix) padded to the spec's width. */
static int emit_field(fmt_sink_fn sink, void *ctx, const struct spec *sp, const char *prefix,
                      const char *body, size_t len)
{
    size_t plen = 0;
    while (prefix[plen])
        plen++;
    int fill = sp->width - (int)(plen + len);
    int out = 0;
    if (!sp->left && !sp->zero)
        out += pad(sink, ctx, ' ', fill);
    out += emit(sink, ctx, prefix, plen);
    if (!sp->left && sp->zero)
        out += pad(sink, ctx, '0', fill);
    out += emit(sink, ctx, body, len);
    if (sp->left)
        out += pad(sink, ctx, ' ', fill);
    return out;
}

static int emit_number(fmt_sink_fn sink, void *ctx, struct spec sp, uint64_t value, bool negative,
                       unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    size_t pos = sizeof(buf);
    do {
        buf[--pos] = digits[value % base];
        value /= base;
    } while (value);
    while (sp.precision > 0 && (int)(sizeof(buf) - pos) < sp.precision && pos > 0)
        buf[--pos] = '0';
    if (sp.precision >= 0)
        sp.zero = false; /* C rule: a precision turns off the '0' flag for integers */
    return emit_field(sink, ctx, &sp, negative ? "-" : prefix, buf + pos, sizeof(buf) - pos);
}

static uint64_t take_unsigned(va_list *ap, int length)
{
    switch (length) {
    case -2: return (unsigned char)va_arg(*ap, unsigned int);
    case -1: return (unsigned short)va_arg(*ap, unsigned int);
    case 1: return va_arg(*ap, unsigned long);
    case 2: return va_arg(*ap, unsigned long long);
    case 3: return va_arg(*ap, size_t);
    default: return va_arg(*ap, unsigned int);
    }
}

static int64_t take_signed(va_list *ap, int length)
{
    switch (length) {
    case -2: return (signed char)va_arg(*ap, int);
    case -1: return (short)va_arg(*ap, int);
    case 1: return va_arg(*ap, long);
    case 2: return va_arg(*ap, long long);
    case 3: return (int64_t)va_arg(*ap, size_t);
    default: return va_arg(*ap, int);
    }
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .precision = -1 };
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9')
            sp->precision = sp->precision * 10 + (*f++ - '0');
    }
    if (*f == 'h') {
        sp->length = -1;
        if (*++f == 'h') {
            sp->length = -2;
            f++;
        }
    } else if (*f == 'l') {
        sp->length = 1;
        if (*++f == 'l') {
            sp->length = 2;
            f++;
        }
    } else if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    if (sp->left)
        sp->zero = false;
    return f;
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap_in)
{
    va_list ap;
    va_copy(ap, ap_in);
    int out = 0;
    while (*fmt) {
        const char *run = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        out += emit(sink, ctx, run, (size_t)(fmt - run));
        if (!*fmt)
            break;
        struct spec sp;
        fmt = parse_spec(fmt + 1, &sp, &ap);
        char conv = *fmt ? *fmt++ : '\0';
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = take_signed(&ap, sp.length);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            out += emit_number(sink, ctx, sp, mag, v < 0, 10, false, "");
            break;
        }
        case 'u': out += emit_number(sink, ctx, sp, take_unsigned(&ap, sp.length), false, 10, false, ""); break;
        case 'x': out += emit_number(sink, ctx, sp, take_unsigned(&ap, sp.length), false, 16, false, ""); break;
        case 'X': out += emit_number(sink, ctx, sp, take_unsigned(&ap, sp.length), false, 16, true, ""); break;
        case 'p':
            out += emit_number(sink, ctx, sp, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            sp.zero = false;
            out += emit_field(sink, ctx, &sp, "", &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t len = 0;
            while ((sp.precision < 0 || (int)len < sp.precision) && s[len]) /* no byte past the precision is read */
                len++;
            sp.zero = false;
            out += emit_field(sink, ctx, &sp, "", s, len);
            break;
        }
        case '%': out += emit(sink, ctx, "%", 1); break;
        default: /* unknown conversion: print it literally so the mistake is visible */
            out += emit(sink, ctx, "%?", 2);
            if (!conv)
                goto done;
            break;
        }
    }
done:
    va_end(ap);
    return out;
}

int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(sink, ctx, fmt, ap);
    va_end(ap);
    return n;
}

struct buffer {
    char *buf;
    size_t size, used;
};

static void buffer_sink(void *ctx, const char *s, size_t n)
{
    struct buffer *b = ctx;
    for (size_t i = 0; i < n; i++, b->used++)
        if (b->used + 1 < b->size)
            b->buf[b->used] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    int n = fmt_vformat(buffer_sink, &b, fmt, ap);
    if (size)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
