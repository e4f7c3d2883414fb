; The PC platform around the vCPU (docs/design.md "The platform"), used the way a kernel uses it,
; on one CPU in xAPIC mode: fw_cfg's signature, the RTC's registers, the I/O APIC's version and
; redirection entries, PIT counter 0 in mode 2 (rate generator) raising IRQ0 on I/O APIC pin 2
; while the CPU waits in HLT, timed against the ACPI PM timer, COM1's THRE interrupt on pin 4,
; and finally soft off through PM1a_CNT (SLP_TYP 7 with SLP_EN), which must end the VM with exit
; code 0.  Every check prints "platform: <what>: ok"; the first one that fails powers off with its
; number (HC_POWER_OFF) after printing "platform: check N failed".
%include "common.inc"

XAPIC          equ 0xfee00000
XAPIC_ID       equ XAPIC + 0x20
XAPIC_EOI      equ XAPIC + 0xb0
XAPIC_SVR      equ XAPIC + 0xf0
IOAPIC         equ 0xfec00000
IOAPIC_SEL     equ IOAPIC
IOAPIC_WIN     equ IOAPIC + 0x10
VEC_IRQ0       equ 0x30
VEC_COM1       equ 0x34
PIT_COUNT      equ 11932               ; 1193182 Hz / 11932 = 100 Hz
IRQ0_WANTED    equ 5
PM_TMR         equ 0x608
PM1A_CNT       equ 0x604
S5_SLP_EN      equ (7 << 10) | (1 << 13)

; CHECK n: fails with n unless ZF is set (after a cmp that must be equal)
%macro CHECK 1
    mov dword [check], %1
    jne fail
%endmacro

; CHECK_NE n: fails with n if ZF is set
%macro CHECK_NE 1
    mov dword [check], %1
    je fail
%endmacro

; WAIT_FOR counter, n: halts until the handlers have counted n, and returns with IF=0.  STI's
; interrupt shadow (SDM Vol. 2, STI) makes `sti; hlt` one step: no interrupt slips in between.
%macro WAIT_FOR 2
%%again:
    cli
    cmp dword [%1], %2
    jae %%done
    sti
    hlt
    jmp %%again
%%done:
%endmacro

; ROUTE_PIN pin, vector: I/O APIC redirection entry `pin` (registers 0x10 + 2 * pin, high dword
; first) delivers `vector` fixed, physical, edge, unmasked to this CPU's xAPIC ID.  Clobbers eax.
%macro ROUTE_PIN 2
    mov eax, [XAPIC_ID]
    and eax, 0xff000000
    mov dword [IOAPIC_SEL], 0x10 + 2 * (%1) + 1
    mov [IOAPIC_WIN], eax
    mov dword [IOAPIC_SEL], 0x10 + 2 * (%1)
    mov dword [IOAPIC_WIN], %2
%endmacro

section .text
main:
    LOAD_FLAT_GDT
    call setup_idt

    ; 1. fw_cfg (QEMU docs/specs/fw_cfg.rst): select key 0 with a 16-bit OUT, read "QEMU".
    mov dx, 0x510
    xor ax, ax
    out dx, ax
    mov dx, 0x511
    mov ecx, 4
.sig:
    in al, dx
    shl ebx, 8
    mov bl, al
    loop .sig
    cmp ebx, 0x51454d55                ; 'Q', 'E', 'M', 'U', the first byte highest
    CHECK 1
    SERIAL ok_fw_cfg

    ; 2. RTC: register B as PC firmware leaves it (24-hour BCD), register D says valid RAM and time.
    mov al, 0x0b
    out 0x70, al
    in al, 0x71
    cmp al, 0x02
    CHECK 2
    mov al, 0x0d
    out 0x70, al
    in al, 0x71
    cmp al, 0x80
    CHECK 3
    SERIAL ok_rtc

    ; 3. The PM timer runs.
    mov dx, PM_TMR
    in eax, dx
    mov ebx, eax
    mov ecx, 100000
.spin:
    pause
    loop .spin
    in eax, dx
    cmp eax, ebx
    CHECK_NE 4
    SERIAL ok_pm_timer

    ; 4. The I/O APIC: version 0x20 with 24 entries (82093AA 3.2.2: max entry in bits 23:16).
    mov dword [IOAPIC_SEL], 1
    mov eax, [IOAPIC_WIN]
    cmp eax, 0x00170020
    CHECK 5
    SERIAL ok_ioapic

    ; 5. PIT IRQ0 on pin 2: the LAPIC software-enabled, pin 2 fixed, physical, edge, to this CPU.
    mov dword [XAPIC_SVR], 0x1ff
    ROUTE_PIN 2, VEC_IRQ0
    mov eax, [IOAPIC_WIN]
    cmp eax, VEC_IRQ0
    CHECK 6
    mov al, 0x34                       ; counter 0, LSB then MSB, mode 2, binary
    out 0x43, al
    mov al, PIT_COUNT & 0xff
    out 0x40, al
    mov al, PIT_COUNT >> 8
    out 0x40, al
    WAIT_FOR irq0_count, IRQ0_WANTED   ; only IRQ0 wakes it: each tick must end the halt
    mov dword [IOAPIC_SEL], 0x10 + 2 * 2
    mov dword [IOAPIC_WIN], 0x10000 | VEC_IRQ0 ; masked
    SERIAL ok_irq0
    ; The PM timer between the first and the last of those ticks: 4 periods of 10 ms are
    ; 143182 PM timer ticks; both clocks come from the TSC, so only interrupt latency differs.
    mov eax, [pm_last]
    sub eax, [pm_first]
    cmp eax, 143182 - 143182 / 4
    setae bl
    cmp eax, 143182 + 143182 / 4
    setbe bh
    and bl, bh
    cmp bl, 1
    CHECK 7
    SERIAL ok_rate

    ; 6. COM1's THRE interrupt on pin 4 (MCR OUT2 gates it onto IRQ4).
    ROUTE_PIN 4, VEC_COM1
    mov dx, 0x3fc
    mov al, 0x08                       ; MCR OUT2
    out dx, al
    mov dx, 0x3f9
    mov al, 0x02                       ; IER THRE: THR is empty, so the interrupt is pending
    out dx, al
    WAIT_FOR com1_count, 1
    mov dword [IOAPIC_SEL], 0x10 + 2 * 4
    mov dword [IOAPIC_WIN], 0x10000 | VEC_COM1
    mov dx, 0x3fc
    xor al, al
    out dx, al
    SERIAL ok_com1

    ; 7. Soft off: SLP_TYP of \_S5 (7) with SLP_EN.
    SERIAL s5_msg
    mov dx, PM1A_CNT
    mov ax, S5_SLP_EN
    out dx, ax
    mov dword [check], 8               ; still running: S5 did not power off
    jmp fail

fail:
    mov eax, [check]
    add al, '0'
    mov [fail_digit], al
    SERIAL fail_msg
    HYPERCALL HC_POWER_OFF, [check]
    ret

; IRQ0: count, note the PM timer at the first and at the last wanted tick, EOI.
irq0_handler:
    push eax
    push edx
    mov dx, PM_TMR
    in eax, dx
    inc dword [irq0_count]
    cmp dword [irq0_count], 1
    jne .not_first
    mov [pm_first], eax
.not_first:
    cmp dword [irq0_count], IRQ0_WANTED
    jne .eoi
    mov [pm_last], eax
.eoi:
    mov dword [XAPIC_EOI], 0
    pop edx
    pop eax
    iret

; IRQ4: IER 0 takes the THRE interrupt away (the line falls), then EOI.
com1_handler:
    push eax
    push edx
    inc dword [com1_count]
    mov dx, 0x3f9
    xor al, al
    out dx, al
    mov dword [XAPIC_EOI], 0
    pop edx
    pop eax
    iret

other_handler:
    mov dword [check], 9
    jmp fail

; Every gate to other_handler but the two device vectors.
setup_idt:
    xor ecx, ecx
.gate:
    mov eax, other_handler
    cmp ecx, VEC_IRQ0
    jne .not_irq0
    mov eax, irq0_handler
.not_irq0:
    cmp ecx, VEC_COM1
    jne .not_com1
    mov eax, com1_handler
.not_com1:
    SET_GATE 0x08
    inc ecx
    cmp ecx, 256
    jb .gate
    lidt [idt_desc]
    ret

section .data
ok_fw_cfg:   db "platform: fw_cfg reads the QEMU signature: ok", 10, 0
ok_rtc:      db "platform: RTC register B is 24-hour BCD and register D says valid: ok", 10, 0
ok_pm_timer: db "platform: the ACPI PM timer runs: ok", 10, 0
ok_ioapic:   db "platform: the I/O APIC is version 0x20 with 24 entries: ok", 10, 0
ok_irq0:     db "platform: PIT IRQ0 on I/O APIC pin 2 wakes HLT 5 times: ok", 10, 0
ok_rate:     db "platform: 4 PIT periods of 10 ms are 143182 PM timer ticks (+-25%): ok", 10, 0
ok_com1:     db "platform: COM1's THRE interrupt arrives on I/O APIC pin 4: ok", 10, 0
s5_msg:      db "platform: entering S5 through PM1a_CNT", 10, 0
fail_msg:    db "platform: check "
fail_digit:  db "0 failed", 10, 0
align 4
check:       dd 0
irq0_count:  dd 0
com1_count:  dd 0
pm_first:    dd 0
pm_last:     dd 0
align 8
idt_desc:
    dw 256 * 8 - 1
    dd idt

section .bss
align 8
idt:
    resb 256 * 8
