/* Entering VMX root operation on the calling CPU. */
#ifndef VMX_VMXON_H
#define VMX_VMXON_H

#include <stdint.h>

#include "vmx/caps.h"

/* Enables and locks IA32_FEATURE_CONTROL if needed, applies the CR0/CR4 fixed bits (SDM A.7,
 * A.8), sets CR4.VMXE and executes VMXON on `region` (a zeroed 4 KiB page).  Returns 0, or
 * -1 after printing why. */
int vmx_enter_root(const struct vmx_caps *caps, uint64_t region, unsigned cpu);

#endif
