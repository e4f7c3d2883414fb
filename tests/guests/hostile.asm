; Things a guest has no business doing, each of which must get the architectural answer while the
; hypervisor keeps running: #GP for unknown MSRs, reserved IA32_APIC_BASE bits and x2APIC MSRs in
; xAPIC mode; #UD for VMX instructions (CPUID hides VMX); all-ones from ports with no device;
; ignored writes to read-only APIC registers; an illegal-vector IPI reported in the ESR.
; Powers off with 0 when every answer was right, otherwise with the number of the first wrong one.
%include "common.inc"

XAPIC equ 0xfee00000

; ARM skip ... CHECK_FAULT vector: the instruction in between must raise `vector`; the handler
; steps over `skip` bytes.
%macro ARM 1
    mov dword [fault_vector], -1
    mov dword [fault_skip], %1
%endmacro
%macro CHECK_FAULT 1
    cmp dword [fault_vector], %1
    jne fail
%endmacro

section .text
main:
    LOAD_FLAT_GDT
    ; Gates: #UD and #GP to their handlers, every other exception to other_handler.
    xor ecx, ecx
.gate:
    mov eax, other_handler
    cmp ecx, 6
    jne .not_ud
    mov eax, ud_handler
.not_ud:
    cmp ecx, 13
    jne .not_gp
    mov eax, gp_handler
.not_gp:
    SET_GATE 0x08
    inc ecx
    cmp ecx, 32
    jb .gate
    lidt [idt_desc]
    mov dword [step], 1
    mov ecx, 0x12345                                    ; an MSR nobody implements
    ARM 2
    rdmsr
    CHECK_FAULT 13
    mov dword [step], 2
    mov ecx, 0x1b                                       ; IA32_APIC_BASE with reserved bit 9
    rdmsr
    or eax, 1 << 9
    ARM 2
    wrmsr
    CHECK_FAULT 13
    mov dword [step], 3
    mov ecx, 0x802                                      ; the x2APIC ID while in xAPIC mode
    ARM 2
    rdmsr
    CHECK_FAULT 13
    mov dword [step], 4
    ARM 3
    vmxoff                                              ; no VMX inside the guest
    CHECK_FAULT 6
    mov dword [step], 5
    mov eax, 1
    cpuid
    test ecx, 1 << 5                                    ; CPUID.1:ECX.VMX is hidden
    jnz fail
    mov dword [step], 6
    mov dx, 0x1234
    in al, dx                                           ; no device there: the bus floats high
    cmp al, 0xff
    jne fail
    mov dword [step], 7
    mov ebx, [XAPIC + 0x20]                             ; the xAPIC ID, from the virtual-APIC page
    mov dword [XAPIC + 0x20], 0x55abcdef                ; writable in xAPIC mode (SDM 11.4.6),
    cmp dword [XAPIC + 0x20], 0x55000000                ; bits 31:24 only
    jne fail
    mov [XAPIC + 0x20], ebx                             ; its own ID back
    cmp ebx, [XAPIC + 0x20]
    jne fail
    mov dword [step], 8
    mov dword [XAPIC + 0xf0], 0x1ff                     ; software-enable the APIC
    mov dword [XAPIC + 0x280], 0                        ; clear the ESR
    mov dword [XAPIC + 0x310], 0
    mov dword [XAPIC + 0x300], 0x00040003               ; fixed self-IPI with vector 3: illegal
    mov dword [XAPIC + 0x280], 0                        ; latch the errors
    mov eax, [XAPIC + 0x280]
    cmp eax, 1 << 5                                     ; "send illegal vector" (SDM 11.5.3)
    jne fail
    SERIAL ok_msg
    HYPERCALL HC_POWER_OFF, 0
fail:
    SERIAL fail_msg
    HYPERCALL HC_POWER_OFF, [step]
    ret

; #UD and #GP land here (interrupt gates, 32-bit); #GP pushed an error code.
ud_handler:
    mov dword [fault_vector], 6
    jmp step_over
gp_handler:
    add esp, 4                                          ; the error code
    mov dword [fault_vector], 13
step_over:
    push eax
    mov eax, [fault_skip]
    add [esp + 4], eax                                  ; the saved EIP
    pop eax
    iret
other_handler:
    mov dword [fault_vector], 0xee
    SERIAL unexpected_msg
    HYPERCALL HC_POWER_OFF, 99
    ret

section .data
align 8
idt:
    times 32 dq 0                                       ; filled in by main
idt_end:
idt_desc:
    dw idt_end - idt - 1
    dd idt

fault_vector: dd 0
fault_skip:   dd 0
step:         dd 0
ok_msg:         db "hostile: every illegal operation got its architectural answer", 10, 0
fail_msg:       db "hostile: a wrong answer (see the exit code for the step)", 10, 0
unexpected_msg: db "hostile: an unexpected exception", 10, 0
