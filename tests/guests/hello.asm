; Proves the VMX core: COM1 output, CPUID signature, hypercalls (print, VMCS dump, exit count),
; and power-off by hypercall with the exit code 0 only if every check held.
%include "common.inc"

section .text
main:
    SERIAL hello_msg
    ; CPUID 0x40000000 must carry the signature "ApicvisorVMM".
    mov eax, 0x40000000
    cpuid
    cmp ebx, 'Apic'
    jne fail
    cmp ecx, 'viso'
    jne fail
    cmp edx, 'rVMM'
    jne fail
    SERIAL sig_msg
    HYPERCALL HC_PRINT, print_msg, print_len
    test eax, eax
    jnz fail
    HYPERCALL HC_DUMP_VMCS
    test eax, eax
    jnz fail
    ; four CPUID exits so far (the signature leaf above and the three below)
    mov eax, 0
    cpuid
    mov eax, 1
    cpuid
    mov eax, 0
    cpuid
    HYPERCALL HC_EXIT_COUNT, 10        ; exit reason 10: CPUID
    cmp eax, 4
    jne fail
    SERIAL count_msg
    HYPERCALL HC_POWER_OFF, 0
    jmp fail                           ; not reached

fail:
    SERIAL fail_msg
    HYPERCALL HC_POWER_OFF, 1
    ret

section .data
hello_msg:  db "hello from the test guest", 10, 0
sig_msg:    db "cpuid signature ApicvisorVMM seen", 10, 0
print_msg:  db "printed through HC_PRINT"
print_len   equ $ - print_msg
count_msg:  db "HC_EXIT_COUNT(CPUID) = 4 as expected", 10, 0
fail_msg:   db "hello guest: a check failed", 10, 0
