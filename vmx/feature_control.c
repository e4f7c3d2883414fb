#include "vmx/feature_control.h"

#include "lib/msr.h"

enum feature_control_action feature_control_decide(uint64_t current, uint64_t *new_value)
{
    *new_value = current;
    if (current & FEATURE_CONTROL_LOCK)
        return (current & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? FC_READY : FC_DISABLED;
    /* SDM 24.7: VMXON #GPs unless the lock bit and the enable bit for the current SMX state are
     * set; we never run in SMX, so enabling outside SMX is enough. */
    *new_value = current | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
    return FC_WRITE_LOCK;
}
