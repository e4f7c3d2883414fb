#include "vmm/apicv_probe.h"

#include <stdbool.h>

#include "vmx/vmcs_defs.h"

#define VECTOR_GP 13
#define SELECTOR_IDT (1u << 1) /* error code bit 1: the index is an IDT entry (SDM 6.13) */
#define SELECTOR_EXT (1u << 0) /* bit 0: an external event caused it */

static uint32_t info_type(uint32_t info)
{
    return (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
}

/* The #GP of delivering the probe vector past the IDT limit, not of anything else. */
static bool probe_vector_delivered(const struct apicv_probe_exit *e)
{
    const uint32_t gp = INTR_INFO_VALID | INTR_INFO_ERROR_CODE_VALID | VECTOR_GP;
    return e->reason == EXIT_REASON_EXCEPTION_NMI && info_type(e->intr_info) == INTR_TYPE_HARDWARE_EXCEPTION &&
           (e->intr_info & (gp | INTR_INFO_VECTOR_MASK)) == gp &&
           (e->error_code & ~SELECTOR_EXT) == (APICV_PROBE_VECTOR << 3 | SELECTOR_IDT);
}

enum apicv_probe_verdict apicv_probe_judge_hlt(const struct apicv_probe_exit *e)
{
    if (e->reason == EXIT_REASON_PREEMPTION_TIMER)
        return APICV_PROBE_DEVIATION;
    if (!probe_vector_delivered(e))
        return APICV_PROBE_UNCLEAR;
    /* Delivered, but only once the bound had run out: the timer woke it, not the interrupt. */
    return e->elapsed < e->bound ? APICV_PROBE_AS_SDM : APICV_PROBE_DEVIATION;
}

enum apicv_probe_verdict apicv_probe_judge_if(const struct apicv_probe_exit *e, uint8_t host_vector)
{
    if (probe_vector_delivered(e))
        return APICV_PROBE_DEVIATION;
    /* "Acknowledge interrupt on exit" names the vector (SDM 28.2.2). */
    const uint32_t ext = INTR_INFO_VALID | (INTR_TYPE_EXTERNAL_INTERRUPT << INTR_INFO_TYPE_SHIFT) | host_vector;
    if (e->reason == EXIT_REASON_EXTERNAL_INTERRUPT && (e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK |
                                                                        INTR_INFO_VECTOR_MASK)) == ext)
        return APICV_PROBE_AS_SDM;
    return APICV_PROBE_UNCLEAR;
}
