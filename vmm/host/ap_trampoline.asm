; AP start-up code (SDM Vol. 3A 9.4.4 "MP Initialization Example"): the BSP copies this blob to a
; page P below 1 MiB and sends INIT-SIPI-SIPI with vector P >> 12.  The AP starts in real mode at
; P:0, goes through 32-bit protected mode into long mode with the BSP's CR3, and calls
; entry(arg) on its own stack.  The code is position-independent: it finds P from CS, and the
; BSP fills the parameter block at ap_trampoline_params before each start.
bits 16
section .text

global ap_trampoline_start, ap_trampoline_end, ap_trampoline_params

%define OFF(label) ((label) - ap_trampoline_start)

ap_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    xor esi, esi
    mov si, ax
    shl esi, 4                              ; esi = P, kept through every mode
    lea eax, [esi + OFF(gdt)]
    mov [OFF(gdtr) + 2], eax
    lgdt [OFF(gdtr)]
    lea eax, [esi + OFF(protected32)]
    mov [OFF(far32)], eax
    mov eax, cr0
    or eax, 1                               ; PE
    mov cr0, eax
    jmp dword far [OFF(far32)]

bits 32
protected32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                          ; PAE
    mov cr4, eax
    mov eax, [esi + OFF(param_cr3)]
    mov cr3, eax
    mov ecx, 0xc0000080                     ; IA32_EFER
    rdmsr
    or eax, 1 << 8                          ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 5)            ; PG, and NE (VMX requires it, SDM A.7)
    mov cr0, eax
    lea eax, [esi + OFF(long64)]
    mov [esi + OFF(far64)], eax
    jmp far [esi + OFF(far64)]

bits 64
long64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [rsi + OFF(param_stack)]
    mov rdi, [rsi + OFF(param_arg)]
    mov rax, [rsi + OFF(param_entry)]
    call rax
.hang:
    cli
    hlt
    jmp .hang

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff                   ; 0x08: 32-bit code
    dq 0x00cf92000000ffff                   ; 0x10: data
    dq 0x00af9a000000ffff                   ; 0x18: 64-bit code
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd 0
far32:
    dd 0
    dw 0x08
far64:
    dd 0
    dw 0x18

align 8
ap_trampoline_params:                       ; struct ap_params in vmm/smp_hv.c
param_cr3:   dq 0
param_stack: dq 0
param_entry: dq 0
param_arg:   dq 0
ap_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
