; Real-mode AP start-up code.  The BSP copies it to TRAMPOLINE_BASE (below 1 MiB, 4 KiB aligned) and
; sends INIT-SIPI-SIPI with vector TRAMPOLINE_BASE >> 12: each AP starts here in real mode with
; CS = TRAMPOLINE_BASE >> 4, IP = 0 (SDM Vol. 3A 9.4.4.1, "Typical BSP initialization sequence").
; It loads the kernel GDT and enters 32-bit protected mode at ap_start32 (boot.asm).

TRAMPOLINE_BASE equ 0x8000
%include "gdt.inc"

global trampoline_start, trampoline_end
extern gdt, ap_start32

section .text
bits 16
trampoline_start:
    cli
    xor ax, ax
    mov ds, ax
    o32 lgdt [TRAMPOLINE_BASE + (trampoline_gdtr - trampoline_start)]
    mov eax, cr0
    or al, 1                            ; CR0.PE
    mov cr0, eax
    jmp dword SEL_CODE32:ap_start32
align 8
trampoline_gdtr:
    dw GDT_SIZE - 1
    dd gdt
trampoline_end:
