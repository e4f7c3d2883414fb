#include "vlapic/pi_desc.h"

#define XAPIC_NDST_SHIFT 8

static uint64_t ndst_field(uint32_t apic_id, bool x2apic)
{
    uint32_t ndst = x2apic ? apic_id : (apic_id & 0xffu) << XAPIC_NDST_SHIFT;
    return (uint64_t)ndst << PI_CONTROL_NDST_SHIFT;
}

void pi_desc_init(struct pi_desc *desc, uint8_t notification_vector, uint32_t apic_id, bool x2apic)
{
    for (unsigned i = 0; i < 4; i++)
        desc->pir[i] = 0;
    for (unsigned i = 0; i < 3; i++)
        desc->reserved[i] = 0;
    desc->control = ((uint64_t)notification_vector << PI_CONTROL_NV_SHIFT) | ndst_field(apic_id, x2apic);
}

bool pi_post(struct pi_desc *desc, uint8_t vector)
{
    uint64_t bit = 1ull << (vector % 64);
    if (__atomic_fetch_or(&desc->pir[vector / 64], bit, __ATOMIC_SEQ_CST) & bit)
        return false; /* still pending from an earlier post, whose sender handles ON */
    uint64_t old = __atomic_load_n(&desc->control, __ATOMIC_SEQ_CST);
    do {
        if (old & (PI_CONTROL_ON | PI_CONTROL_SN))
            return false;
    } while (!__atomic_compare_exchange_n(&desc->control, &old, old | PI_CONTROL_ON, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return true;
}

bool pi_test_and_clear_on(struct pi_desc *desc)
{
    return __atomic_fetch_and(&desc->control, ~PI_CONTROL_ON, __ATOMIC_SEQ_CST) & PI_CONTROL_ON;
}

bool pi_harvest(struct pi_desc *desc, uint64_t irr[4])
{
    bool any = false;
    pi_test_and_clear_on(desc);
    for (unsigned i = 0; i < 4; i++) {
        /* A seq_cst load (a plain MOV on x86) saves a locked RMW on empty words; being seq_cst it
         * is ordered after the ON clear, so it sees every bit whose sender saw ON still set. */
        if (!__atomic_load_n(&desc->pir[i], __ATOMIC_SEQ_CST))
            continue;
        uint64_t taken = __atomic_exchange_n(&desc->pir[i], 0, __ATOMIC_SEQ_CST);
        irr[i] |= taken;
        any |= taken != 0;
    }
    return any;
}

void pi_set_ndst(struct pi_desc *desc, uint32_t apic_id, bool x2apic)
{
    uint64_t old = __atomic_load_n(&desc->control, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(&desc->control, &old, (old & ~PI_CONTROL_NDST_MASK) | ndst_field(apic_id, x2apic),
                                        false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

void pi_set_sn(struct pi_desc *desc)
{
    __atomic_fetch_or(&desc->control, PI_CONTROL_SN, __ATOMIC_SEQ_CST);
}

void pi_clear_sn(struct pi_desc *desc)
{
    __atomic_fetch_and(&desc->control, ~PI_CONTROL_SN, __ATOMIC_SEQ_CST);
}

uint64_t pi_control(const struct pi_desc *desc)
{
    return __atomic_load_n(&desc->control, __ATOMIC_SEQ_CST);
}

void pi_reset(struct pi_desc *desc)
{
    __atomic_and_fetch(&desc->control, ~PI_CONTROL_ON, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < 4; i++)
        __atomic_exchange_n(&desc->pir[i], 0, __ATOMIC_SEQ_CST);
}
