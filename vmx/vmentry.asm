; Entering the guest and coming back (SDM 27 "VM Entries", 28 "VM Exits").
; int vmx_run(struct guest_regs *regs, int launched): loads the guest's general-purpose registers
; and CR2, VMLAUNCHes (launched == 0) or VMRESUMEs; returns 0 after a VM exit with the guest's
; registers saved back into *regs, or 1 when the VM-entry instruction itself failed (read
; VM_INSTRUCTION_ERROR).  HOST_RSP is written here, HOST_RIP is vmx_exit_entry.
default rel
bits 64
section .text

%define HOST_RSP 0x6c14
%define REGS_CR2 (16 * 8)

global vmx_run, vmx_exit_entry

vmx_run:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rdi                        ; regs, found again at [rsp] after the exit
    mov rax, HOST_RSP
    vmwrite rax, rsp
    jbe .failed_before_entry
    mov rax, [rdi + REGS_CR2]
    mov cr2, rax
    test esi, esi                   ; the MOVs below leave the flags alone
    mov rax, [rdi + 0 * 8]
    mov rcx, [rdi + 1 * 8]
    mov rdx, [rdi + 2 * 8]
    mov rbx, [rdi + 3 * 8]
    mov rbp, [rdi + 5 * 8]
    mov rsi, [rdi + 6 * 8]
    mov r8,  [rdi + 8 * 8]
    mov r9,  [rdi + 9 * 8]
    mov r10, [rdi + 10 * 8]
    mov r11, [rdi + 11 * 8]
    mov r12, [rdi + 12 * 8]
    mov r13, [rdi + 13 * 8]
    mov r14, [rdi + 14 * 8]
    mov r15, [rdi + 15 * 8]
    mov rdi, [rdi + 7 * 8]
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
.failed_before_entry:
    pop rdi
    mov eax, 1
    jmp restore_host

vmx_exit_entry:
    push rdi                        ; the guest's RDI; [rsp + 8] is regs
    mov rdi, [rsp + 8]
    mov [rdi + 0 * 8], rax
    mov [rdi + 1 * 8], rcx
    mov [rdi + 2 * 8], rdx
    mov [rdi + 3 * 8], rbx
    mov [rdi + 5 * 8], rbp
    mov [rdi + 6 * 8], rsi
    mov [rdi + 8 * 8], r8
    mov [rdi + 9 * 8], r9
    mov [rdi + 10 * 8], r10
    mov [rdi + 11 * 8], r11
    mov [rdi + 12 * 8], r12
    mov [rdi + 13 * 8], r13
    mov [rdi + 14 * 8], r14
    mov [rdi + 15 * 8], r15
    pop rax
    mov [rdi + 7 * 8], rax
    mov rax, cr2
    mov [rdi + REGS_CR2], rax
    pop rdi
    xor eax, eax
restore_host:                           ; the registers vmx_run saved; eax is the result
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
