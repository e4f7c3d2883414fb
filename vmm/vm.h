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

/* Waits for every vCPU to stop, then prints the exit table of each and the verdict line. */
void vm_report(struct vm *vm);

/* Kicks every vCPU but self out of the guest (they stop when the VM is powered off). */
void vm_stop_vcpus(struct vm *vm, unsigned self);

/* The hypervisor itself failed (an exception): power the guest off with 0x7f and print the
 * verdict now, from whichever CPU this is (at most one verdict line is ever printed). */
void vm_fail(struct vm *vm, const char *why);

#endif
