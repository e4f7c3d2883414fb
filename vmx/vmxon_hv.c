#include "vmx/vmxon.h"

#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/msr.h"
#include "vmx/feature_control.h"
#include "vmx/vmcs_defs.h"


int vmx_enter_root(const struct vmx_caps *caps, uint64_t region, unsigned cpu)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), new_fc;
    switch (feature_control_decide(fc, &new_fc)) {
    case FC_READY:
        break;
    case FC_WRITE_LOCK:
        wrmsr(MSR_IA32_FEATURE_CONTROL, new_fc);
        break;
    case FC_DISABLED:
        kprintf("cpu %u: VMX disabled by a locked IA32_FEATURE_CONTROL (0x%llx)\n", cpu, (unsigned long long)fc);
        return -1;
    }
    /* SDM A.7/A.8: bits set in FIXED0 must be 1, bits clear in FIXED1 must be 0. */
    uint64_t cr0 = (read_cr0() | caps->cr0_fixed0) & caps->cr0_fixed1;
    uint64_t cr4 = (read_cr4() | caps->cr4_fixed0 | CR4_VMXE) & caps->cr4_fixed1;
    write_cr0(cr0);
    write_cr4(cr4);
    /* SDM 25.11.5: the VMXON region starts with the VMCS revision identifier. */
    *(volatile uint32_t *)region = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
    uint8_t failed;
    __asm__ volatile("vmxon %1; setbe %0" : "=qm"(failed) : "m"(region) : "cc", "memory");
    if (failed) {
        kprintf("cpu %u: VMXON failed (CR0 0x%lx CR4 0x%lx)\n", cpu, (unsigned long)cr0, (unsigned long)cr4);
        write_cr4(read_cr4() & ~CR4_VMXE);
        return -1;
    }
    return 0;
}
