/* VMX control bits and VMCS field encodings, named as in the SDM (Vol. 3C, chapter 25
 * "Virtual Machine Control Structures" and Appendix B "VMCS Field Encoding Summary"). */
#ifndef VMX_VMCS_DEFS_H
#define VMX_VMCS_DEFS_H

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
#define CPU2_RDSEED_EXITING            (1u << 16)
#define CPU2_EPT_VIOLATION_VE          (1u << 18)
#define CPU2_ENABLE_XSAVES             (1u << 20)

/* Tertiary processor-based VM-execution controls (SDM 25.6.2, table 25-8) */
#define CPU3_IPI_VIRTUALIZATION        (1ull << 4)

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

/* VM-entry controls (SDM 25.8.1) */
#define ENTRY_LOAD_DEBUG_CONTROLS      (1u << 2)
#define ENTRY_IA32E_MODE_GUEST         (1u << 9)
#define ENTRY_SMM                      (1u << 10)
#define ENTRY_DEACTIVATE_DUAL_MONITOR  (1u << 11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL    (1u << 13)
#define ENTRY_LOAD_PAT                 (1u << 14)
#define ENTRY_LOAD_EFER                (1u << 15)

#endif
