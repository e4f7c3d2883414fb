#include "vlapic/x2apic_msr.h"

#include "vlapic/apic_regs.h"

#define R X2APIC_MSR_RO
#define W X2APIC_MSR_WO
#define RW X2APIC_MSR_RW

/* Registers 0x800-0x83F by MSR index; unlisted entries are 0, X2APIC_MSR_INVALID. */
static const uint8_t access_by_index[0x40] = {
    [X2APIC_MSR(APIC_ID) - X2APIC_MSR_BASE] = R,
    [X2APIC_MSR(APIC_VERSION) - X2APIC_MSR_BASE] = R,
    [X2APIC_MSR(APIC_TPR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_PPR) - X2APIC_MSR_BASE] = R,
    [X2APIC_MSR(APIC_EOI) - X2APIC_MSR_BASE] = W,
    [X2APIC_MSR(APIC_LDR) - X2APIC_MSR_BASE] = R,
    [X2APIC_MSR(APIC_SVR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_ISR) - X2APIC_MSR_BASE ... X2APIC_MSR(APIC_ISR) - X2APIC_MSR_BASE + 7] = R,
    [X2APIC_MSR(APIC_TMR) - X2APIC_MSR_BASE ... X2APIC_MSR(APIC_TMR) - X2APIC_MSR_BASE + 7] = R,
    [X2APIC_MSR(APIC_IRR) - X2APIC_MSR_BASE ... X2APIC_MSR(APIC_IRR) - X2APIC_MSR_BASE + 7] = R,
    [X2APIC_MSR(APIC_ESR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_ICR_LO) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_LVT_TIMER) - X2APIC_MSR_BASE ... X2APIC_MSR(APIC_LVT_ERROR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_TIMER_ICR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_TIMER_CCR) - X2APIC_MSR_BASE] = R,
    [X2APIC_MSR(APIC_TIMER_DCR) - X2APIC_MSR_BASE] = RW,
    [X2APIC_MSR(APIC_SELF_IPI) - X2APIC_MSR_BASE] = W,
};

enum x2apic_msr_access x2apic_msr_access(uint32_t msr)
{
    if (msr < X2APIC_MSR_BASE || msr - X2APIC_MSR_BASE >= sizeof(access_by_index))
        return X2APIC_MSR_INVALID;
    return (enum x2apic_msr_access)access_by_index[msr - X2APIC_MSR_BASE];
}
