/* Helpers for the libFuzzer targets in tests/fuzz/ (one file fuzz_<name>.c per target, see
 * fuzz.mk): reading typed values off the input, and FUZZ_CHECK, which turns a broken invariant
 * into a crash that libFuzzer saves as a reproducer.  Past the end of the input every value reads
 * as 0, so a target never needs to count bytes. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fuzz_in {
    const uint8_t *p;
    size_t left;
};

static inline struct fuzz_in fuzz_in(const uint8_t *data, size_t size)
{
    return (struct fuzz_in){ data, size };
}

static inline bool fuzz_more(const struct fuzz_in *in)
{
    return in->left > 0;
}

/* n (at most 8) little-endian bytes. */
static inline uint64_t fuzz_bytes(struct fuzz_in *in, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n && in->left; i++, in->left--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in) { return (uint8_t)fuzz_bytes(in, 1); }
static inline uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)fuzz_bytes(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_in *in) { return (uint32_t)fuzz_bytes(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_bytes(in, 8); }

/* FUZZ_TRACE=1 in the environment: targets that call fuzz_trace() narrate what an input does,
 * for reading a reproducer (./fuzz_<name> crash-file). */
static inline bool fuzz_tracing(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("FUZZ_TRACE") != NULL;
    return on;
}

#define fuzz_trace(...) (fuzz_tracing() ? (void)fprintf(stderr, __VA_ARGS__) : (void)0)

/* An invariant: on failure print where and why, then abort (libFuzzer keeps the input). */
#define FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: invariant broken: %s\n  ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fprintf(stderr, "\n");                                                              \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

#endif
