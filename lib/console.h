/* The one console: every message of the hypervisor goes through here to all registered sinks
 * (COM1 always; the firmware's ConOut until ExitBootServices). */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*console_sink_fn)(const char *s, size_t n);

#define CONSOLE_MAX_SINKS 4

/* Returns 0, or -1 when all slots are taken. */
int console_add_sink(console_sink_fn sink);
void console_remove_sink(console_sink_fn sink);

void console_write(const char *s, size_t n);

/* A fmt sink (ctx: a struct console_lines on the caller's stack) that writes whole lines, each
 * under the console lock, so output made in many pieces never mixes with another CPU's within a
 * line.  console_lines_flush writes what is left. */
struct console_lines {
    char buf[160];
    size_t used;
    bool locked; /* internal: the console lock is already held */
};
void console_lines_sink(void *ctx, const char *s, size_t n);
void console_lines_flush(struct console_lines *l);
void kvprintf(const char *fmt, va_list ap);
/* From now on, output waits for the console lock only a bounded time and is written without it
 * after that: for the last words of a failing CPU, which may itself hold the lock. */
void console_panic(void);
/* Takes the console lock and keeps it: only for the test of the failure path above. */
void console_lock_for_test(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
