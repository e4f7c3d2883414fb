; Touches guest-physical memory that is neither guest RAM nor a device.  A data access reads all
; ones and its write is dropped, as on a bus where nobody answers; an instruction fetch from there
; has no such answer: the hypervisor must report the address, dump and power off, never crash.
%include "common.inc"

BAD equ 0x30000000                      ; far above the 64 MiB of guest RAM

section .text
main:
    SERIAL msg
    mov eax, [BAD]
    cmp eax, 0xffffffff
    jne .wrong
    mov dword [BAD], 0x12345678         ; dropped
    mov ebx, 0x11223344
    mov bl, [BAD + 3]                   ; an 8-bit load keeps the rest of EBX
    cmp ebx, 0x112233ff
    jne .wrong
    movzx ecx, word [BAD + 0x10]
    cmp ecx, 0xffff
    jne .wrong
    SERIAL survived_msg
    mov eax, BAD
    jmp eax                             ; fetching from there stops the VM
.wrong:
    SERIAL wrong_msg
    ret

section .data
msg:          db "bad_gpa: reading guest-physical 0x30000000", 10, 0
survived_msg: db "bad_gpa: loads read all ones, the store was dropped; now executing there", 10, 0
wrong_msg:    db "bad_gpa: a wrong value from the unclaimed address", 10, 0
