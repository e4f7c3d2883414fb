/* The IDT: every vector goes to interrupt_dispatch through the stubs in isr.asm. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

/* As isr_common leaves the stack. */
struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU (SDM Vol. 3A 7.14.2) */
};

void idt_build(void);
void idt_load(void);
void interrupt_dispatch(struct interrupt_frame *f);

#endif
