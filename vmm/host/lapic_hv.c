#include "vmm/host/lapic.h"

#include "lib/cpu.h"
#include "lib/msr.h"

#define XAPIC_BASE 0xfee00000ul
#define XAPIC_ID 0x20
#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310
#define X2APIC_MSR_ID 0x802
#define X2APIC_MSR_ICR 0x830

static bool x2apic;

static volatile uint32_t *xapic_reg(unsigned off)
{
    return (volatile uint32_t *)(XAPIC_BASE + off);
}

void lapic_init(void)
{
    x2apic = lapic_this_cpu_x2apic();
}

bool lapic_x2apic(void)
{
    return x2apic;
}

bool lapic_this_cpu_x2apic(void)
{
    return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD) != 0;
}

#define CPUID1_ECX_X2APIC (1u << 21)

enum lapic_switch lapic_switch_to_x2apic(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    if (base & APIC_BASE_EXTD)
        return LAPIC_WAS_X2APIC;
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC))
        return LAPIC_NO_X2APIC; /* EXTD is reserved: the WRMSR would be #GP */
    if (!(base & APIC_BASE_ENABLE))
        return LAPIC_DISABLED;
    wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
    return LAPIC_SWITCHED;
}

uint32_t lapic_id(void)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR_ID) : *xapic_reg(XAPIC_ID) >> 24;
}

void lapic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    if (x2apic) {
        /* SDM 11.12.3: a WRMSR to the x2APIC may pass earlier stores; the receiver must see
         * what the IPI announces (Linux's weak_wrmsr_fence).  SDM 11.12.9: one 64-bit write. */
        __asm__ volatile("mfence" ::: "memory");
        wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | icr_low);
        return;
    }
    *xapic_reg(XAPIC_ICR_HI) = dest << 24;
    *xapic_reg(XAPIC_ICR_LO) = icr_low; /* this write sends */
    for (unsigned i = 0; i < 1000000 && (*xapic_reg(XAPIC_ICR_LO) & ICR_BUSY); i++)
        cpu_relax();
}

#define XAPIC_EOI 0xb0
#define XAPIC_LVT_TIMER 0x320
#define XAPIC_LVT_LINT0 0x350
#define LVT_MASKED (1u << 16)

void lapic_eoi(void)
{
    if (x2apic)
        wrmsr(0x80b, 0);
    else
        *xapic_reg(XAPIC_EOI) = 0;
}

#define LVT_TIMER_TSC_DEADLINE (2u << 17)

void lapic_timer_at_tsc(uint64_t tsc, uint8_t vector)
{
    uint32_t lvt = vector | LVT_TIMER_TSC_DEADLINE | (tsc ? 0 : LVT_MASKED);
    if (x2apic)
        wrmsr(0x800 + XAPIC_LVT_TIMER / 16, lvt);
    else
        *xapic_reg(XAPIC_LVT_TIMER) = lvt;
    /* SDM 11.5.4.1: the mode switch must be visible before the deadline is written. */
    __asm__ volatile("mfence" ::: "memory");
    wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}

/* The firmware's timer interrupts (8259 or LAPIC timer) must not reach a hypervisor that never
 * enables interrupts but acknowledges them on VM exit: mask them at the source. */
void lapic_mask_firmware_interrupts(void)
{
    outb(0x21, 0xff); /* 8259 master and slave: all lines masked */
    outb(0xa1, 0xff);
    static const unsigned lvts[] = { XAPIC_LVT_TIMER, XAPIC_LVT_LINT0 };
    for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++) {
        if (x2apic)
            wrmsr(0x800 + lvts[i] / 16, rdmsr(0x800 + lvts[i] / 16) | LVT_MASKED);
        else
            *xapic_reg(lvts[i]) |= LVT_MASKED;
    }
}
