; Exception entry stubs: each pushes a uniform frame (error code or 0, then the vector) and
; jumps to one common path that saves the registers and calls exception_handler(frame).
; The handler does not return (it reports and halts the CPU).
default rel
bits 64
section .text

extern exception_handler
global exception_stubs

%macro STUB 1
align 16
    %if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
        ; the CPU pushed an error code (SDM Vol. 3A 6.13 "Error Code")
    %else
        push qword 0
    %endif
    push qword %1
    jmp exception_common
%endmacro

align 16
exception_stubs:
%assign v 0
%rep 32
    STUB v
%assign v v + 1
%endrep

exception_common:
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
    mov rdi, rsp
    and rsp, -16
    call exception_handler
.hang:
    cli
    hlt
    jmp .hang

; NMIs in VMX root operation: none is sent to a CPU on purpose (vCPUs are kicked with a fixed
; vector); a stray one has nothing to do.  Also the gate of every vector nobody claimed.
global nmi_return
nmi_return:
    iretq

; Interrupts the hypervisor takes in root operation (only while a parked vCPU waits in HLT with
; interrupts enabled): the wake-up is the whole point, so end the interrupt in the LAPIC and
; return.  The frame left RSP 8 mod 16; nine pushes make it 16-byte aligned for the call.
extern lapic_eoi
global irq_eoi_return
irq_eoi_return:
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    call lapic_eoi
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    iretq

; void switch_stack(uint64_t stack_top, void (*fn)(void *), void *arg): never returns.
global switch_stack
switch_stack:
    mov rsp, rdi
    xor ebp, ebp
    mov rdi, rdx
    call rsi
.hang:
    cli
    hlt
    jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
