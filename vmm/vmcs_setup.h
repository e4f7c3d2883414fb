/* Filling a vCPU's VMCS: host state, controls, and the guest state a vCPU starts in. */
#ifndef VMM_VMCS_SETUP_H
#define VMM_VMCS_SETUP_H

#include "vmm/vcpu.h"

/* VMCLEAR + VMPTRLD the vCPU's VMCS, then writes host state and controls.  Returns 0, or -1
 * after printing why. */
int vmcs_setup(struct vcpu *v);

/* VMCLEAR: the VMCS is no longer current, its state written back to memory (SDM 25.11.3). */
void vmcs_release(struct vcpu *v);

/* The Multiboot entry state (Multiboot 0.6.96, 3.2 "Machine state"): 32-bit protected mode,
 * paging off, flat segments, EAX = magic, EBX = info address (needs unrestricted guest). */
void vmcs_guest_multiboot(struct vcpu *v, uint32_t entry, uint32_t info_addr);

/* The entry state of the Linux boot protocol (Documentation/arch/x86/boot.rst): for the 64-bit
 * entry long mode with the loader's identity page tables, CS = __BOOT_CS (L=1), DS/ES/SS =
 * __BOOT_DS, the loader's GDT, interrupts off, RSI = boot_params; for the 32-bit entry protected
 * mode with paging off and ESI = boot_params. */
void vmcs_guest_linux(struct vcpu *v, const struct linux_load *l);

/* The state after INIT and a start-up IPI with this vector (SDM 10.1.1, table "IA-32 and
 * Intel 64 Processor States Following Power-up, Reset, or INIT"; 9.4.4): real mode at
 * vector << 12 (needs unrestricted guest). */
void vmcs_guest_startup(struct vcpu *v, uint8_t vector);

#endif
