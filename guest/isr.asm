; Interrupt entry stubs for all 256 vectors and the recovery points (a setjmp/longjmp pair) that
; turn an exception into a checked result.  Each stub pushes a dummy error code where the CPU
; pushes none (SDM Vol. 3A 7.13 "Error Code"), then the vector, and joins isr_common.

global isr_table, recover_save, recover_jump, isr_path_start, isr_path_end
extern interrupt_dispatch

section .text
bits 64

; [isr_path_start, isr_path_end): the stubs and isr_common, where an interrupt nested in another one
; interrupts (idt.c counts those taken with IF=0).
isr_path_start:

%macro STUB 1
isr_%1:
%if !(%1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30)
    push 0
%endif
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
    STUB v
%assign v v + 1
%endrep

; Frame layout matches struct interrupt_frame (idt.h).  The hardware aligned RSP to 16 before
; pushing its frame; 5 + 2 + 15 quadwords keep it aligned for the call.
isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    call interrupt_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
    iretq
isr_path_end:

; int recover_save(struct recover_point *p): 0 now, 1 when recover_jump(p) comes back here.
; Saves the callee-saved registers, the stack, the return address and RFLAGS (so IF comes back).
recover_save:
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rdx, [rsp + 8]
    mov [rdi + 48], rdx
    mov rdx, [rsp]
    mov [rdi + 56], rdx
    pushfq
    pop qword [rdi + 64]
    xor eax, eax
    ret

; void recover_jump(const struct recover_point *p): never returns.
recover_jump:
    mov rbx, [rdi + 0]
    mov rbp, [rdi + 8]
    mov r12, [rdi + 16]
    mov r13, [rdi + 24]
    mov r14, [rdi + 32]
    mov r15, [rdi + 40]
    mov rsp, [rdi + 48]
    push qword [rdi + 64]
    popfq
    mov eax, 1
    jmp [rdi + 56]

section .rodata
align 8
isr_table:
%assign v 0
%rep 256
    dq isr_ %+ v
%assign v v + 1
%endrep
