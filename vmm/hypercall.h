/* The VMCALL interface (include/apicvisor/hypercall.h, docs/hypercalls.md), independent of how
 * the hypervisor reaches guest memory, counts exits or powers off, so that it is unit-tested. */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "apicvisor/hypercall.h"

#define HC_PRINT_MAX 4096

struct hc_env {
    /* A host pointer to guest-physical [gpa, gpa + len), or NULL unless all of it is guest RAM. */
    const void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
    void (*print)(void *ctx, const char *text, size_t len);
    void (*dump)(void *ctx);
    void (*power_off)(void *ctx, uint64_t code);
    const uint64_t *exit_counts; /* this vCPU's, indexed by basic exit reason */
    unsigned exit_reasons;
    void *ctx;
};

/* Performs one hypercall; the result goes to the guest's RAX (negative: an HC_E* error). */
int64_t hypercall_dispatch(const struct hc_env *env, uint64_t fn, uint64_t arg1, uint64_t arg2, uint64_t arg3);

#endif
