/* Privileged x86 instructions as inline functions (hypervisor build only). */
#ifndef LIB_CPU_H
#define LIB_CPU_H

#include <stdint.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

/* Control registers and the bits of them the hypervisor names (SDM Vol. 3A 2.5). */
#define CR0_PE   (1ull << 0)
#define CR0_ET   (1ull << 4)
#define CR0_NE   (1ull << 5)
#define CR0_PG   (1ull << 31)
#define CR4_VMXE (1ull << 13)

#define DEFINE_CR_READ(n)                                         \
    static inline uint64_t read_cr##n(void)                       \
    {                                                             \
        uint64_t v;                                               \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));         \
        return v;                                                 \
    }
DEFINE_CR_READ(0)
DEFINE_CR_READ(2)
DEFINE_CR_READ(3)
DEFINE_CR_READ(4)
#undef DEFINE_CR_READ

static inline void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline void write_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

#define CPUID_1_ECX_VMX    (1u << 5)
#define CPUID_1_ECX_X2APIC (1u << 21)

#endif
