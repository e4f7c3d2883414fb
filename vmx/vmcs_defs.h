/* VMX control bits and VMCS field encodings, named as in the SDM (Vol. 3C, chapter 25
 * "Virtual Machine Control Structures" and Appendix B "VMCS Field Encoding Summary"). */
#ifndef VMX_VMCS_DEFS_H
#define VMX_VMCS_DEFS_H

#include <stdint.h>

/* IA32_VMX_BASIC (SDM A.1) */
#define VMX_BASIC_REVISION_MASK        0x7fffffffull
#define VMX_BASIC_TRUE_CTLS            (1ull << 55)

/* Pin-based VM-execution controls (SDM 25.6.1) */
#define PIN_EXTERNAL_INTERRUPT_EXITING (1u << 0)
#define PIN_NMI_EXITING                (1u << 3)
#define PIN_VIRTUAL_NMIS               (1u << 5)
#define PIN_VMX_PREEMPTION_TIMER       (1u << 6)
#define PIN_PROCESS_POSTED_INTERRUPTS  (1u << 7)

/* Primary processor-based VM-execution controls (SDM 25.6.2, table 25-6) */
#define CPU_INTERRUPT_WINDOW_EXITING   (1u << 2)
#define CPU_USE_TSC_OFFSETTING         (1u << 3)
#define CPU_HLT_EXITING                (1u << 7)
#define CPU_INVLPG_EXITING             (1u << 9)
#define CPU_MWAIT_EXITING              (1u << 10)
#define CPU_RDPMC_EXITING              (1u << 11)
#define CPU_RDTSC_EXITING              (1u << 12)
#define CPU_CR3_LOAD_EXITING           (1u << 15)
#define CPU_CR3_STORE_EXITING          (1u << 16)
#define CPU_ACTIVATE_TERTIARY_CONTROLS (1u << 17)
#define CPU_CR8_LOAD_EXITING           (1u << 19)
#define CPU_CR8_STORE_EXITING          (1u << 20)
#define CPU_USE_TPR_SHADOW             (1u << 21)
#define CPU_NMI_WINDOW_EXITING         (1u << 22)
#define CPU_MOV_DR_EXITING             (1u << 23)
#define CPU_UNCONDITIONAL_IO_EXITING   (1u << 24)
#define CPU_USE_IO_BITMAPS             (1u << 25)
#define CPU_MONITOR_TRAP_FLAG          (1u << 27)
#define CPU_USE_MSR_BITMAPS            (1u << 28)
#define CPU_MONITOR_EXITING            (1u << 29)
#define CPU_PAUSE_EXITING              (1u << 30)
#define CPU_ACTIVATE_SECONDARY_CONTROLS (1u << 31)

/* Secondary processor-based VM-execution controls (SDM 25.6.2, table 25-7) */
#define CPU2_VIRTUALIZE_APIC_ACCESSES  (1u << 0)
#define CPU2_ENABLE_EPT                (1u << 1)
#define CPU2_DESCRIPTOR_TABLE_EXITING  (1u << 2)
#define CPU2_ENABLE_RDTSCP             (1u << 3)
#define CPU2_VIRTUALIZE_X2APIC_MODE    (1u << 4)
#define CPU2_ENABLE_VPID               (1u << 5)
#define CPU2_WBINVD_EXITING            (1u << 6)
#define CPU2_UNRESTRICTED_GUEST        (1u << 7)
#define CPU2_APIC_REGISTER_VIRTUALIZATION (1u << 8)
#define CPU2_VIRTUAL_INTERRUPT_DELIVERY (1u << 9)
#define CPU2_PAUSE_LOOP_EXITING        (1u << 10)
#define CPU2_RDRAND_EXITING            (1u << 11)
#define CPU2_ENABLE_INVPCID            (1u << 12)
#define CPU2_ENABLE_VMFUNC             (1u << 13)
#define CPU2_VMCS_SHADOWING            (1u << 14)
#define CPU2_ENABLE_ENCLS_EXITING      (1u << 15)
#define CPU2_RDSEED_EXITING            (1u << 16)
#define CPU2_ENABLE_PML                (1u << 17)
#define CPU2_EPT_VIOLATION_VE          (1u << 18)
#define CPU2_CONCEAL_VMX_FROM_PT       (1u << 19)
#define CPU2_ENABLE_XSAVES             (1u << 20)
#define CPU2_PASID_TRANSLATION         (1u << 21)
#define CPU2_MODE_BASED_EPT_EXECUTE    (1u << 22)
#define CPU2_SUBPAGE_WRITE_PERMISSIONS (1u << 23)
#define CPU2_PT_USES_GUEST_PHYSICAL    (1u << 24)
#define CPU2_USE_TSC_SCALING           (1u << 25)
#define CPU2_ENABLE_USER_WAIT_PAUSE    (1u << 26)
#define CPU2_ENABLE_PCONFIG            (1u << 27)
#define CPU2_ENABLE_ENCLV_EXITING      (1u << 28)
#define CPU2_VMM_BUS_LOCK_DETECTION    (1u << 30)
#define CPU2_INSTRUCTION_TIMEOUT       (1u << 31)

/* Tertiary processor-based VM-execution controls (SDM 25.6.2, table 25-8): a 64-bit field whose
 * capability MSR (IA32_VMX_PROCBASED_CTLS3) reports allowed-1 settings only. */
#define CPU3_LOADIWKEY_EXITING         (1ull << 0)
#define CPU3_ENABLE_HLAT               (1ull << 1)
#define CPU3_EPT_PAGING_WRITE_CONTROL  (1ull << 2)
#define CPU3_GUEST_PAGING_VERIFICATION (1ull << 3)
#define CPU3_IPI_VIRTUALIZATION        (1ull << 4)
#define CPU3_VIRTUALIZE_IA32_SPEC_CTRL (1ull << 7)

/* VM-exit controls (SDM 25.7.1) */
#define EXIT_SAVE_DEBUG_CONTROLS       (1u << 2)
#define EXIT_HOST_ADDRESS_SPACE_SIZE   (1u << 9)
#define EXIT_LOAD_PERF_GLOBAL_CTRL     (1u << 12)
#define EXIT_ACK_INTERRUPT_ON_EXIT     (1u << 15)
#define EXIT_SAVE_PAT                  (1u << 18)
#define EXIT_LOAD_PAT                  (1u << 19)
#define EXIT_SAVE_EFER                 (1u << 20)
#define EXIT_LOAD_EFER                 (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER     (1u << 22)
#define EXIT_CLEAR_BNDCFGS             (1u << 23)
#define EXIT_CONCEAL_VMX_FROM_PT       (1u << 24)
#define EXIT_CLEAR_RTIT_CTL            (1u << 25)
#define EXIT_CLEAR_LBR_CTL             (1u << 26)
#define EXIT_CLEAR_UINV                (1u << 27)
#define EXIT_LOAD_CET_STATE            (1u << 28)
#define EXIT_LOAD_PKRS                 (1u << 29)
#define EXIT_SAVE_PERF_GLOBAL_CTRL     (1u << 30)
#define EXIT_ACTIVATE_SECONDARY_CONTROLS (1u << 31)

/* VM-entry controls (SDM 25.8.1) */
#define ENTRY_LOAD_DEBUG_CONTROLS      (1u << 2)
#define ENTRY_IA32E_MODE_GUEST         (1u << 9)
#define ENTRY_SMM                      (1u << 10)
#define ENTRY_DEACTIVATE_DUAL_MONITOR  (1u << 11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL    (1u << 13)
#define ENTRY_LOAD_PAT                 (1u << 14)
#define ENTRY_LOAD_EFER                (1u << 15)
#define ENTRY_LOAD_BNDCFGS             (1u << 16)
#define ENTRY_CONCEAL_VMX_FROM_PT      (1u << 17)
#define ENTRY_LOAD_RTIT_CTL            (1u << 18)
#define ENTRY_LOAD_UINV                (1u << 19)
#define ENTRY_LOAD_CET_STATE           (1u << 20)
#define ENTRY_LOAD_LBR_CTL             (1u << 21)
#define ENTRY_LOAD_PKRS                (1u << 22)

/* ---- VMCS field encodings (SDM 25.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields") ------
 * bit 0      access type: 1 = the high 32 bits of a 64-bit field
 * bits 9:1   index
 * bits 11:10 type: 0 control, 1 VM-exit information (read-only), 2 guest state, 3 host state
 * bit 12     reserved (0)
 * bits 14:13 width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width
 * bits 31:15 reserved (0) */
#define VMCS_ENC_ACCESS_HIGH           0x1u
#define VMCS_ENC_RESERVED_MASK         0xffff9000u
#define VMCS_ENC_TYPE(enc)             (((enc) >> 10) & 3u)
#define VMCS_ENC_WIDTH(enc)            (((enc) >> 13) & 3u)

enum vmcs_width {
    VMCS_WIDTH_16 = 0,
    VMCS_WIDTH_64 = 1,
    VMCS_WIDTH_32 = 2,
    VMCS_WIDTH_NATURAL = 3,
};

enum vmcs_field_type {
    VMCS_TYPE_CONTROL = 0,
    VMCS_TYPE_EXIT_INFO = 1, /* read-only */
    VMCS_TYPE_GUEST = 2,
    VMCS_TYPE_HOST = 3,
};

static inline enum vmcs_width vmcs_field_width(uint32_t enc)
{
    return (enum vmcs_width)VMCS_ENC_WIDTH(enc);
}

static inline enum vmcs_field_type vmcs_field_type(uint32_t enc)
{
    return (enum vmcs_field_type)VMCS_ENC_TYPE(enc);
}

/* 16-bit control fields (SDM B.1.1) */
#define VIRTUAL_PROCESSOR_ID           0x00000000u
#define POSTED_INTR_NOTIFICATION_VECTOR 0x00000002u
#define EPTP_INDEX                     0x00000004u
#define HLAT_PREFIX_SIZE               0x00000006u
#define LAST_PID_POINTER_INDEX         0x00000008u

/* 16-bit guest-state fields (SDM B.1.2) */
#define GUEST_ES_SELECTOR              0x00000800u
#define GUEST_CS_SELECTOR              0x00000802u
#define GUEST_SS_SELECTOR              0x00000804u
#define GUEST_DS_SELECTOR              0x00000806u
#define GUEST_FS_SELECTOR              0x00000808u
#define GUEST_GS_SELECTOR              0x0000080au
#define GUEST_LDTR_SELECTOR            0x0000080cu
#define GUEST_TR_SELECTOR              0x0000080eu
#define GUEST_INTR_STATUS              0x00000810u /* RVI in bits 7:0, SVI in bits 15:8 */
#define GUEST_PML_INDEX                0x00000812u
#define GUEST_UINV                     0x00000814u

/* 16-bit host-state fields (SDM B.1.3) */
#define HOST_ES_SELECTOR               0x00000c00u
#define HOST_CS_SELECTOR               0x00000c02u
#define HOST_SS_SELECTOR               0x00000c04u
#define HOST_DS_SELECTOR               0x00000c06u
#define HOST_FS_SELECTOR               0x00000c08u
#define HOST_GS_SELECTOR               0x00000c0au
#define HOST_TR_SELECTOR               0x00000c0cu

/* 64-bit control fields (SDM B.2.1); the "high" encoding of each is the full one + 1. */
#define IO_BITMAP_A                    0x00002000u
#define IO_BITMAP_B                    0x00002002u
#define MSR_BITMAP                     0x00002004u
#define VM_EXIT_MSR_STORE_ADDR         0x00002006u
#define VM_EXIT_MSR_LOAD_ADDR          0x00002008u
#define VM_ENTRY_MSR_LOAD_ADDR         0x0000200au
#define EXECUTIVE_VMCS_POINTER         0x0000200cu
#define PML_ADDRESS                    0x0000200eu
#define TSC_OFFSET                     0x00002010u
#define VIRTUAL_APIC_PAGE_ADDR         0x00002012u
#define APIC_ACCESS_ADDR               0x00002014u
#define POSTED_INTR_DESC_ADDR          0x00002016u
#define VM_FUNCTION_CONTROLS           0x00002018u
#define EPT_POINTER                    0x0000201au
#define EOI_EXIT_BITMAP0               0x0000201cu
#define EOI_EXIT_BITMAP1               0x0000201eu
#define EOI_EXIT_BITMAP2               0x00002020u
#define EOI_EXIT_BITMAP3               0x00002022u
#define EPTP_LIST_ADDRESS              0x00002024u
#define VMREAD_BITMAP                  0x00002026u
#define VMWRITE_BITMAP                 0x00002028u
#define VE_INFORMATION_ADDRESS         0x0000202au
#define XSS_EXIT_BITMAP                0x0000202cu
#define ENCLS_EXITING_BITMAP           0x0000202eu
#define SPP_TABLE_POINTER              0x00002030u
#define TSC_MULTIPLIER                 0x00002032u
#define TERTIARY_VM_EXEC_CONTROL       0x00002034u
#define ENCLV_EXITING_BITMAP           0x00002036u
#define PID_POINTER_TABLE_ADDRESS      0x00002042u

/* 64-bit read-only data field (SDM B.2.2) */
#define GUEST_PHYSICAL_ADDRESS         0x00002400u

/* 64-bit guest-state fields (SDM B.2.3) */
#define VMCS_LINK_POINTER              0x00002800u
#define GUEST_IA32_DEBUGCTL            0x00002802u
#define GUEST_IA32_PAT                 0x00002804u
#define GUEST_IA32_EFER                0x00002806u
#define GUEST_IA32_PERF_GLOBAL_CTRL    0x00002808u
#define GUEST_PDPTE0                   0x0000280au
#define GUEST_PDPTE1                   0x0000280cu
#define GUEST_PDPTE2                   0x0000280eu
#define GUEST_PDPTE3                   0x00002810u
#define GUEST_IA32_BNDCFGS             0x00002812u
#define GUEST_IA32_RTIT_CTL            0x00002814u
#define GUEST_IA32_LBR_CTL             0x00002816u
#define GUEST_IA32_PKRS                0x00002818u

/* 64-bit host-state fields (SDM B.2.4) */
#define HOST_IA32_PAT                  0x00002c00u
#define HOST_IA32_EFER                 0x00002c02u
#define HOST_IA32_PERF_GLOBAL_CTRL     0x00002c04u
#define HOST_IA32_PKRS                 0x00002c06u

/* 32-bit control fields (SDM B.3.1) */
#define PIN_BASED_VM_EXEC_CONTROL      0x00004000u
#define CPU_BASED_VM_EXEC_CONTROL      0x00004002u
#define EXCEPTION_BITMAP               0x00004004u
#define PAGE_FAULT_ERROR_CODE_MASK     0x00004006u
#define PAGE_FAULT_ERROR_CODE_MATCH    0x00004008u
#define CR3_TARGET_COUNT               0x0000400au
#define VM_EXIT_CONTROLS               0x0000400cu
#define VM_EXIT_MSR_STORE_COUNT        0x0000400eu
#define VM_EXIT_MSR_LOAD_COUNT         0x00004010u
#define VM_ENTRY_CONTROLS              0x00004012u
#define VM_ENTRY_MSR_LOAD_COUNT        0x00004014u
#define VM_ENTRY_INTR_INFO             0x00004016u
#define VM_ENTRY_EXCEPTION_ERROR_CODE  0x00004018u
#define VM_ENTRY_INSTRUCTION_LEN       0x0000401au
#define TPR_THRESHOLD                  0x0000401cu
#define SECONDARY_VM_EXEC_CONTROL      0x0000401eu
#define PLE_GAP                        0x00004020u
#define PLE_WINDOW                     0x00004022u

/* 32-bit read-only data fields (SDM B.3.2) */
#define VM_INSTRUCTION_ERROR           0x00004400u
#define VM_EXIT_REASON                 0x00004402u
#define VM_EXIT_INTR_INFO              0x00004404u
#define VM_EXIT_INTR_ERROR_CODE        0x00004406u
#define IDT_VECTORING_INFO             0x00004408u
#define IDT_VECTORING_ERROR_CODE       0x0000440au
#define VM_EXIT_INSTRUCTION_LEN        0x0000440cu
#define VMX_INSTRUCTION_INFO           0x0000440eu

/* 32-bit guest-state fields (SDM B.3.3) */
#define GUEST_ES_LIMIT                 0x00004800u
#define GUEST_CS_LIMIT                 0x00004802u
#define GUEST_SS_LIMIT                 0x00004804u
#define GUEST_DS_LIMIT                 0x00004806u
#define GUEST_FS_LIMIT                 0x00004808u
#define GUEST_GS_LIMIT                 0x0000480au
#define GUEST_LDTR_LIMIT               0x0000480cu
#define GUEST_TR_LIMIT                 0x0000480eu
#define GUEST_GDTR_LIMIT               0x00004810u
#define GUEST_IDTR_LIMIT               0x00004812u
#define GUEST_ES_AR_BYTES              0x00004814u
#define GUEST_CS_AR_BYTES              0x00004816u
#define GUEST_SS_AR_BYTES              0x00004818u
#define GUEST_DS_AR_BYTES              0x0000481au
#define GUEST_FS_AR_BYTES              0x0000481cu
#define GUEST_GS_AR_BYTES              0x0000481eu
#define GUEST_LDTR_AR_BYTES            0x00004820u
#define GUEST_TR_AR_BYTES              0x00004822u
#define GUEST_INTERRUPTIBILITY_INFO    0x00004824u
#define GUEST_ACTIVITY_STATE           0x00004826u
#define GUEST_SMBASE                   0x00004828u
#define GUEST_SYSENTER_CS              0x0000482au
#define VMX_PREEMPTION_TIMER_VALUE     0x0000482eu

/* 32-bit host-state field (SDM B.3.4) */
#define HOST_IA32_SYSENTER_CS          0x00004c00u

/* Natural-width control fields (SDM B.4.1) */
#define CR0_GUEST_HOST_MASK            0x00006000u
#define CR4_GUEST_HOST_MASK            0x00006002u
#define CR0_READ_SHADOW                0x00006004u
#define CR4_READ_SHADOW                0x00006006u
#define CR3_TARGET_VALUE0              0x00006008u
#define CR3_TARGET_VALUE1              0x0000600au
#define CR3_TARGET_VALUE2              0x0000600cu
#define CR3_TARGET_VALUE3              0x0000600eu

/* Natural-width read-only data fields (SDM B.4.2) */
#define EXIT_QUALIFICATION             0x00006400u
#define IO_RCX                         0x00006402u
#define IO_RSI                         0x00006404u
#define IO_RDI                         0x00006406u
#define IO_RIP                         0x00006408u
#define GUEST_LINEAR_ADDRESS           0x0000640au

/* Natural-width guest-state fields (SDM B.4.3) */
#define GUEST_CR0                      0x00006800u
#define GUEST_CR3                      0x00006802u
#define GUEST_CR4                      0x00006804u
#define GUEST_ES_BASE                  0x00006806u
#define GUEST_CS_BASE                  0x00006808u
#define GUEST_SS_BASE                  0x0000680au
#define GUEST_DS_BASE                  0x0000680cu
#define GUEST_FS_BASE                  0x0000680eu
#define GUEST_GS_BASE                  0x00006810u
#define GUEST_LDTR_BASE                0x00006812u
#define GUEST_TR_BASE                  0x00006814u
#define GUEST_GDTR_BASE                0x00006816u
#define GUEST_IDTR_BASE                0x00006818u
#define GUEST_DR7                      0x0000681au
#define GUEST_RSP                      0x0000681cu
#define GUEST_RIP                      0x0000681eu
#define GUEST_RFLAGS                   0x00006820u
#define GUEST_PENDING_DBG_EXCEPTIONS   0x00006822u
#define GUEST_SYSENTER_ESP             0x00006824u
#define GUEST_SYSENTER_EIP             0x00006826u
#define GUEST_S_CET                    0x00006828u
#define GUEST_SSP                      0x0000682au
#define GUEST_INTR_SSP_TABLE_ADDR      0x0000682cu

/* Natural-width host-state fields (SDM B.4.4) */
#define HOST_CR0                       0x00006c00u
#define HOST_CR3                       0x00006c02u
#define HOST_CR4                       0x00006c04u
#define HOST_FS_BASE                   0x00006c06u
#define HOST_GS_BASE                   0x00006c08u
#define HOST_TR_BASE                   0x00006c0au
#define HOST_GDTR_BASE                 0x00006c0cu
#define HOST_IDTR_BASE                 0x00006c0eu
#define HOST_IA32_SYSENTER_ESP         0x00006c10u
#define HOST_IA32_SYSENTER_EIP         0x00006c12u
#define HOST_RSP                       0x00006c14u
#define HOST_RIP                       0x00006c16u
#define HOST_S_CET                     0x00006c18u
#define HOST_SSP                       0x00006c1au
#define HOST_INTR_SSP_TABLE_ADDR       0x00006c1cu

/* The width and type bits of one field per group, checked where a typo would do most harm.
 * Every field the dump prints is width-checked again at compile time by VMCS_FIELD_OF_WIDTH. */
#define VMCS_CHECK_CLASS(enc, width, type)                                                        \
    _Static_assert(VMCS_ENC_WIDTH(enc) == (width) && VMCS_ENC_TYPE(enc) == (type) &&              \
                       ((enc) & VMCS_ENC_RESERVED_MASK) == 0,                                     \
                   #enc " has the width and type of its group")
VMCS_CHECK_CLASS(LAST_PID_POINTER_INDEX, VMCS_WIDTH_16, VMCS_TYPE_CONTROL);
VMCS_CHECK_CLASS(GUEST_UINV, VMCS_WIDTH_16, VMCS_TYPE_GUEST);
VMCS_CHECK_CLASS(HOST_TR_SELECTOR, VMCS_WIDTH_16, VMCS_TYPE_HOST);
VMCS_CHECK_CLASS(PID_POINTER_TABLE_ADDRESS, VMCS_WIDTH_64, VMCS_TYPE_CONTROL);
VMCS_CHECK_CLASS(GUEST_PHYSICAL_ADDRESS, VMCS_WIDTH_64, VMCS_TYPE_EXIT_INFO);
VMCS_CHECK_CLASS(GUEST_IA32_PKRS, VMCS_WIDTH_64, VMCS_TYPE_GUEST);
VMCS_CHECK_CLASS(HOST_IA32_PKRS, VMCS_WIDTH_64, VMCS_TYPE_HOST);
VMCS_CHECK_CLASS(PLE_WINDOW, VMCS_WIDTH_32, VMCS_TYPE_CONTROL);
VMCS_CHECK_CLASS(VMX_INSTRUCTION_INFO, VMCS_WIDTH_32, VMCS_TYPE_EXIT_INFO);
VMCS_CHECK_CLASS(VMX_PREEMPTION_TIMER_VALUE, VMCS_WIDTH_32, VMCS_TYPE_GUEST);
VMCS_CHECK_CLASS(HOST_IA32_SYSENTER_CS, VMCS_WIDTH_32, VMCS_TYPE_HOST);
VMCS_CHECK_CLASS(CR3_TARGET_VALUE3, VMCS_WIDTH_NATURAL, VMCS_TYPE_CONTROL);
VMCS_CHECK_CLASS(GUEST_LINEAR_ADDRESS, VMCS_WIDTH_NATURAL, VMCS_TYPE_EXIT_INFO);
VMCS_CHECK_CLASS(GUEST_INTR_SSP_TABLE_ADDR, VMCS_WIDTH_NATURAL, VMCS_TYPE_GUEST);
VMCS_CHECK_CLASS(HOST_INTR_SSP_TABLE_ADDR, VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST);

/* An encoding constant that fails to compile unless its width is w: for tables of fields. */
#define VMCS_FIELD_OF_WIDTH(enc, w) ((enc) + 0u * (unsigned)sizeof(char[VMCS_ENC_WIDTH(enc) == (w) ? 1 : -1]))

/* ---- Exit reasons (SDM 25.9.1 "Basic VM-Exit Information", Appendix C) -------------------- */
#define EXIT_REASON_BASIC_MASK         0xffffu
#define EXIT_REASON_FAILED_VMENTRY     (1u << 31)
#define EXIT_REASON_BUS_LOCK_PREEMPTED (1u << 26)
#define EXIT_REASON_ENCLAVE_MODE       (1u << 27)
#define EXIT_REASON_PENDING_MTF        (1u << 28)
#define EXIT_REASON_FROM_VMX_ROOT      (1u << 29)
#define EXIT_REASON_ENTRY_FAILURE      (1u << 31)

#define EXIT_REASON_EXCEPTION_NMI      0
#define EXIT_REASON_EXTERNAL_INTERRUPT 1
#define EXIT_REASON_TRIPLE_FAULT       2
#define EXIT_REASON_INIT_SIGNAL        3
#define EXIT_REASON_SIPI               4
#define EXIT_REASON_IO_SMI             5
#define EXIT_REASON_OTHER_SMI          6
#define EXIT_REASON_INTERRUPT_WINDOW   7
#define EXIT_REASON_NMI_WINDOW         8
#define EXIT_REASON_TASK_SWITCH        9
#define EXIT_REASON_CPUID              10
#define EXIT_REASON_GETSEC             11
#define EXIT_REASON_HLT                12
#define EXIT_REASON_INVD               13
#define EXIT_REASON_INVLPG             14
#define EXIT_REASON_RDPMC              15
#define EXIT_REASON_RDTSC              16
#define EXIT_REASON_RSM                17
#define EXIT_REASON_VMCALL             18
#define EXIT_REASON_VMCLEAR            19
#define EXIT_REASON_VMLAUNCH           20
#define EXIT_REASON_VMPTRLD            21
#define EXIT_REASON_VMPTRST            22
#define EXIT_REASON_VMREAD             23
#define EXIT_REASON_VMRESUME           24
#define EXIT_REASON_VMWRITE            25
#define EXIT_REASON_VMXOFF             26
#define EXIT_REASON_VMXON              27
#define EXIT_REASON_CR_ACCESS          28
#define EXIT_REASON_DR_ACCESS          29
#define EXIT_REASON_IO_INSTRUCTION     30
#define EXIT_REASON_RDMSR              31
#define EXIT_REASON_WRMSR              32
#define EXIT_REASON_INVALID_GUEST_STATE 33
#define EXIT_REASON_MSR_LOADING        34
#define EXIT_REASON_MWAIT              36
#define EXIT_REASON_MONITOR_TRAP_FLAG  37
#define EXIT_REASON_MONITOR            39
#define EXIT_REASON_PAUSE              40
#define EXIT_REASON_MACHINE_CHECK      41
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS        44
#define EXIT_REASON_VIRTUALIZED_EOI    45
#define EXIT_REASON_GDTR_IDTR_ACCESS   46
#define EXIT_REASON_LDTR_TR_ACCESS     47
#define EXIT_REASON_EPT_VIOLATION      48
#define EXIT_REASON_EPT_MISCONFIG      49
#define EXIT_REASON_INVEPT             50
#define EXIT_REASON_RDTSCP             51
#define EXIT_REASON_PREEMPTION_TIMER   52
#define EXIT_REASON_INVVPID            53
#define EXIT_REASON_WBINVD             54
#define EXIT_REASON_XSETBV             55
#define EXIT_REASON_APIC_WRITE         56
#define EXIT_REASON_RDRAND             57
#define EXIT_REASON_INVPCID            58
#define EXIT_REASON_VMFUNC             59
#define EXIT_REASON_ENCLS              60
#define EXIT_REASON_RDSEED             61
#define EXIT_REASON_PML_FULL           62
#define EXIT_REASON_XSAVES             63
#define EXIT_REASON_XRSTORS            64
#define EXIT_REASON_PCONFIG            65
#define EXIT_REASON_SPP_EVENT          66
#define EXIT_REASON_UMWAIT             67
#define EXIT_REASON_TPAUSE             68
#define EXIT_REASON_LOADIWKEY          69
#define EXIT_REASON_ENCLV              70
#define EXIT_REASON_SGX_CONFLICT       71
#define EXIT_REASON_ENQCMD_PASID_FAIL  72
#define EXIT_REASON_ENQCMDS_PASID_FAIL 73
#define EXIT_REASON_BUS_LOCK           74
#define EXIT_REASON_INSTRUCTION_TIMEOUT 75
#define EXIT_REASON_SEAMCALL           76
#define EXIT_REASON_TDCALL             77
#define EXIT_REASON_RDMSRLIST          78
#define EXIT_REASON_WRMSRLIST          79
#define EXIT_REASON_COUNT              80

/* ---- VM-instruction error numbers (SDM 31.4 "VM Instruction Error Numbers") --------------- */
#define VMXERR_VMCALL_IN_VMX_ROOT              1
#define VMXERR_VMCLEAR_INVALID_ADDRESS         2
#define VMXERR_VMCLEAR_VMXON_POINTER           3
#define VMXERR_VMLAUNCH_NONCLEAR_VMCS          4
#define VMXERR_VMRESUME_NONLAUNCHED_VMCS       5
#define VMXERR_VMRESUME_AFTER_VMXOFF           6
#define VMXERR_ENTRY_INVALID_CONTROL_FIELD     7
#define VMXERR_ENTRY_INVALID_HOST_STATE_FIELD  8
#define VMXERR_VMPTRLD_INVALID_ADDRESS         9
#define VMXERR_VMPTRLD_VMXON_POINTER           10
#define VMXERR_VMPTRLD_INCORRECT_REVISION_ID   11
#define VMXERR_UNSUPPORTED_VMCS_COMPONENT      12
#define VMXERR_VMWRITE_READ_ONLY_COMPONENT     13
#define VMXERR_VMXON_IN_VMX_ROOT               15
#define VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS    16
#define VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS 17
#define VMXERR_ENTRY_EXECUTIVE_VMCS_NOT_VMXON  18
#define VMXERR_VMCALL_NONCLEAR_VMCS            19
#define VMXERR_VMCALL_INVALID_EXIT_CONTROLS    20
#define VMXERR_VMCALL_INCORRECT_MSEG_REVISION  22
#define VMXERR_VMXOFF_UNDER_DUAL_MONITOR       23
#define VMXERR_VMCALL_INVALID_SMM_MONITOR      24
#define VMXERR_ENTRY_INVALID_EXECUTIVE_CONTROLS 25
#define VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS  26
#define VMXERR_INVALID_INVEPT_INVVPID_OPERAND  28

/* ---- Interruption-information fields (SDM 25.8.3 entry, 25.9.2 exit, 25.9.3 IDT vectoring) - */
#define INTR_INFO_VECTOR_MASK          0xffu
#define INTR_INFO_TYPE_SHIFT           8
#define INTR_INFO_TYPE_MASK            (7u << INTR_INFO_TYPE_SHIFT)
#define INTR_INFO_ERROR_CODE_VALID     (1u << 11)
#define INTR_INFO_NMI_UNBLOCKING       (1u << 12) /* exit info only: NMI unblocking due to IRET */
#define INTR_INFO_VALID                (1u << 31)

#define INTR_TYPE_EXTERNAL_INTERRUPT   0
#define INTR_TYPE_NMI                  2
#define INTR_TYPE_HARDWARE_EXCEPTION   3
#define INTR_TYPE_SOFTWARE_INTERRUPT   4
#define INTR_TYPE_PRIV_SOFTWARE_EXCEPTION 5
#define INTR_TYPE_SOFTWARE_EXCEPTION   6
#define INTR_TYPE_OTHER_EVENT          7

/* Guest interruptibility state (SDM 25.4.2, table 25-3) */
#define GUEST_INTR_BLOCKING_STI        (1u << 0)
#define GUEST_INTR_BLOCKING_MOV_SS     (1u << 1)
#define GUEST_INTR_BLOCKING_SMI        (1u << 2)
#define GUEST_INTR_BLOCKING_NMI        (1u << 3)

/* Guest activity states (SDM 25.4.2) */
#define GUEST_ACTIVITY_ACTIVE          0
#define GUEST_ACTIVITY_HLT             1
#define GUEST_ACTIVITY_SHUTDOWN        2
#define GUEST_ACTIVITY_WAIT_SIPI       3

/* ---- EPT (SDM 29.3 "The Extended Page Table Mechanism") ------------------------------------ */
/* EPT paging-structure entries (SDM 29.3.2, tables 29-1 to 29-6) */
#define EPT_READ                       (1ull << 0)
#define EPT_WRITE                      (1ull << 1)
#define EPT_EXECUTE                    (1ull << 2)
#define EPT_RWX                        (EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_MEMTYPE_SHIFT              3          /* bits 5:3 of a leaf entry */
#define EPT_MEMTYPE_MASK               (7ull << EPT_MEMTYPE_SHIFT)
#define EPT_IGNORE_PAT                 (1ull << 6)
#define EPT_LARGE_PAGE                 (1ull << 7) /* in a PDPTE (1 GiB) or PDE (2 MiB) */
#define EPT_ACCESSED                   (1ull << 8)
#define EPT_DIRTY                      (1ull << 9)
#define EPT_ADDR_MASK                  0x000ffffffffff000ull /* bits 51:12 */

/* Memory types (SDM 11.3, "Methods of Caching Available"); EPT allows UC, WC, WT, WP, WB. */
#define EPT_MEMTYPE_UC                 0
#define EPT_MEMTYPE_WC                 1
#define EPT_MEMTYPE_WT                 4
#define EPT_MEMTYPE_WP                 5
#define EPT_MEMTYPE_WB                 6

/* EPT pointer (SDM 25.6.11 "Extended-Page-Table Pointer (EPTP)") */
#define EPTP_MEMTYPE_UC                0ull
#define EPTP_MEMTYPE_WB                6ull
#define EPTP_PAGE_WALK_4               (3ull << 3) /* bits 5:3: page-walk length minus 1 */
#define EPTP_ENABLE_AD                 (1ull << 6)

/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define EPT_CAP_EXECUTE_ONLY           (1ull << 0)
#define EPT_CAP_PAGE_WALK_4            (1ull << 6)
#define EPT_CAP_MEMTYPE_UC             (1ull << 8)
#define EPT_CAP_MEMTYPE_WB             (1ull << 14)
#define EPT_CAP_2MB_PAGES              (1ull << 16)
#define EPT_CAP_1GB_PAGES              (1ull << 17)
#define EPT_CAP_INVEPT                 (1ull << 20)
#define EPT_CAP_AD_FLAGS               (1ull << 21)
#define EPT_CAP_INVEPT_SINGLE_CONTEXT  (1ull << 25)
#define EPT_CAP_INVEPT_ALL_CONTEXT     (1ull << 26)
#define VPID_CAP_INVVPID               (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE_CONTEXT (1ull << 41)
#define VPID_CAP_INVVPID_ALL_CONTEXT   (1ull << 42)

/* INVEPT and INVVPID types (SDM Vol. 3C 31.3, the instruction pages) */
#define INVEPT_SINGLE_CONTEXT          1ull
#define INVEPT_ALL_CONTEXT             2ull
#define INVVPID_SINGLE_CONTEXT         1ull
#define INVVPID_ALL_CONTEXT            2ull

#endif
