/* Deciding, on the CPU that runs it, whether apicvisor can use VMX here. */
#ifndef VMX_PROBE_H
#define VMX_PROBE_H

#include <stdbool.h>

#include "vmx/caps.h"

/* Checks CPUID, IA32_FEATURE_CONTROL (enabling and locking it when unlocked) and the capability
 * MSRs, printing the capability report.  Returns false, after saying exactly what is missing,
 * when apicvisor cannot run.  Never touches CR4.VMXE. */
bool vmx_probe(struct vmx_caps *caps);

#endif
