/* VM-exit handling: one table indexed by basic exit reason (SDM Appendix C), and a single path
 * for everything it does not handle, which dumps the VMCS and stops the guest. */
#ifndef VMM_EXITS_H
#define VMM_EXITS_H

#include "vmm/vcpu.h"

/* Counts the exit, then runs its handler. */
enum exit_action exit_dispatch(struct vcpu *v, uint32_t exit_reason);

/* Reports why, dumps the VMCS and ends the guest (the single path for what cannot go on). */
enum exit_action exit_stop(struct vcpu *v, const char *why);

/* Prints the decoded VMCS (and the vCPU's APIC state) of the current VMCS. */
void vcpu_dump(struct vcpu *v, const char *why);

/* Ends the guest: the first request wins; every other vCPU is kicked out of the guest and
 * stops; code is the guest's exit status (0 passes). */
void vm_power_off(struct vm *vm, uint64_t code, const char *why);

/* A fmt sink for the guest's finished output lines (COM1, HC_PRINT): each goes to the console in
 * one write. */
void guest_line_sink(void *ctx, const char *line, size_t len);

/* Completes an emulated instruction of this length: RIP past it, STI/MOV-SS blocking over, and
 * the single-step #DB when RFLAGS.TF is set. */
void complete_instruction(uint64_t length);
/* The same for the instruction that caused this exit (VM_EXIT_INSTRUCTION_LEN). */
enum exit_action skip_instruction(void);

/* Injects a hardware exception on the next entry (SDM 27.6 "Event Injection"). */
void inject_exception(unsigned vector, bool has_error_code, uint32_t error_code);
#define VECTOR_UD 6
#define VECTOR_GP 13

#endif
