; Bad hypercalls get error codes, never a crash: unknown function (-38), a print from outside
; guest RAM (-14), an oversized print (-22), an exit reason out of range (-22).
%include "common.inc"

%macro EXPECT 2                          ; result, message
    cmp eax, %1
    jne fail
    SERIAL %2
%endmacro

section .text
main:
    HYPERCALL 99
    EXPECT -38, enosys_msg
    HYPERCALL HC_PRINT, 0x30000000, 16
    EXPECT -14, efault_msg
    HYPERCALL HC_PRINT, 0x100000, 100000
    EXPECT -22, einval_msg
    HYPERCALL HC_EXIT_COUNT, 5000
    EXPECT -22, reason_msg
    HYPERCALL HC_POWER_OFF, 0
fail:
    SERIAL fail_msg
    HYPERCALL HC_POWER_OFF, 1
    ret

section .data
enosys_msg: db "bad_hypercall: unknown function -> -38 (HC_ENOSYS)", 10, 0
efault_msg: db "bad_hypercall: print outside guest RAM -> -14 (HC_EFAULT)", 10, 0
einval_msg: db "bad_hypercall: print of 100000 bytes -> -22 (HC_EINVAL)", 10, 0
reason_msg: db "bad_hypercall: exit count for reason 5000 -> -22 (HC_EINVAL)", 10, 0
fail_msg:   db "bad_hypercall: a result was wrong", 10, 0
