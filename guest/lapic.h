/* The local APIC behind one interface with two backends: xAPIC (MMIO page at 0xFEE00000) and
 * x2APIC (MSRs 0x800-0x8FF).  Registers are named by their xAPIC MMIO offset (SDM Table 11-1); the
 * x2APIC backend maps offset o to MSR 0x800 + o / 16 (SDM 11.12.1.2). */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/percpu.h"

enum lapic_reg {
    LAPIC_ID = 0x020,
    LAPIC_VERSION = 0x030,
    LAPIC_TPR = 0x080,
    LAPIC_PPR = 0x0a0,
    LAPIC_EOI = 0x0b0,
    LAPIC_LDR = 0x0d0,
    LAPIC_DFR = 0x0e0,            /* xAPIC only */
    LAPIC_SVR = 0x0f0,
    LAPIC_ISR = 0x100,            /* 8 registers, 0x10 apart */
    LAPIC_IRR = 0x200,
    LAPIC_ESR = 0x280,
    LAPIC_ICR_LOW = 0x300,
    LAPIC_ICR_HIGH = 0x310,       /* xAPIC only: x2APIC has one 64-bit ICR */
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INITIAL = 0x380,
    LAPIC_TIMER_CURRENT = 0x390,
    LAPIC_TIMER_DIVIDE = 0x3e0,
    LAPIC_SELF_IPI = 0x3f0,       /* x2APIC only (SDM 11.12.11) */
};

/* ICR fields (SDM 11.6.1) */
#define ICR_FIXED             (0u << 8)
#define ICR_NMI               (4u << 8)
#define ICR_INIT              (5u << 8)
#define ICR_STARTUP           (6u << 8)
#define ICR_LOGICAL           (1u << 11)
#define ICR_DELIVERY_PENDING  (1u << 12)   /* xAPIC only */
#define ICR_ASSERT            (1u << 14)
#define ICR_SELF              (1u << 18)
#define ICR_ALL_INCLUDING     (2u << 18)
#define ICR_ALL_EXCLUDING     (3u << 18)

#define SVR_ENABLE            (1u << 8)    /* SDM 11.9 */
#define LVT_MASKED            (1u << 16)   /* SDM 11.5.1 */
#define LVT_TIMER_ONE_SHOT    (0u << 17)
#define LVT_TIMER_PERIODIC    (1u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

/* IA32_APIC_BASE (SDM 11.4.4, 11.12.1) */
#define MSR_APIC_BASE         0x1bu
#define APIC_BASE_EXTD        (1ull << 10)
#define APIC_BASE_EN          (1ull << 11)
#define APIC_BASE_MODE_MASK   (APIC_BASE_EN | APIC_BASE_EXTD)
#define X2APIC_MSR(reg)       (0x800u + (reg) / 16)

#define VECTOR_NMI      2
#define VECTOR_TIMER    48     /* capOS convention (seeds/000) */
#define VECTOR_IPI      49
#define VECTOR_WAKE     0xf0   /* wakes a halted CPU to look at its mailbox */
#define VECTOR_SPURIOUS 0xff

struct lapic_ops {
    const char *name;                  /* "xAPIC" or "x2APIC" */
    uint64_t apic_base_mode;           /* the EN/EXTD bits of IA32_APIC_BASE in this mode */
    uint32_t broadcast;                /* the physical destination meaning "every CPU" */
    uint32_t (*read)(enum lapic_reg reg);
    void (*write)(enum lapic_reg reg, uint32_t value);
    uint32_t (*id)(void);              /* this CPU's APIC ID, decoded from this mode's format */
    /* Sends an IPI and returns once the local APIC accepted it; false if it never did. */
    bool (*send_ipi)(uint32_t dest, uint32_t icr_low);
};

extern const struct lapic_ops lapic_xapic_ops;
extern const struct lapic_ops lapic_x2apic_ops;

/* This CPU's backend. */
static inline const struct lapic_ops *lapic(void) { return this_cpu()->lapic; }

bool cpu_has_x2apic(void);

/* What CPUID says this CPU's APIC ID is (SDM Vol. 2A CPUID): the initial ID in leaf 1 EBX[31:24]
 * and, where leaf 0xB exists, the full x2APIC ID in its EDX.  The reference the LAPIC is tested against. */
struct cpuid_apic_ids {
    uint32_t initial;
    bool has_x2apic_id;
    uint32_t x2apic_id;
};
struct cpuid_apic_ids cpuid_apic_ids(void);
/* The x2APIC ID where CPUID has one, else the initial ID. */
uint32_t cpuid_apic_id(void);
/* x2APIC logical ID (SDM 11.12.10.2): cluster ID (x2APIC ID >> 4) in 31:16, bit x2APIC ID & 0xF. */
static inline uint32_t x2apic_ldr_of(uint32_t x2apic_id)
{
    return ((x2apic_id >> 4) << 16) | (1u << (x2apic_id & 0xf));
}

/* Switches this CPU's LAPIC into ops' mode along a legal path (SDM 11.12.5 Figure 11-27), makes ops
 * this CPU's backend and puts the LAPIC in a known state: software-enabled with the spurious vector,
 * TPR 0, every LVT entry masked, ESR clear. */
void lapic_setup(const struct lapic_ops *ops);

/* The EN/EXTD bits of IA32_APIC_BASE agree with this CPU's backend. */
bool lapic_mode_confirmed(void);

void lapic_eoi(void);
bool lapic_isr_bit(unsigned vector);
bool lapic_irr_bit(unsigned vector);
/* ESR must be written before it is read (SDM 11.5.3). */
uint32_t lapic_read_esr(void);
bool lapic_send_self(unsigned vector);

#endif
