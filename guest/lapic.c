#include "guest/lapic.h"

#include "guest/x86.h"

bool cpu_has_x2apic(void)
{
    return cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC;
}

struct cpuid_apic_ids cpuid_apic_ids(void)
{
    struct cpuid_apic_ids ids = { .initial = cpuid(1, 0).ebx >> 24 };
    /* Leaf 0xB exists when the highest basic leaf reaches it and subleaf 0 reports processors. */
    if (cpuid(0, 0).eax >= 0xb && (cpuid(0xb, 0).ebx & 0xffff)) {
        ids.has_x2apic_id = true;
        ids.x2apic_id = cpuid(0xb, 0).edx;
    }
    return ids;
}

uint32_t cpuid_apic_id(void)
{
    struct cpuid_apic_ids ids = cpuid_apic_ids();
    return ids.has_x2apic_id ? ids.x2apic_id : ids.initial;
}

void lapic_setup(const struct lapic_ops *ops)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    uint64_t want = ops->apic_base_mode;
    if ((base & APIC_BASE_MODE_MASK) != want) {
        /* x2APIC cannot go straight back to xAPIC: through disabled (SDM 11.12.5). */
        if (base & APIC_BASE_EXTD)
            wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_MODE_MASK);
        base &= ~APIC_BASE_MODE_MASK;
        if (want & APIC_BASE_EXTD)
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN); /* disabled -> x2APIC passes xAPIC */
        wrmsr(MSR_APIC_BASE, base | want);
    }
    this_cpu()->lapic = ops;
    ops->write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
    ops->write(LAPIC_TPR, 0);
    ops->write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    ops->write(LAPIC_TIMER_INITIAL, 0);
    ops->write(LAPIC_LVT_LINT0, LVT_MASKED);
    ops->write(LAPIC_LVT_LINT1, LVT_MASKED);
    ops->write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_read_esr();
}

bool lapic_mode_confirmed(void)
{
    return (rdmsr(MSR_APIC_BASE) & APIC_BASE_MODE_MASK) == lapic()->apic_base_mode;
}

/* EOI: write 0 (a non-zero write #GPs in x2APIC mode, SDM 11.12.1.2). */
void lapic_eoi(void)
{
    lapic()->write(LAPIC_EOI, 0);
}

static bool vector_bit(enum lapic_reg first, unsigned vector)
{
    return (lapic()->read(first + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

bool lapic_isr_bit(unsigned vector)
{
    return vector_bit(LAPIC_ISR, vector);
}

bool lapic_irr_bit(unsigned vector)
{
    return vector_bit(LAPIC_IRR, vector);
}

uint32_t lapic_read_esr(void)
{
    lapic()->write(LAPIC_ESR, 0);
    return lapic()->read(LAPIC_ESR);
}

bool lapic_send_self(unsigned vector)
{
    return lapic()->send_ipi(0, ICR_SELF | ICR_ASSERT | ICR_FIXED | vector);
}
