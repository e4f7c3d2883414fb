/* Recovery points: a setjmp/longjmp pair (isr.asm) that lets an exception handler resume the code
 * that expected the exception, or abandon a test case that did not. */
#ifndef GUEST_RECOVER_H
#define GUEST_RECOVER_H

#include <stdint.h>

struct recover_point {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};

/* Returns 0 when called, 1 when resumed by recover_jump (with RFLAGS, hence IF, as saved). */
int recover_save(struct recover_point *p) __attribute__((returns_twice));
__attribute__((noreturn)) void recover_jump(const struct recover_point *p);

#endif
