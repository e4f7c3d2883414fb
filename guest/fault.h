/* Expected exceptions as checked results: RAISES(13, wrmsr(...)) runs the statement and evaluates to
 * true when it raised #GP, resuming right after it.  Any other exception stays unexpected. */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdbool.h>

#include "guest/percpu.h"

#define VECTOR_UD 6
#define VECTOR_GP 13

#define RAISES(vec, stmt)                                    \
    ({                                                       \
        struct cpu *c_ = this_cpu();                         \
        bool raised_ = false;                                \
        if (recover_save(&c_->fault_point) == 0) {           \
            c_->fault_expected = (vec);                      \
            stmt;                                            \
            c_->fault_expected = -1;                         \
        } else {                                             \
            raised_ = true;                                  \
        }                                                    \
        raised_;                                             \
    })

/* FAULT_OF(mask, stmt): like RAISES() for any of several exceptions (bit n of mask: vector n);
 * evaluates to the vector that interrupted stmt, or -1 when it completed. */
#define FAULT_OF(mask, stmt)                                 \
    ({                                                       \
        struct cpu *c_ = this_cpu();                         \
        volatile int vector_ = -1;                           \
        if (recover_save(&c_->fault_point) == 0) {           \
            c_->fault_mask = (mask);                         \
            stmt;                                            \
            c_->fault_mask = 0;                              \
        } else {                                             \
            vector_ = c_->fault_vector;                      \
        }                                                    \
        vector_;                                             \
    })

#endif
