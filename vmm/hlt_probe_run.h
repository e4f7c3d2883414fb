/* The hlt=auto probe on the CPU that runs it (vmm/hlt_probe.h says what it asks). */
#ifndef VMM_HLT_PROBE_RUN_H
#define VMM_HLT_PROBE_RUN_H

#include <stdbool.h>

#include "vmm/hlt_probe.h"
#include "vmm/vcpu.h"

/* Probes on p, a scratch vCPU of the VM (its own VMCS and pages, never run as a guest), and says
 * the result on the console.  True when HLT may run in the guest. */
bool hlt_probe_run(struct vcpu *p);

#endif
