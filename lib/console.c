#include "lib/console.h"

#include "lib/format.h"
#include "lib/spinlock.h"

static console_sink_fn sinks[CONSOLE_MAX_SINKS];
/* One lock for the whole console so that lines from different CPUs never interleave. */
static spinlock_t console_lock;
static volatile bool panicking;

#define PANIC_LOCK_SPINS 10000000ul /* some milliseconds: a line's worth of serial output and more */

void console_panic(void)
{
    panicking = true;
}

void console_lock_for_test(void)
{
    spin_lock(&console_lock);
}

/* Returns whether the lock was taken (so must be released). */
static bool console_lock_take(void)
{
    if (!panicking) {
        spin_lock(&console_lock);
        return true;
    }
    return spin_lock_bounded(&console_lock, PANIC_LOCK_SPINS);
}

static void console_lock_release(bool taken)
{
    if (taken)
        spin_unlock(&console_lock);
}

int console_add_sink(console_sink_fn sink)
{
    for (int i = 0; i < CONSOLE_MAX_SINKS; i++) {
        if (!sinks[i] || sinks[i] == sink) {
            sinks[i] = sink;
            return 0;
        }
    }
    return -1;
}

void console_remove_sink(console_sink_fn sink)
{
    for (int i = 0; i < CONSOLE_MAX_SINKS; i++)
        if (sinks[i] == sink)
            sinks[i] = 0;
}

static void write_unlocked(const char *s, size_t n)
{
    for (int i = 0; i < CONSOLE_MAX_SINKS; i++)
        if (sinks[i])
            sinks[i](s, n);
}

void console_write(const char *s, size_t n)
{
    bool taken = console_lock_take();
    write_unlocked(s, n);
    console_lock_release(taken);
}

/* kvprintf formats into a buffer first so a whole message reaches the sinks under one lock
 * hold; console_lines does the same one line at a time for output made in many pieces. */
static void line_sink(void *ctx, const char *s, size_t n)
{
    struct console_lines *l = ctx;
    while (n) {
        if (l->used == sizeof(l->buf))
            console_lines_flush(l);
        size_t room = sizeof(l->buf) - l->used;
        size_t take = n < room ? n : room;
        for (size_t i = 0; i < take; i++)
            l->buf[l->used + i] = s[i];
        l->used += take;
        s += take;
        n -= take;
    }
}

void console_lines_flush(struct console_lines *l)
{
    if (l->locked)
        write_unlocked(l->buf, l->used);
    else
        console_write(l->buf, l->used);
    l->used = 0;
}

void console_lines_sink(void *ctx, const char *s, size_t n)
{
    struct console_lines *l = ctx;
    for (size_t i = 0; i < n; i++) {
        line_sink(l, s + i, 1);
        if (s[i] == '\n')
            console_lines_flush(l);
    }
}

void kvprintf(const char *fmt, va_list ap)
{
    struct console_lines l = { .used = 0, .locked = true };
    bool taken = console_lock_take();
    fmt_vformat(line_sink, &l, fmt, ap);
    write_unlocked(l.buf, l.used);
    console_lock_release(taken);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}
