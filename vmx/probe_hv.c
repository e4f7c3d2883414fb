#include "vmx/probe.h"

#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/msr.h"
#include "vmx/feature_control.h"

bool vmx_probe(struct vmx_caps *caps)
{
    /* CPUID first: QEMU TCG hangs a vCPU that sets CR4.VMXE, and rdmsr of the VMX MSRs #GPs. */
    if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX)) {
        kprintf("vmx: not available: CPUID.1:ECX.VMX[bit 5] = 0 on this CPU\n");
        return false;
    }
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), new_fc;
    switch (feature_control_decide(fc, &new_fc)) {
    case FC_READY:
        kprintf("vmx: IA32_FEATURE_CONTROL = 0x%llx (locked, VMX outside SMX enabled)\n", (unsigned long long)fc);
        break;
    case FC_WRITE_LOCK:
        wrmsr(MSR_IA32_FEATURE_CONTROL, new_fc);
        kprintf("vmx: IA32_FEATURE_CONTROL was unlocked (0x%llx): enabled VMX outside SMX and locked it (0x%llx)\n",
                (unsigned long long)fc, (unsigned long long)new_fc);
        break;
    case FC_DISABLED:
        kprintf("vmx: not available: IA32_FEATURE_CONTROL = 0x%llx is locked with VMX outside SMX disabled "
                "(enable VT-x in the firmware setup)\n", (unsigned long long)fc);
        return false;
    }
    vmx_caps_read(caps, rdmsr);
    struct console_lines out = { .used = 0 };
    vmx_caps_report(caps, console_lines_sink, &out);
    unsigned missing = vmx_caps_check_required(caps, console_lines_sink, &out);
    console_lines_flush(&out);
    if (missing) {
        kprintf("vmx: not usable: %u required control%s missing\n", missing, missing == 1 ? " is" : "s are");
        return false;
    }
    kprintf("vmx: every required control is available\n");
    return true;
}
