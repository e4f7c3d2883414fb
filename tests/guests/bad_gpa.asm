; Touches guest-physical memory that is not guest RAM: the hypervisor must report the address,
; dump and power off, never crash.
%include "common.inc"

section .text
main:
    SERIAL msg
    mov eax, [0x30000000]              ; far above the 64 MiB of guest RAM
    SERIAL survived_msg
    ret

section .data
msg:          db "bad_gpa: reading guest-physical 0x30000000", 10, 0
survived_msg: db "bad_gpa: the read returned", 10, 0
