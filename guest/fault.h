/* Expected exceptions as checked results: RAISES(13, wrmsr(...)) runs the statement and evaluates to
 * true when it raised #GP, resuming right after it.  Any other exception stays unexpected. */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdbool.h>

#include "guest/percpu.h"

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

#endif
