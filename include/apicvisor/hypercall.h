/* The apicvisor guest ABI, shared by the hypervisor and guests (docs/hypercalls.md).
 *
 * Detection: CPUID.1:ECX[31] (hypervisor present), then CPUID leaf 0x40000000 returns
 * EAX = the highest hypervisor leaf and EBX:ECX:EDX = "ApicvisorVMM".
 *
 * Calls: VMCALL at CPL 0 with RAX = function, RBX, RCX, RDX = arguments.  The result comes back in
 * RAX (>= 0 success, negative an HC_E* error; HC_EPERM for any call from CPL > 0).  All other
 * registers are preserved.  Pointers are guest-physical addresses. */
#ifndef APICVISOR_HYPERCALL_H
#define APICVISOR_HYPERCALL_H

#define APICVISOR_CPUID_BASE      0x40000000u
#define APICVISOR_CPUID_BASE_KVM  0x40000100u /* with hv_signature=kvm: KVM's signature is at the base */
#define APICVISOR_CPUID_SIGNATURE "ApicvisorVMM"
#define APICVISOR_SIG_EBX         0x63697041u /* "Apic" */
#define APICVISOR_SIG_ECX         0x6f736976u /* "viso" */
#define APICVISOR_SIG_EDX         0x4d4d5672u /* "rVMM" */

enum apicvisor_hypercall {
    HC_PRINT = 0,           /* RBX = gpa of text, RCX = length (<= 4096): printed as lines with the vCPU
                               prefix, control bytes escaped */
    HC_DUMP_VMCS = 1,       /* dumps this vCPU's VMCS, virtual-APIC page and PI descriptor */
    HC_EXIT_COUNT = 2,      /* RBX = exit reason, or HC_ALL_EXITS: returns this vCPU's count in RAX */
    HC_POWER_OFF = 3,       /* RBX = exit code: prints the exit table and the verdict, powers off */
    HC_COUNT
};

#define HC_ALL_EXITS     0xffffffffu

#define HC_OK            0
#define HC_EPERM         (-1)  /* called from CPL > 0: only the guest kernel may call */
#define HC_EINVAL        (-22) /* bad argument */
#define HC_ENOSYS        (-38) /* unknown function */
#define HC_EFAULT        (-14) /* a guest-physical range is not guest RAM */

#endif
