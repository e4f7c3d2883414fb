; The vCPU lifecycle as a guest sees it (2 CPUs, xAPIC, paging off): INIT and SIPI sent back to
; back, restarts, HLT with IF=0 woken by NMI, what a CPU in wait-for-SIPI must not receive, NMIs to
; a spinning, a halted and an NMI-handling CPU, INIT keeping x2APIC mode, and last a power-off
; from the AP while the BSP spins with interrupts off.  Every check prints
; "lifecycle: <what>: ok" or "... FAIL"; the exit code is the number of failures.
; The AP is always addressed with the all-excluding-self shorthand, so its APIC ID is never assumed.
%include "common.inc"
%include "checks.inc"

XAPIC       equ 0xfee00000
XAPIC_EOI   equ XAPIC + 0xb0
XAPIC_SVR   equ XAPIC + 0xf0
XAPIC_ICR   equ XAPIC + 0x300
XAPIC_ICR_HI equ XAPIC + 0x310
TRAMP       equ 0x7000              ; the AP's real-mode start page (SIPI vector 0x07)
AP_STACK    equ 0x6c00
IPI_INIT    equ 0x000c4500          ; all excluding self, assert, INIT
IPI_SIPI    equ 0x000c4600 | (TRAMP >> 12)
IPI_NMI     equ 0x000c4400
FIXED_VEC   equ 0x40
IPI_FIXED   equ 0x000c4000 | FIXED_VEC
WAIT_LOOPS  equ 20000000            ; a bounded wait: seconds of emulated time

section .text
bits 32

main:
    mov dword [XAPIC_SVR], 0x1ff
    mov esi, tramp_start            ; the trampoline and, in it, the real-mode NMI handler
    mov edi, TRAMP
    mov ecx, tramp_end - tramp_start
    rep movsb
    mov word [2 * 4], rm_nmi - tramp_start  ; IVT[2] = TRAMP>>4 : rm_nmi
    mov word [2 * 4 + 2], TRAMP >> 4
    mov edi, ap_idt
    mov ebx, 2
    mov eax, nmi_handler
    call set_gate
    mov edi, ap_idt
    mov ebx, FIXED_VEC
    mov eax, fixed_handler
    call set_gate

    ; 1. INIT, SIPI, SIPI with no delay at all start the AP once.
    mov dword [ap_task], task_halt
    call start_ap
    mov esi, ap_starts
    mov eax, 1
    call wait_eq
    mov esi, msg_start
    call report_cf
    call delay
    cmp dword [ap_starts], 1
    sete al
    mov esi, msg_second_sipi
    call report_al

    ; 2. Five restarts, each with INIT-SIPI-SIPI at once: one start each.
    mov ebp, 5
.restart:
    mov edi, [ap_starts]            ; read before the start, which may be over before start_ap returns
    inc edi
    call start_ap
    mov esi, ap_starts
    mov eax, edi
    call wait_eq
    jc .restart_done
    dec ebp
    jnz .restart
.restart_done:
    call delay
    cmp dword [ap_starts], 6
    sete al
    mov esi, msg_restarts
    call report_al

    ; 3. cli; hlt on the AP; an NMI wakes it and HLT returns after the handler.
    mov dword [ap_task], task_cli_hlt
    call start_ap
    mov esi, ap_flag
    mov eax, 1
    call wait_eq
    call delay                      ; let it reach HLT
    mov eax, IPI_NMI
    call send_ipi
    mov esi, ap_woken
    mov eax, 1
    call wait_eq
    setnc al
    cmp dword [nmi_count], 1
    sete ah
    and al, ah
    mov esi, msg_hlt_nmi
    call report_al

    ; 4. An NMI sent between INIT and SIPI reaches nobody: wait-for-SIPI blocks NMIs.
    mov dword [ap_task], task_done
    mov dword [ap_flag], 0
    mov dword [nmi_count], 0
    mov eax, IPI_INIT
    call send_ipi
    call delay
    mov eax, IPI_NMI
    call send_ipi
    call delay
    mov eax, IPI_SIPI
    call send_ipi
    mov esi, ap_flag
    mov eax, 1
    call wait_eq
    call delay
    mov eax, [nmi_count]
    or ax, [TRAMP + rm_nmi_count - tramp_start]
    test eax, eax
    sete al
    mov esi, msg_nmi_parked
    call report_al

    ; 5. A fixed IPI sent between INIT and SIPI is dropped (SDM 11.4.7.2); one sent to the
    ;    running AP arrives.
    mov dword [ap_task], task_fixed
    mov dword [ap_flag], 0
    mov eax, IPI_INIT
    call send_ipi
    call delay
    mov eax, IPI_FIXED
    call send_ipi
    call delay
    mov eax, IPI_SIPI
    call send_ipi
    mov esi, ap_flag
    mov eax, 1
    call wait_eq
    cmp dword [fixed_count], 0
    sete al
    mov esi, msg_fixed_parked
    call report_al
    mov eax, IPI_FIXED
    call send_ipi
    mov esi, fixed_count
    mov eax, 1
    call wait_eq
    mov esi, msg_fixed_running
    call report_cf

    ; 6. NMIs, one at a time: 50 to a spinning AP, 50 to a halted one (IF=0 both).
    mov dword [ap_task], task_nmi_target
    mov dword [ap_mode], 0
    mov dword [ap_flag], 0
    mov dword [nmi_count], 0
    call start_ap
    mov esi, ap_flag                ; its IDT is loaded
    mov eax, 1
    call wait_eq
    call nmi_burst
    mov esi, msg_nmi_spin
    call report_cf
    mov dword [ap_mode], 1
    call delay
    call nmi_burst
    mov esi, msg_nmi_halt
    call report_cf

    ; 7. An NMI sent while the AP is in its NMI handler is held until IRET, then delivered once.
    mov dword [nmi_hold], 1
    mov ebp, [nmi_count]
    mov eax, IPI_NMI
    call send_ipi
    mov esi, nmi_count
    lea eax, [ebp + 1]
    call wait_eq                    ; the AP now waits inside its handler
    mov eax, IPI_NMI
    call send_ipi
    call delay
    lea eax, [ebp + 1]
    cmp [nmi_count], eax
    sete bl                         ; still one: the second is blocked
    mov dword [nmi_hold], 0
    mov esi, nmi_count
    lea eax, [ebp + 2]
    call wait_eq
    setnc al
    and al, bl
    call delay
    lea ecx, [ebp + 2]
    cmp [nmi_count], ecx
    sete ah                         ; and delivered once
    and al, ah
    mov esi, msg_nmi_nested
    call report_al

    ; 8. INIT keeps an x2APIC in x2APIC mode (SDM 11.12.5.1).
    mov dword [ap_task], task_to_x2apic
    mov dword [ap_flag], 0
    call start_ap
    mov esi, ap_flag
    mov eax, 1
    call wait_eq
    mov dword [ap_task], task_read_apic_base
    mov dword [ap_flag], 0
    call start_ap
    mov esi, ap_flag
    mov eax, 1
    call wait_eq
    mov eax, [ap_apic_base]
    and eax, 0xc00
    cmp eax, 0xc00
    sete al
    mov esi, msg_init_x2apic
    call report_al

    ; 9. The AP powers the guest off while this CPU spins with interrupts off.
    mov esi, msg_last
    call serial_puts
    mov dword [ap_task], task_power_off
    call start_ap
    cli
.spin:
    jmp .spin

; --- BSP helpers -----------------------------------------------------------------------------

send_ipi:                           ; eax = ICR low
    mov dword [XAPIC_ICR_HI], 0
    mov [XAPIC_ICR], eax
    ret

start_ap:                           ; INIT, SIPI, SIPI back to back
    mov eax, IPI_INIT
    call send_ipi
    mov eax, IPI_SIPI
    call send_ipi
    mov eax, IPI_SIPI
    jmp send_ipi

wait_eq:                            ; until [esi] >= eax (a counter that may overshoot); CF=1 on timeout
    mov ecx, WAIT_LOOPS
.again:
    cmp [esi], eax
    jae .yes
    pause
    dec ecx
    jnz .again
    stc
    ret
.yes:
    clc
    ret

delay:
    mov ecx, 200000
.d: pause
    dec ecx
    jnz .d
    ret

nmi_burst:                          ; 50 NMIs, each waited for; CF=0 if exactly 50 arrived
    mov edx, [nmi_count]
    add edx, 50
    push edx
    mov ebp, 50
.next:
    mov edi, [nmi_count]            ; read before sending: the NMI may arrive before send_ipi returns
    inc edi
    mov eax, IPI_NMI
    call send_ipi
    mov esi, nmi_count
    mov eax, edi
    call wait_eq
    jc .report
    dec ebp
    jnz .next
    call delay                      ; a duplicate would arrive now
.report:
    mov esi, msg_count
    call serial_puts
    mov eax, [nmi_count]
    call print_hex
    mov esi, msg_nl
    call serial_puts
    pop edx
    cmp [nmi_count], edx
    jne .bad
    clc
    ret
.bad:
    stc
    ret

; --- the AP's tasks (32-bit, entered from ap32 with a fresh stack) ----------------------------

task_halt:
    cli
.h: hlt
    jmp .h

task_done:
    lidt [ap_idt_ptr]
    call delay
    mov dword [ap_flag], 1
    jmp task_halt

task_cli_hlt:
    lidt [ap_idt_ptr]
    mov dword [ap_flag], 1
    cli
    hlt
    mov dword [ap_woken], 1
    jmp task_halt

task_fixed:
    lidt [ap_idt_ptr]
    mov dword [XAPIC_SVR], 0x1ff    ; software-enable: a stale IPI would now be taken
    sti
    call delay
    mov dword [ap_flag], 1
.idle:
    sti
    hlt
    jmp .idle

task_nmi_target:
    lidt [ap_idt_ptr]
    mov dword [ap_flag], 1
.loop:
    cli
    cmp dword [ap_mode], 1
    je .halt
    pause
    jmp .loop
.halt:
    hlt
    jmp .loop

task_to_x2apic:
    mov ecx, 0x1b                   ; IA32_APIC_BASE: EN is set, add EXTD
    rdmsr
    or eax, 0x400
    wrmsr
    mov dword [ap_flag], 1
    jmp task_halt

task_read_apic_base:
    mov ecx, 0x1b
    rdmsr
    mov [ap_apic_base], eax
    mov dword [ap_flag], 1
    jmp task_halt

task_power_off:
    mov al, [failures]
    out 0xf4, al
    jmp task_halt

nmi_handler:
    lock inc dword [nmi_count]
.hold:
    cmp dword [nmi_hold], 0
    je .ret
    pause
    jmp .hold
.ret:
    iret

fixed_handler:
    lock inc dword [fixed_count]
    mov dword [XAPIC_EOI], 0
    iret

ap32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, AP_STACK
    lock inc dword [ap_starts]
    jmp [ap_task]

; --- the real-mode trampoline, copied to TRAMP ----------------------------------------------
bits 16
tramp_start:
    cli
    xor ax, ax
    mov ds, ax
    o32 lgdt [TRAMP + tramp_gdt_ptr - tramp_start]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:ap32
rm_nmi:                             ; an NMI taken in real mode right after a SIPI: counted
    cs inc word [rm_nmi_count - tramp_start]
    iret
align 4
tramp_gdt_ptr:
    dw flat_gdt_end - flat_gdt - 1
    dd flat_gdt
rm_nmi_count:
    dw 0
tramp_end:
bits 32

section .data
align 8
ap_idt_ptr:
    dw 256 * 8 - 1
    dd ap_idt
align 4
ap_task:      dd 0
ap_starts:    dd 0
ap_flag:      dd 0
ap_woken:     dd 0
ap_mode:      dd 0
ap_apic_base: dd 0
nmi_count:    dd 0
nmi_hold:     dd 0
fixed_count:  dd 0

msg_prefix:       db "lifecycle: ", 0
msg_start:        db "INIT, SIPI, SIPI with no delay start the AP", 0
msg_second_sipi:  db "the second SIPI to the running AP is ignored", 0
msg_restarts:     db "five more INIT-SIPI-SIPI restarts start it five times", 0
msg_hlt_nmi:      db "an NMI wakes cli; hlt and HLT returns after the handler", 0
msg_nmi_parked:   db "an NMI sent in wait-for-SIPI is not delivered after the SIPI", 0
msg_fixed_parked: db "a fixed IPI sent in wait-for-SIPI is dropped", 0
msg_fixed_running: db "a fixed IPI to the running AP arrives", 0
msg_nmi_spin:     db "50 NMIs to a spinning AP with IF=0 arrive one by one", 0
msg_nmi_halt:     db "50 NMIs to a halted AP with IF=0 arrive one by one", 0
msg_nmi_nested:   db "an NMI sent during the NMI handler waits for IRET, then arrives once", 0
msg_init_x2apic:  db "INIT keeps the AP's LAPIC in x2APIC mode", 0
msg_count:        db "lifecycle: NMI count now 0x", 0
msg_last:         db "lifecycle: last: the AP powers off while the BSP spins with IF=0", 10, 0

section .bss
align 8
ap_idt: resb 256 * 8
