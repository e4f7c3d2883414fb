/* What to do with IA32_FEATURE_CONTROL before VMXON (SDM 24.7). */
#ifndef VMX_FEATURE_CONTROL_H
#define VMX_FEATURE_CONTROL_H

#include <stdint.h>

enum feature_control_action {
    FC_READY,        /* locked with VMX outside SMX enabled: VMXON may proceed */
    FC_WRITE_LOCK,   /* unlocked: write *new_value (enable + lock), then proceed */
    FC_DISABLED,     /* locked with VMX outside SMX disabled: VMXON would #GP; firmware setup must enable it */
};

enum feature_control_action feature_control_decide(uint64_t current, uint64_t *new_value);

#endif
