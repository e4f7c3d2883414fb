/* Creating the guest and running its vCPUs. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include "vmm/boot_info.h"
#include "vmm/vcpu.h"

/* Builds guest RAM and its EPT, the per-vCPU pages and the Multiboot kernel.  Returns 0, or -1
 * after printing why. */
int vm_create(struct vm *vm, struct boot_info *bi);

/* Runs vCPU 0 from the Multiboot entry until the guest powers off or fails. */
void vm_run_bsp(struct vm *vm);

/* Runs vCPU id (an AP) on the calling CPU: parked in wait-for-SIPI until the guest starts it. */
void vm_run_ap(struct vm *vm, unsigned id);

/* The exit table of every vCPU and the verdict line. */
void vm_report(struct vm *vm);

#endif
