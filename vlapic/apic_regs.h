/* Local APIC register layout and field masks, named as in the SDM (Vol. 3A chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)"; chapter 10 in older editions).
 *
 * Offsets are xAPIC MMIO offsets from the APIC base, which are also the offsets on the
 * virtual-APIC page (Vol. 3C "APIC Virtualization and Virtual Interrupts", "Virtual-APIC Page").
 * In x2APIC mode register R is MSR 0x800 + R / 16 (SDM 11.12.1.2 "x2APIC Register Address Space"). */
#ifndef VLAPIC_APIC_REGS_H
#define VLAPIC_APIC_REGS_H

#include <stdint.h>

#define APIC_PAGE_SIZE        0x1000u

#define APIC_ID               0x020u
#define APIC_VERSION          0x030u
#define APIC_TPR              0x080u /* task priority */
#define APIC_APR              0x090u /* arbitration priority (xAPIC only) */
#define APIC_PPR              0x0a0u /* processor priority */
#define APIC_EOI              0x0b0u
#define APIC_RRD              0x0c0u /* remote read (xAPIC only) */
#define APIC_LDR              0x0d0u /* logical destination */
#define APIC_DFR              0x0e0u /* destination format (xAPIC only) */
#define APIC_SVR              0x0f0u /* spurious-interrupt vector */
#define APIC_ISR              0x100u /* in-service, 8 registers 0x100-0x170 */
#define APIC_TMR              0x180u /* trigger mode, 8 registers 0x180-0x1f0 */
#define APIC_IRR              0x200u /* interrupt request, 8 registers 0x200-0x270 */
#define APIC_ESR              0x280u /* error status */
#define APIC_LVT_CMCI         0x2f0u
#define APIC_ICR_LO           0x300u /* in x2APIC mode the whole 64-bit ICR lives at 0x300 */
#define APIC_ICR_HI           0x310u /* xAPIC only */
#define APIC_LVT_TIMER        0x320u
#define APIC_LVT_THERMAL      0x330u
#define APIC_LVT_PERF         0x340u
#define APIC_LVT_LINT0        0x350u
#define APIC_LVT_LINT1        0x360u
#define APIC_LVT_ERROR        0x370u
#define APIC_TIMER_ICR        0x380u /* initial count */
#define APIC_TIMER_CCR        0x390u /* current count */
#define APIC_TIMER_DCR        0x3e0u /* divide configuration */
#define APIC_SELF_IPI         0x3f0u /* x2APIC only */

/* The 256-bit vector registers (ISR, TMR, IRR) are 8 32-bit registers with a 16-byte stride. */
#define APIC_VECTOR_REG_STRIDE 0x10u
#define APIC_VECTOR_REG_COUNT  8u

#define X2APIC_MSR_BASE       0x800u
#define X2APIC_MSR_LAST       0x8ffu
#define X2APIC_MSR(offset)    (X2APIC_MSR_BASE + (offset) / 16u)
#define X2APIC_MSR_OFFSET(msr) (((msr) - X2APIC_MSR_BASE) * 16u)

/* The default physical base of the xAPIC MMIO page (SDM 11.4.4 "Local APIC Status and Location"). */
#define APIC_DEFAULT_BASE     0xfee00000u

/* Version register (SDM 11.4.8 "Local APIC Version Register") */
#define APIC_VERSION_VERSION_MASK      0x000000ffu
#define APIC_VERSION_MAX_LVT_SHIFT     16
#define APIC_VERSION_MAX_LVT_MASK      0x00ff0000u
#define APIC_VERSION_EOI_SUPPRESSION   (1u << 24)

/* Spurious-interrupt vector register (SDM 11.9 "Spurious Interrupt") */
#define APIC_SVR_VECTOR_MASK           0x000000ffu
#define APIC_SVR_SW_ENABLE             (1u << 8)
#define APIC_SVR_FOCUS_CHECK_DISABLE   (1u << 9)
#define APIC_SVR_EOI_SUPPRESSION       (1u << 12)

/* Destination format register (SDM 11.6.2.2 "Logical Destination Mode"): the model in 31:28 */
#define APIC_DFR_MODEL_MASK            0xf0000000u
#define APIC_DFR_MODEL_FLAT            0xf0000000u
#define APIC_DFR_MODEL_CLUSTER         0x00000000u
#define APIC_DFR_RESET                 0xffffffffu

/* xAPIC ID and logical ID live in bits 31:24 (SDM 11.4.6 "Local APIC ID", 11.6.2.2) */
#define APIC_XAPIC_ID_SHIFT            24

/* Interrupt command register (SDM 11.6.1 "Interrupt Command Register (ICR)") */
#define APIC_ICR_VECTOR_MASK           0x000000ffu
#define APIC_ICR_DELIVERY_SHIFT        8
#define APIC_ICR_DELIVERY_MASK         (7u << APIC_ICR_DELIVERY_SHIFT)
#define APIC_ICR_DEST_LOGICAL          (1u << 11)
#define APIC_ICR_DELIVERY_STATUS       (1u << 12) /* xAPIC only; reserved in x2APIC mode */
#define APIC_ICR_LEVEL_ASSERT          (1u << 14)
#define APIC_ICR_TRIGGER_LEVEL         (1u << 15)
#define APIC_ICR_SHORTHAND_SHIFT       18
#define APIC_ICR_SHORTHAND_MASK        (3u << APIC_ICR_SHORTHAND_SHIFT)
#define APIC_ICR_XAPIC_DEST_SHIFT      24         /* in ICR_HI */
/* SDM 11.12.9 "ICR Operation in x2APIC Mode": the destination is bits 63:32 and these bits of
 * the low half are reserved (the delivery-status bit is not used and is ignored, see icr.c). */
#define APIC_ICR_X2APIC_RESERVED       0xfff32000u

/* Delivery modes, ICR bits 10:8 and LVT bits 10:8 (SDM 11.6.1, 11.5.1 "Local Vector Table") */
enum apic_delivery_mode {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_RESERVED3 = 3,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7, /* LVT only; reserved in the ICR */
};

/* Destination shorthands, ICR bits 19:18 */
enum apic_shorthand {
    APIC_SH_NONE = 0,
    APIC_SH_SELF = 1,
    APIC_SH_ALL_INCLUDING_SELF = 2,
    APIC_SH_ALL_EXCLUDING_SELF = 3,
};

/* Local vector table entries (SDM 11.5.1, figure "Local Vector Table (LVT)") */
#define APIC_LVT_VECTOR_MASK           0x000000ffu
#define APIC_LVT_DELIVERY_MASK         (7u << 8)
#define APIC_LVT_DELIVERY_PENDING      (1u << 12)
#define APIC_LVT_POLARITY_LOW          (1u << 13)
#define APIC_LVT_REMOTE_IRR            (1u << 14)
#define APIC_LVT_TRIGGER_LEVEL         (1u << 15)
#define APIC_LVT_MASKED                (1u << 16)
#define APIC_LVT_TIMER_MODE_SHIFT      17
#define APIC_LVT_TIMER_MODE_MASK       (3u << APIC_LVT_TIMER_MODE_SHIFT)
#define APIC_LVT_TIMER_ONESHOT         (0u << APIC_LVT_TIMER_MODE_SHIFT)
#define APIC_LVT_TIMER_PERIODIC        (1u << APIC_LVT_TIMER_MODE_SHIFT)
#define APIC_LVT_TIMER_TSC_DEADLINE    (2u << APIC_LVT_TIMER_MODE_SHIFT)

/* Error status register bits (SDM 11.5.3 "Error Handling") */
#define APIC_ESR_SEND_CHECKSUM         (1u << 0)
#define APIC_ESR_RECEIVE_CHECKSUM      (1u << 1)
#define APIC_ESR_SEND_ACCEPT           (1u << 2)
#define APIC_ESR_RECEIVE_ACCEPT        (1u << 3)
#define APIC_ESR_REDIRECTABLE_IPI      (1u << 4)
#define APIC_ESR_SEND_ILLEGAL_VECTOR   (1u << 5)
#define APIC_ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_REGISTER      (1u << 7)

/* Vectors 0-15 are illegal for interrupts (SDM 11.5.2 "Valid Interrupt Vectors"). */
#define APIC_FIRST_LEGAL_VECTOR        16u

#endif
