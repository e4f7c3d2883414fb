#include "vlapic/irq.h"

static uint32_t priority_class(uint32_t v)
{
    return (v >> 4) & 0xf;
}

static void update_ppr(struct vapic_page *page)
{
    vapic_write(page, APIC_PPR, vapic_compute_ppr(page));
}

int vlapic_deliverable(const struct vapic_page *page)
{
    int irr = vapic_highest_vector(page, APIC_IRR);
    if (irr < 0 || priority_class((uint32_t)irr) <= priority_class(vapic_compute_ppr(page)))
        return -1;
    return irr;
}

void vlapic_ack(struct vapic_page *page, uint8_t vector)
{
    vapic_vector_clear(page, APIC_IRR, vector);
    vapic_vector_set(page, APIC_ISR, vector);
    update_ppr(page);
}

int vlapic_eoi(struct vapic_page *page)
{
    int isr = vapic_highest_vector(page, APIC_ISR);
    if (isr >= 0)
        vapic_vector_clear(page, APIC_ISR, (uint8_t)isr);
    update_ppr(page);
    return isr;
}

void vlapic_set_tpr(struct vapic_page *page, uint32_t tpr)
{
    vapic_write(page, APIC_TPR, tpr & 0xff);
    update_ppr(page);
}

uint32_t vlapic_tpr_threshold(const struct vapic_page *page)
{
    int irr = vapic_highest_vector(page, APIC_IRR);
    uint32_t tpr_class = priority_class(vapic_read(page, APIC_TPR));
    if (irr < 0 || priority_class((uint32_t)irr) > tpr_class)
        return 0;
    return priority_class((uint32_t)irr);
}
