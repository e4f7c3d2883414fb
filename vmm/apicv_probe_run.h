/* The probes of vmm/apicv_probe.h on the CPU that runs them, before the guest starts. */
#ifndef VMM_APICV_PROBE_RUN_H
#define VMM_APICV_PROBE_RUN_H

#include <stdbool.h>

#include "vmm/vcpu.h"

/* Each probes on p, a scratch vCPU of the VM (its own VMCS and pages, never run as a guest), and
 * says the result on the console. */

/* hlt=auto: true when HLT may run in the guest. */
bool apicv_probe_hlt(struct vcpu *p);
/* Whether RFLAGS.IF holds back a virtual interrupt when a physical interrupt arrives: only said,
 * as a platform deviation where it does not. */
void apicv_probe_if(struct vcpu *p);

#endif
