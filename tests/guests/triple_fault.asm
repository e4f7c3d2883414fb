; An exception with no IDT: #GP -> #DF -> triple fault.  The hypervisor must report it and stop.
%include "common.inc"

section .text
main:
    SERIAL msg
    lidt [null_idt]
    int3
    SERIAL survived_msg
    ret

section .data
null_idt:     dw 0
              dd 0
msg:          db "triple_fault: int3 with an empty IDT", 10, 0
survived_msg: db "triple_fault: still running", 10, 0
