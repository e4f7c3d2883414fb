/* The guest's architectural CPU state that the hypervisor emulates: CPUID, MOV to CR0/CR4, the
 * MSRs that exit, XSETBV, MONITOR/MWAIT.  What hardware answers with #GP or #UD gets #GP or #UD
 * (vmm/arch_rules.h holds the rules as plain C); nothing here stops the VM. */
#ifndef VMM_CPU_STATE_H
#define VMM_CPU_STATE_H

#include "lib/cpu.h"
#include "vmm/vcpu.h"

/* What the guest's CPUID returns on vCPU v (the host's answer through vmm/cpuid_policy.c). */
struct cpuid_regs guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf);

/* Once per VM, after its vCPUs exist: what the guest's CPUID allows in CR4 and XCR0. */
void cpu_state_init_vm(struct vm *vm);
/* On the vCPU's own CPU, before its first entry: XCR0 at its reset value. */
void cpu_state_init_vcpu(struct vcpu *v);
/* The CR4 guest/host mask: the host owns what the guest may not set, so that setting it exits
 * and gets #GP (SDM 25.6.6). */
uint64_t cpu_state_cr4_host_mask(const struct vm *vm);

enum exit_action handle_cr_access(struct vcpu *v);
enum exit_action handle_rdmsr(struct vcpu *v);
enum exit_action handle_wrmsr(struct vcpu *v);
enum exit_action handle_xsetbv(struct vcpu *v);
enum exit_action handle_monitor_mwait(struct vcpu *v);

#endif
