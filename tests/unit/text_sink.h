/* A fmt sink that collects text into a buffer, for comparing output in unit tests. */
#ifndef TESTS_TEXT_SINK_H
#define TESTS_TEXT_SINK_H

#include <stddef.h>
#include <string.h>

struct text {
    char buf[32768];
    size_t len;
};

static inline void text_sink(void *ctx, const char *s, size_t n)
{
    struct text *t = ctx;
    if (t->len + n >= sizeof(t->buf))
        n = sizeof(t->buf) - 1 - t->len; /* truncated output fails the comparisons that follow */
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static inline void text_clear(struct text *t)
{
    t->len = 0;
    t->buf[0] = '\0';
}

#endif
