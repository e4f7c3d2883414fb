; Multiboot (v1) entry for the BSP and the 32-bit half of AP start-up: identity-map the low 4 GiB
; with 2 MiB pages (covering the xAPIC page at 0xFEE00000), enter long mode, call C.
; Multiboot spec 3.2: we arrive in 32-bit protected mode, paging off, EAX = magic, EBX = info.

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00000003          ; page-aligned modules, memory information
MB_BOOT_MAGIC   equ 0x2BADB002

%include "gdt.inc"

PTE_PRESENT     equ 1 << 0
PTE_WRITE       equ 1 << 1
PTE_PWT         equ 1 << 3
PTE_PCD         equ 1 << 4
PTE_LARGE       equ 1 << 7
MMIO_FIRST_2M   equ 1536                ; 2 MiB pages from 3 GiB up hold MMIO: map them uncached

global _start, ap_start32, gdt, pml4, cpu_stacks, multiboot_info
extern guest_main, ap_main, ap_ticket

section .multiboot
align 4
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text
bits 32

; Long mode activation (SDM Vol. 3A 10.8.5): PAE, CR3, EFER.LME, then paging.
%macro ENTER_LONG_MODE 1
    mov eax, cr4
    or eax, 1 << 5                      ; CR4.PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xC0000080                 ; IA32_EFER
    rdmsr
    or eax, 1 << 8                      ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | 1               ; PG | PE
    mov cr0, eax
    jmp SEL_CODE64:%1
%endmacro

_start:
    cli
    mov esp, cpu_stacks + GUEST_STACK_SIZE
    xor edi, edi
    cmp eax, MB_BOOT_MAGIC
    jne .no_info
    mov edi, ebx
.no_info:
    mov [multiboot_info], edi
    call build_page_tables
    lgdt [gdtr]
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    ENTER_LONG_MODE bsp_start64

; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 512 x 2 MiB pages each.
build_page_tables:
    mov eax, pdpt + PTE_PRESENT + PTE_WRITE
    mov [pml4], eax
    xor ecx, ecx
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, page_dirs + PTE_PRESENT + PTE_WRITE
    mov [pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt
    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PRESENT + PTE_WRITE + PTE_LARGE
    cmp ecx, MMIO_FIRST_2M
    jb .cached
    or eax, PTE_PCD + PTE_PWT
.cached:
    mov [page_dirs + ecx * 8], eax
    mov dword [page_dirs + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 2048
    jb .pd
    ret

; APs arrive here from the real-mode trampoline (trampoline.asm) with our GDT loaded.
ap_start32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    ENTER_LONG_MODE ap_start64

bits 64
; GS is loaded with 0 here; its base (per-CPU data) is set later through IA32_GS_BASE.
%macro LOAD_DATA_SEGMENTS 0
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
%endmacro

bsp_start64:
    LOAD_DATA_SEGMENTS
    mov rsp, cpu_stacks + GUEST_STACK_SIZE
    mov edi, [multiboot_info]
    call guest_main
.halt:
    cli
    hlt
    jmp .halt

; Each AP takes the next CPU number, and with it the stack of that slot.
ap_start64:
    LOAD_DATA_SEGMENTS                  ; no stack yet: inline
    mov eax, 1
    lock xadd [ap_ticket], eax
    cmp eax, GUEST_MAX_CPUS
    jae .park                           ; more CPUs than slots: leave it parked
    mov edx, eax
    inc edx
    imul rdx, rdx, GUEST_STACK_SIZE
    lea rsp, [cpu_stacks + rdx]
    mov edi, eax
    call ap_main
.park:
    cli
    hlt
    jmp .park

section .data
align 8
gdt:
    dq 0
    dq 0x00AF9A000000FFFF               ; 0x08: 64-bit code
    dq 0x00CF92000000FFFF               ; 0x10: flat data
    dq 0x00CF9A000000FFFF               ; 0x18: 32-bit code (AP start-up)
gdtr:
    dw GDT_SIZE - 1
    dq gdt
multiboot_info:
    dd 0

section .bss
alignb 4096
pml4:       resb 4096
pdpt:       resb 4096
page_dirs:  resb 4 * 4096
alignb 16
cpu_stacks: resb GUEST_MAX_CPUS * GUEST_STACK_SIZE
