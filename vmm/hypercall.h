/* The VMCALL interface (include/apicvisor/hypercall.h, docs/hypercalls.md), independent of how
 * the hypervisor reaches guest memory, counts exits or powers off, so that it is unit-tested. */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "apicvisor/hypercall.h"
#include "lib/format.h"

#define HC_PRINT_MAX 4096
#define HC_KERNEL_CPL 0 /* the only privilege level that may call */

struct hc_env {
    /* A host pointer to guest-physical [gpa, gpa + len), or NULL unless all of it is guest RAM. */
    const void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
    /* HC_PRINT's output: one call per console line, "[vcpu N] text\n" whole and escaped
     * (guest_text_put in vmm/dev/guest_serial.h). */
    fmt_sink_fn print_line;
    void (*dump)(void *ctx);
    void (*power_off)(void *ctx, uint64_t code);
    const uint64_t *exit_counts; /* this vCPU's, indexed by basic exit reason */
    unsigned exit_reasons;
    unsigned vcpu;               /* the calling vCPU's number, for the "[vcpu N] " prefix */
    void *ctx;
};

/* Performs one hypercall made at privilege level cpl (the guest's SS.DPL); the result goes to
 * the guest's RAX (negative: an HC_E* error).  Any call from cpl > 0 is HC_EPERM and does
 * nothing. */
int64_t hypercall_dispatch(const struct hc_env *env, unsigned cpl, uint64_t fn, uint64_t arg1, uint64_t arg2,
                           uint64_t arg3);

#endif
