; The IDIV r/m64 probe (tests/integration/15-bochs-idiv.sh): Debian's Bochs 3.1 binary computes
; IDIV r/m64 wrongly (PLATFORM.md).  64-bit division needs 64-bit mode, so this guest identity-maps
; its first GiB with 2 MiB pages and enters long mode itself, then prints one line per division:
;   divq 13 / 10 = Q rem R        (DIV r64: right everywhere, shows that long mode works)
;   idivq 13 / 10 = Q rem R       (IDIV r64, divisor in a register)
;   idivq -13 / 10 = Q rem R      (IDIV m64, divisor in memory)
; with Q and R as 16 hex digits.  The test script judges the numbers; the guest always powers off
; through port 0xf4 with code 0, so a wrong quotient cannot hang or fail the run itself.
%include "common.inc"

PTE_PW    equ 3                                         ; present, writable
PTE_LARGE equ 1 << 7
SEL_CODE64 equ 0x08
SEL_DATA   equ 0x10

section .text
bits 32
main:
    ; PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB: the guest's RAM at its own addresses.
    mov edi, pml4
    mov ecx, 3 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [pml4], pdpt + PTE_PW
    mov dword [pdpt], pd + PTE_PW
    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PW | PTE_LARGE
    mov [pd + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pd
    ; Long mode activation (SDM Vol. 3A 10.8.5): PAE, CR3, EFER.LME, then paging.
    lgdt [gdt_desc]
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                                      ; PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xc0000080                                 ; IA32_EFER
    rdmsr
    or eax, 1 << 8                                      ; LME
    wrmsr
    mov eax, cr0
    or eax, 1 << 31                                     ; PG
    mov cr0, eax
    jmp SEL_CODE64:long_mode

bits 64
; The object is elf32: addresses are absolute 32-bit (mov esi, label; [label]), all below 4 GiB.
long_mode:
    mov esp, stack_top

    mov esi, divq_msg
    mov rcx, [divisor]                                  ; from memory (put_hex clobbers rcx)
    mov rax, 13
    xor edx, edx
    div rcx
    call print_result

    mov esi, idivq_msg
    mov rcx, [divisor]
    mov rax, 13
    cqo
    idiv rcx
    call print_result

    mov esi, idivq_neg_msg
    mov rax, -13
    cqo
    idiv qword [divisor]
    call print_result

    mov al, 0
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang

; print_result: esi = the line's start, rax = quotient, rdx = remainder.
print_result:
    push rdx
    push rax
    call puts
    pop rax
    call put_hex
    mov esi, rem_msg
    call puts
    pop rax
    call put_hex
    mov al, 10
    jmp putc

puts:                                                   ; esi = NUL-terminated string
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

put_hex:                                                ; rax as 0x and 16 hex digits
    mov rbx, rax
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov ecx, 16
.digit:
    rol rbx, 4
    mov eax, ebx
    and eax, 15
    mov al, [hex_digits + rax]
    call putc
    dec ecx
    jnz .digit
    ret

putc:                                                   ; al to COM1 (one OUT per byte)
    push rdx
    mov dx, 0x3f8
    out dx, al
    pop rdx
    ret

section .data
align 8
divisor:       dq 10
gdt:           dq 0
               dq 0x00af9a000000ffff                    ; 0x08: 64-bit code
               dq 0x00cf92000000ffff                    ; 0x10: flat data
gdt_desc:      dw 3 * 8 - 1
               dd gdt
hex_digits:    db "0123456789abcdef"
divq_msg:      db "divq 13 / 10 = ", 0
idivq_msg:     db "idivq 13 / 10 = ", 0
idivq_neg_msg: db "idivq -13 / 10 = ", 0
rem_msg:       db " rem ", 0

section .bss
alignb 4096
pml4: resb 4096
pdpt: resb 4096
pd:   resb 4096
