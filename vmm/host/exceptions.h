/* Exceptions taken in the hypervisor: report the CPU, vector, RIP and registers, then halt
 * that CPU.  Never a silent reset. */
#ifndef VMM_HOST_EXCEPTIONS_H
#define VMM_HOST_EXCEPTIONS_H

#include <stdint.h>

/* The frame built by vmm/exceptions.asm, lowest address first. */
struct exception_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* 32 entry stubs, 16 bytes apart. */
extern const char exception_stubs[];
#define EXCEPTION_STUB_SIZE 16

/* The NMI entry, and that of unclaimed vectors: returns at once (see exceptions.asm). */
extern const char nmi_return[];
/* An interrupt entry that ends the interrupt in the host LAPIC and returns. */
extern const char irq_eoi_return[];

/* What runs after an exception in the hypervisor has been reported (it must not return): set by
 * the layer that can end the run with a verdict and power the machine off.  Without one, or for
 * an exception inside it, the CPU halts. */
void exceptions_on_fatal(void (*fatal)(void));

const char *exception_name(unsigned vector);

/* Switches to stack_top and calls fn(arg); does not return. */
__attribute__((noreturn)) void switch_stack(uint64_t stack_top, void (*fn)(void *), void *arg);

#endif
