#include "vmm/hypercall.h"

#include "vmm/dev/guest_serial.h"

/* The text up to its first NUL, as lines that cannot pass for the hypervisor's.  Each byte is
 * read once: another vCPU may be changing it. */
static int64_t hc_print(const struct hc_env *env, uint64_t gpa, uint64_t len)
{
    if (len > HC_PRINT_MAX)
        return HC_EINVAL;
    const uint8_t *text = env->guest_ptr(env->ctx, gpa, len);
    if (!text)
        return HC_EFAULT;
    struct guest_text line = { .len = 0 };
    for (uint64_t i = 0; i < len; i++) {
        uint8_t byte = text[i];
        if (!byte)
            break;
        guest_text_put(&line, byte, env->vcpu, env->print_line, env->ctx);
    }
    guest_text_flush(&line, env->vcpu, env->print_line, env->ctx);
    return HC_OK;
}

static int64_t hc_exit_count(const struct hc_env *env, uint64_t reason)
{
    if (reason == HC_ALL_EXITS) {
        uint64_t total = 0;
        for (unsigned i = 0; i < env->exit_reasons; i++)
            total += env->exit_counts[i];
        return (int64_t)total;
    }
    if (reason >= env->exit_reasons)
        return HC_EINVAL;
    return (int64_t)env->exit_counts[reason];
}

int64_t hypercall_dispatch(const struct hc_env *env, unsigned cpl, uint64_t fn, uint64_t arg1, uint64_t arg2,
                           uint64_t arg3)
{
    (void)arg3;
    /* VMCALL exits at any CPL (SDM "Instructions That Cause VM Exits Unconditionally"); like KVM
     * (-KVM_EPERM), only the guest kernel is served. */
    if (cpl != HC_KERNEL_CPL)
        return HC_EPERM;
    switch (fn) {
    case HC_PRINT: return hc_print(env, arg1, arg2);
    case HC_DUMP_VMCS: env->dump(env->ctx); return HC_OK;
    case HC_EXIT_COUNT: return hc_exit_count(env, arg1);
    case HC_POWER_OFF: env->power_off(env->ctx, arg1); return HC_OK;
    default: return HC_ENOSYS;
    }
}
