#include "vmm/host/cpu_setup.h"

#include "lib/cpu.h"
#include "vmm/host/exceptions.h"
#include "lib/msr.h"

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __attribute__((packed));

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vector, const char *handler)
{
    uint64_t h = (uint64_t)handler;
    idt[vector] = (struct idt_gate){
        .offset_lo = (uint16_t)h,
        .selector = GDT_CODE64,
        .ist = vector == 8 ? 1 : 0, /* #DF on IST1: a stack overflow must still be reported */
        .type_attr = 0x8e,          /* present, DPL 0, 64-bit interrupt gate */
        .offset_mid = (uint16_t)(h >> 16),
        .offset_hi = (uint32_t)(h >> 32),
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, v == 2 || v >= 32 ? nmi_return : exception_stubs + v * EXCEPTION_STUB_SIZE);
}

void idt_set_eoi_vector(uint8_t vector)
{
    set_gate(vector, irq_eoi_return);
}

void cpu_setup(struct percpu *pc)
{
    uint64_t tss = (uint64_t)&pc->tss;
    pc->tss.ist[0] = pc->df_stack_top;
    pc->tss.iomap_base = sizeof(pc->tss);
    pc->gdt[0] = 0;
    pc->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
    pc->gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
    /* 16-byte available 64-bit TSS descriptor (SDM Vol. 3A 8.2.3) */
    pc->gdt[3] = (sizeof(pc->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) | ((tss >> 24 & 0xff) << 56);
    pc->gdt[4] = tss >> 32;

    struct table_ptr gdtr = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };
    struct table_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%ss\n\t"
                     "xor %%eax, %%eax\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "lidt %3\n\t"
                     "mov %4, %%ax\n\t"
                     "ltr %%ax"
                     :
                     : "m"(gdtr), "i"(GDT_CODE64), "i"(GDT_DATA), "m"(idtr), "i"(GDT_TSS)
                     : "rax", "memory");
    pc->self = pc;
    wrmsr(MSR_IA32_GS_BASE, (uint64_t)pc);
    /* XSETBV in root operation loads a guest's XCR0 into this CPU (vmm/cpu_state_hv.c). */
    if (cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE)
        write_cr4(read_cr4() | CR4_OSXSAVE);
}
