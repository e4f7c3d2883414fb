#include "vmm/hlt_probe.h"

#include "vmx/vmcs_defs.h"

#define VECTOR_GP 13
#define SELECTOR_IDT (1u << 1) /* error code bit 1: the index is an IDT entry (SDM 6.13) */
#define SELECTOR_EXT (1u << 0) /* bit 0: an external event caused it */

static uint32_t info_type(uint32_t info)
{
    return (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
}

enum hlt_probe_verdict hlt_probe_judge(const struct hlt_probe_exit *e)
{
    if (e->reason == EXIT_REASON_PREEMPTION_TIMER)
        return HLT_PROBE_SLEPT;
    const uint32_t gp = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID | VECTOR_GP;
    if (e->reason != EXIT_REASON_EXCEPTION_NMI || info_type(e->intr_info) != INTR_TYPE_HARDWARE_EXCEPTION ||
        (e->intr_info & (gp | INTR_INFO_VECTOR_MASK)) != gp)
        return HLT_PROBE_UNCLEAR;
    /* The #GP of delivering the probe vector past the IDT limit, not of anything else. */
    if ((e->error_code & ~SELECTOR_EXT) != (HLT_PROBE_VECTOR << 3 | SELECTOR_IDT))
        return HLT_PROBE_UNCLEAR;
    /* Delivered, but only once the bound ran out: the timer woke it, not the interrupt. */
    return e->elapsed < e->bound ? HLT_PROBE_WOKE : HLT_PROBE_SLEPT;
}
