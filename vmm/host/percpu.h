/* Per-CPU state of the hypervisor: one entry per physical CPU, indexed by a dense CPU number
 * (the firmware's processor order; the BSP is CPU 0). */
#ifndef VMM_HOST_PERCPU_H
#define VMM_HOST_PERCPU_H

#include <stdbool.h>
#include <stdint.h>


#define APICVISOR_MAX_CPUS 64
#define CPU_STACK_SIZE (16 * 1024)

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct percpu {
    struct percpu *self;     /* at offset 0: gs:0 yields this entry */
    unsigned cpu;
    uint32_t apic_id;
    uint64_t stack_top;
    uint64_t df_stack_top;   /* IST1: a double fault gets a known-good stack */
    uint64_t gdt[7];         /* null, code64, data, TSS (2 slots), spare */
    struct tss64 tss;
    uint64_t vmxon_region;   /* physical address */
    volatile bool online;    /* set by the CPU itself once it runs hypervisor code */
    volatile bool in_vmx_root;
    volatile bool failed;    /* it could not enter VMX root; it said why */
};

extern struct percpu percpus[APICVISOR_MAX_CPUS];
extern unsigned ncpus;

static inline struct percpu *this_cpu(void)
{
    struct percpu *pc;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(pc));
    return pc;
}

#endif
