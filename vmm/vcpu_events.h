/* Events between vCPUs: INIT, SIPI and NMI latched in the target and acted on by the target
 * itself (KVM's kvm_apic_accept_events, ACRN's sipi_vector), and the kick that makes it look.
 * The state machine is described in docs/design.md ("vCPU lifecycle"). */
#ifndef VMM_VCPU_EVENTS_H
#define VMM_VCPU_EVENTS_H

#include "vmm/vcpu.h"

/* The fixed vector that kicks a vCPU's CPU.  In VMX non-root operation it causes an external-
 * interrupt VM exit; in root operation (interrupts off) it waits in the LAPIC and causes that exit
 * right after the next VM entry, so it cannot be lost between a check and VMRESUME (an NMI can:
 * root operation takes it through the IDT); a parked CPU waiting in HLT wakes up.  Below the
 * posted-interrupt vector, above any vector the guest's devices get. */
#define VCPU_KICK_VECTOR 0xf1
/* The host LAPIC timer's vector where it stands in for the VMX-preemption timer
 * (VM_TIMER_HOST_LAPIC): taken like a kick. */
#define VCPU_TIMER_VECTOR 0xf0

/* Makes t's CPU look at its events and at the VM's power-off flag soon (no-op for oneself). */
void vcpu_kick(struct vcpu *t);

/* Latches INIT, NMI (VCPU_EV_*) or a SIPI with its vector for t, then kicks it. */
void vcpu_post(struct vcpu *t, uint32_t event);
void vcpu_post_sipi(struct vcpu *t, uint8_t vector);

/* On t's own CPU before each VM entry: INIT first, then SIPI (acted on only in wait-for-SIPI:
 * a SIPI to a running CPU is dropped, SDM 9.4.4), then NMI (dropped in wait-for-SIPI, which
 * blocks NMIs, SDM 26.6.2; it ends a halt).  Returns false when the guest must stop (INIT to
 * vCPU 0). */
bool vcpu_accept_events(struct vcpu *v);

/* Waits in root operation, interrupts on, in HLT, until v has an event or the VM powers off:
 * for a vCPU in wait-for-SIPI or halted with IF=0 (VCPU_HALTED). */
void vcpu_park(struct vcpu *v);

#endif
