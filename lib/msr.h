/* Architectural MSR numbers (SDM Vol. 4) used by the hypervisor. */
#ifndef LIB_MSR_H
#define LIB_MSR_H

#define MSR_IA32_APIC_BASE            0x0000001bu
#define MSR_IA32_FEATURE_CONTROL      0x0000003au
#define MSR_IA32_TSC_DEADLINE         0x000006e0u
#define MSR_IA32_EFER                 0xc0000080u
#define MSR_IA32_PAT                  0x00000277u
#define MSR_IA32_SYSENTER_CS          0x00000174u
#define MSR_IA32_SYSENTER_ESP         0x00000175u
#define MSR_IA32_SYSENTER_EIP         0x00000176u
#define MSR_IA32_FS_BASE              0xc0000100u
#define MSR_IA32_GS_BASE              0xc0000101u
#define MSR_IA32_KERNEL_GS_BASE       0xc0000102u

#define MSR_IA32_VMX_BASIC            0x00000480u
#define MSR_IA32_VMX_PINBASED_CTLS    0x00000481u
#define MSR_IA32_VMX_PROCBASED_CTLS   0x00000482u
#define MSR_IA32_VMX_EXIT_CTLS        0x00000483u
#define MSR_IA32_VMX_ENTRY_CTLS       0x00000484u
#define MSR_IA32_VMX_MISC             0x00000485u
#define MSR_IA32_VMX_CR0_FIXED0       0x00000486u
#define MSR_IA32_VMX_CR0_FIXED1       0x00000487u
#define MSR_IA32_VMX_CR4_FIXED0       0x00000488u
#define MSR_IA32_VMX_CR4_FIXED1       0x00000489u
#define MSR_IA32_VMX_VMCS_ENUM        0x0000048au
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x0000048bu
#define MSR_IA32_VMX_EPT_VPID_CAP     0x0000048cu
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x0000048du
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048eu
#define MSR_IA32_VMX_TRUE_EXIT_CTLS   0x0000048fu
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x00000490u
#define MSR_IA32_VMX_VMFUNC           0x00000491u
#define MSR_IA32_VMX_PROCBASED_CTLS3  0x00000492u

/* IA32_FEATURE_CONTROL (SDM 24.7 "Enabling and entering VMX operation") */
#define FEATURE_CONTROL_LOCK               (1ull << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX     (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX    (1ull << 2)

/* IA32_APIC_BASE */
#define APIC_BASE_BSP      (1ull << 8)
#define APIC_BASE_EXTD     (1ull << 10)
#define APIC_BASE_ENABLE   (1ull << 11)

#endif
