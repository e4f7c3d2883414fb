; Architectural CPU state the hypervisor emulates, as a guest sees it (1 CPU, paging off at entry):
; single-stepping over an instruction that exits, IA32_TSC and IA32_TSC_ADJUST, PAE paging turned
; on by a CR0 write that exits (the PDPTEs must be loaded), and, when the LAPIC starts in x2APIC
; mode (x2apic=on), the way back to xAPIC with the APIC page still virtualized; and when x2APIC
; is locked (x2apic=only), how the guest learns it: IA32_XAPIC_DISABLE_STATUS.  Every check
; prints "cpu_state: <what>: ok" or "... FAIL"; the exit code is the number of failures.
%include "common.inc"
%include "checks.inc"

XAPIC_ID    equ 0xfee00020
MSR_TSC     equ 0x10
MSR_TSC_ADJ equ 0x3b
MSR_APIC_BASE equ 0x1b
PDPT        equ 0x200000                ; page tables of the PAE check, in guest RAM (2 MiB)
PD0         equ 0x201000
TSC_JUMP    equ 0x100000000             ; 2^32: moved by a TSC write (high half + 1)

section .text
bits 32
main:
    LOAD_FLAT_GDT
    mov edi, idt
    mov ebx, 1
    mov eax, db_handler
    call set_gate
    lidt [idt_desc]

    ; 1. Single-step over CPUID, which exits and is emulated: #DB right after it (SDM 17.3.1.4;
    ;    the hypervisor sets pending debug exceptions BS).
    mov dword [db_count], 0
    pushfd
    or dword [esp], 1 << 8              ; TF
    popfd                               ; single-stepping starts after the next instruction
    nop
cpuid_insn:
    cpuid
after_cpuid:
    pushfd
    and dword [esp], ~(1 << 8)
    popfd
    mov eax, [db_eip_first_after_cpuid]
    cmp eax, after_cpuid
    sete al
    mov esi, msg_tf
    call report_al

    ; 2. IA32_TSC reads the TSC; a write moves it and IA32_TSC_ADJUST by the same amount
    ;    (SDM 18.17.3).
    mov ecx, MSR_TSC_ADJ
    rdmsr
    mov [adj0], eax
    mov [adj0 + 4], edx
    rdtsc
    mov esi, eax
    mov edi, edx
    mov ecx, MSR_TSC
    rdmsr
    sub eax, esi
    sbb edx, edi                        ; MSR - RDTSC: small and not negative
    cmp edx, 0
    jne .tsc_read_bad
    cmp eax, 100000
    setb al
    jmp .tsc_read_done
.tsc_read_bad:
    xor eax, eax
.tsc_read_done:
    mov esi, msg_tsc_read
    call report_al
    rdtsc
    add edx, 1                          ; TSC + 2^32
    mov ecx, MSR_TSC
    wrmsr
    rdtsc
    mov [tsc1 + 4], edx
    mov ecx, MSR_TSC_ADJ
    rdmsr
    sub eax, [adj0]
    sbb edx, [adj0 + 4]
    sub edx, 1                          ; adjust moved by 2^32 +- the time the write took
    jz .adj_above
    cmp edx, -1
    jne .adj_bad
    cmp eax, 0xf0000000
    setae al
    jmp .adj_done
.adj_above:
    cmp eax, 0x10000000
    setb al
    jmp .adj_done
.adj_bad:
    xor eax, eax
.adj_done:
    mov esi, msg_tsc_adjust
    call report_al
    mov ecx, MSR_TSC_ADJ                ; writing the adjust back moves the TSC back
    mov eax, [adj0]
    mov edx, [adj0 + 4]
    wrmsr
    rdtsc
    mov ebx, [tsc1 + 4]
    sub ebx, edx
    cmp ebx, 1                          ; the high half dropped by one
    sete al
    mov esi, msg_tsc_back
    call report_al

    ; 3. PAE paging enabled by a MOV to CR0 that exits (it clears CR0.NE, which the host owns):
    ;    the CPU loads the PDPTEs only for writes it executes itself (SDM 4.4.1, 26.3.2.4).
    call build_pae_tables
    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov dword [pae_probe], 0x5a5a5a5a
    mov eax, cr0
    and eax, ~(1 << 5)                  ; NE: the write exits
    or eax, 1 << 31                     ; PG
    mov cr0, eax
    jmp .paged                          ; through the new page tables
.paged:
    mov eax, [pae_probe]                ; identity-mapped: the same value
    cmp eax, 0x5a5a5a5a
    sete bl
    mov eax, cr0
    and eax, ~(1 << 31)
    mov cr0, eax                        ; paging off again
    mov al, bl
    mov esi, msg_pae
    call report_al

    ; 4. x2apic=only: CPUID.(7,0):EDX[29] offers IA32_ARCH_CAPABILITIES, whose bit 21 says that
    ;    IA32_XAPIC_DISABLE_STATUS (0xBD) exists, whose bit 0 says legacy xAPIC is disabled
    ;    (SDM Vol. 4; seeds/002).  Then the way back to xAPIC below is refused, so stop here.
    mov eax, 7
    xor ecx, ecx
    cpuid
    test edx, 1 << 29
    jz .no_arch_caps
    mov ecx, 0x10a
    rdmsr
    shr eax, 21
    and al, 1
    mov esi, msg_arch_caps
    call report_al
    mov ecx, 0xbd
    rdmsr
    and al, 1
    mov esi, msg_xapic_disabled
    call report_al
    jmp .finish
.no_arch_caps:
    mov esi, msg_no_arch_caps
    call serial_puts

    ; 5. With x2apic=on the LAPIC starts in x2APIC mode: leave it (disabled), come back in xAPIC
    ;    mode (SDM 11.12.5), and the xAPIC ID read at 0xFEE00020 is the APIC ID from CPUID.
    mov ecx, MSR_APIC_BASE
    rdmsr
    test eax, 1 << 10
    jz .no_x2apic
    mov [apic_base], eax
    and eax, ~((1 << 10) | (1 << 11))   ; disabled
    wrmsr
    mov eax, [apic_base]
    and eax, ~(1 << 10)                 ; xAPIC
    wrmsr
    mov eax, 1
    cpuid
    shr ebx, 24
    mov eax, [XAPIC_ID]
    shr eax, 24
    cmp eax, ebx
    sete al
    mov esi, msg_back_to_xapic
    call report_al
    jmp .finish
.no_x2apic:
    mov esi, msg_no_x2apic
    call serial_puts
.finish:
    mov al, [failures]
    out 0xf4, al
    ret

; 2 MiB pages identity-mapping the first 1 GiB (PDPTE 0 only); PDPTEs 1-3 not present.
build_pae_tables:
    mov edi, PDPT
    xor eax, eax
    mov ecx, 2 * 4096 / 4
    rep stosd
    mov dword [PDPT], PD0 | 1           ; PAE PDPTEs: P only (bits 1, 2, 5-8 reserved, SDM 4.4.1)
    xor ecx, ecx
.pde:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                        ; P, R/W, PS
    mov [PD0 + ecx * 8], eax
    mov dword [PD0 + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 512
    jb .pde
    ret

db_handler:                             ; records the EIP of the first #DB after CPUID
    push eax
    mov eax, [esp + 4]                  ; the saved EIP
    cmp dword [db_count], 0
    jne .more
    cmp eax, cpuid_insn
    jbe .more                           ; the one after the NOP (before CPUID) does not count
    mov [db_eip_first_after_cpuid], eax
    inc dword [db_count]
.more:
    pop eax
    iret

section .data
align 8
idt_desc:
    dw 32 * 8 - 1
    dd idt
align 4
db_count:                 dd 0
db_eip_first_after_cpuid: dd 0
apic_base:                dd 0
pae_probe:                dd 0
adj0:                     dq 0
tsc1:                     dq 0

msg_prefix:        db "cpu_state: ", 0
msg_tf:            db "single-stepping over an exiting CPUID raises #DB right after it", 0
msg_tsc_read:      db "IA32_TSC reads the TSC", 0
msg_tsc_adjust:    db "a write of IA32_TSC moves IA32_TSC_ADJUST by the same amount", 0
msg_tsc_back:      db "writing IA32_TSC_ADJUST back moves the TSC back", 0
msg_pae:           db "PAE paging turned on by an exiting CR0 write uses the loaded PDPTEs", 0
msg_back_to_xapic: db "x2APIC -> disabled -> xAPIC: the xAPIC ID reads through the APIC page", 0
msg_arch_caps:      db "IA32_ARCH_CAPABILITIES offered, bit 21 (XAPIC_DISABLE_STATUS) set", 0
msg_xapic_disabled: db "IA32_XAPIC_DISABLE_STATUS says LEGACY_XAPIC_DISABLED", 0
msg_no_arch_caps:   db "cpu_state: IA32_ARCH_CAPABILITIES not offered", 10, 0
msg_no_x2apic:     db "cpu_state: the LAPIC did not start in x2APIC mode: no way back to test", 10, 0

section .bss
align 8
idt: resb 32 * 8
