#include "vmm/host/exceptions.h"

#include "lib/console.h"
#include "lib/cpu.h"

const char *exception_name(unsigned vector)
{
    static const char *const names[32] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
        "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
        "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
        "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
        "#XM SIMD error", "#VE virtualization", "#CP control protection",
    };
    return vector < 32 && names[vector] ? names[vector] : "reserved";
}

static void (*volatile on_fatal)(void);
static volatile int in_handler;

void exceptions_on_fatal(void (*fatal)(void))
{
    on_fatal = fatal;
}

void exception_handler(struct exception_frame *f);

void exception_handler(struct exception_frame *f)
{
    /* A second exception on any CPU while one is being handled: the first one ends the run. */
    int nested = __atomic_fetch_add(&in_handler, 1, __ATOMIC_SEQ_CST);
    console_panic();
    /* The APIC ID from CPUID works even before this CPU's per-CPU pointer is set: the x2APIC ID
     * of leaf 0BH where the CPU has it (all 32 bits), else the 8 bits of leaf 1. */
    unsigned apic_id = cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx ? cpuid(0xb, 0).edx : cpuid(1, 0).ebx >> 24;
    kprintf("\nHYPERVISOR EXCEPTION on APIC ID %u: vector %lu (%s), error code 0x%lx\n", apic_id,
            (unsigned long)f->vector, exception_name((unsigned)f->vector), (unsigned long)f->error_code);
    kprintf("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx  ss %04lx  cr2 %016lx\n",
            (unsigned long)f->rip, (unsigned long)f->cs, (unsigned long)f->rflags, (unsigned long)f->rsp,
            (unsigned long)f->ss, (unsigned long)read_cr2());
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", (unsigned long)f->rax, (unsigned long)f->rbx,
            (unsigned long)f->rcx, (unsigned long)f->rdx);
    kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", (unsigned long)f->rsi, (unsigned long)f->rdi,
            (unsigned long)f->rbp, (unsigned long)f->r8);
    kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", (unsigned long)f->r9, (unsigned long)f->r10,
            (unsigned long)f->r11, (unsigned long)f->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", (unsigned long)f->r13, (unsigned long)f->r14,
            (unsigned long)f->r15);
    void (*fatal)(void) = on_fatal;
    if (nested || !fatal) {
        kprintf("  this CPU halts\n");
        return;
    }
    fatal();
}
