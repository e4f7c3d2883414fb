/* A small printf engine shared by the console and the host-side unit tests. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives formatted text in pieces; s is not NUL-terminated. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Supports %d %i %u %x %X %p %s %c %%, flags '-' '0', width and precision (also '*'),
 * and the length modifiers hh h l ll z.  Returns the number of characters produced. */
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);
int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* snprintf semantics: always NUL-terminates when size > 0, returns the untruncated length. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
