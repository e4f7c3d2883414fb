#include "vmm/hypercall.h"

static int64_t hc_print(const struct hc_env *env, uint64_t gpa, uint64_t len)
{
    if (len > HC_PRINT_MAX)
        return HC_EINVAL;
    const char *text = env->guest_ptr(env->ctx, gpa, len);
    if (!text)
        return HC_EFAULT;
    env->print(env->ctx, text, (size_t)len);
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

int64_t hypercall_dispatch(const struct hc_env *env, uint64_t fn, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
    (void)arg3;
    switch (fn) {
    case HC_PRINT: return hc_print(env, arg1, arg2);
    case HC_DUMP_VMCS: env->dump(env->ctx); return HC_OK;
    case HC_EXIT_COUNT: return hc_exit_count(env, arg1);
    case HC_POWER_OFF: env->power_off(env->ctx, arg1); return HC_OK;
    default: return HC_ENOSYS;
    }
}
