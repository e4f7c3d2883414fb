/* The VMX side of APIC virtualization: what runs on VM exits that concern the local APIC, IPI
 * delivery through posted interrupts, and the work done before every VM entry. */
#ifndef VMM_APIC_VIRT_H
#define VMM_APIC_VIRT_H

#include "vmm/vcpu.h"

/* RDMSR/WRMSR of IA32_APIC_BASE, 0x800-0x8FF and IA32_TSC_DEADLINE.  Return false when msr is
 * not an APIC MSR; otherwise *gp says whether the access must fault. */
bool apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val, bool *gp);
bool apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val, bool *gp);

enum exit_action handle_apic_write(struct vcpu *v);
enum exit_action handle_virtualized_eoi(struct vcpu *v);

/* A device interrupt message (vmm/platform.h: the I/O APIC's): delivered to the local APICs its
 * 8-bit destination names, as a fixed or lowest-priority interrupt, NMI or INIT. */
void apic_deliver_msg(struct vm *vm, uint32_t dest, bool logical, uint8_t delivery_mode, uint8_t vector);

/* Whether gpa is this vCPU's xAPIC page with nothing virtualizing it (apicv=off: no
 * APIC-access page), and the emulation of the access that caused an EPT violation there. */
bool apic_mmio_claims(const struct vcpu *v, uint64_t gpa);
enum exit_action apic_mmio_ept_violation(struct vcpu *v, bool write);

/* MOV to and from CR8 when they exit (apicv=off).  apic_cr8_write returns false for a value
 * that must #GP. */
bool apic_cr8_write(struct vcpu *v, uint64_t value);
uint64_t apic_cr8_read(struct vcpu *v);
enum exit_action handle_apic_access(struct vcpu *v);
enum exit_action handle_init_signal(struct vcpu *v);
enum exit_action handle_preemption_timer(struct vcpu *v);

/* Before each VM entry: the timer, posted interrupts not yet in the IRR, RVI, a pending NMI,
 * the preemption-timer deadline, and waking a halted vCPU that has an interrupt. */
void apic_prepare_entry(struct vcpu *v);

/* The VMCS controls and MSR bitmap of a vCPU whose LAPIC is in mode (after VMPTRLD). */
void apic_apply_mode(struct vcpu *v, enum lapic_mode mode);

/* An INIT: the LAPIC reset that keeps its mode, the CPU in wait-for-SIPI (VCPU_WAIT_SIPI).
 * Every AP starts this way too. */
void apic_init_reset(struct vcpu *v);
/* A SIPI with this vector to a vCPU in wait-for-SIPI: real mode at vector << 12, running. */
void apic_start_up(struct vcpu *v, uint8_t vector);

#endif
