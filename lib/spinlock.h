/* Test-and-test-and-set spinlock; plain C11 atomics so it also builds for the host. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdbool.h>

typedef struct {
    volatile bool held;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->held, true, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

/* Tries for at most `spins` pauses; returns whether the lock is now held. */
static inline bool spin_lock_bounded(spinlock_t *l, unsigned long spins)
{
    for (unsigned long i = 0; i < spins; i++) {
        if (!__atomic_load_n(&l->held, __ATOMIC_RELAXED) && !__atomic_exchange_n(&l->held, true, __ATOMIC_ACQUIRE))
            return true;
        __builtin_ia32_pause();
    }
    return false;
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->held, false, __ATOMIC_RELEASE);
}

#endif
