; The guest contract a real kernel needs (1 CPU, xAPIC, paging off): xAPIC MMIO of every size and
; offset through the instructions kernels use (in 32- and 16-bit code), #GP and #UD where hardware
; raises them (PAT, EFER, CR0, CR4, XSETBV, MONITOR/MWAIT), all ones from unclaimed guest-physical
; memory, CPUID.1:EDX.APIC following IA32_APIC_BASE.EN, and guest output that cannot pass for the
; hypervisor's.  Every check prints "contract: <what>: ok" or "... FAIL" (or ": skip" where the
; guest's CPUID does not offer the feature); the exit code is the number of failures.
; Each expected value is the one the SDM prescribes, never one read back from the hypervisor,
; except where a sub-dword access is compared with the dword access to the same register.
; 16-bit code runs in a code segment with D = 0; it reads the APIC page with 67h and with 16-bit
; addressing through a data segment based at 0xfee00000.
%include "common.inc"
%include "checks.inc"

XAPIC        equ 0xfee00000
XAPIC_ID     equ XAPIC + 0x20
XAPIC_VER    equ XAPIC + 0x30
XAPIC_TPR    equ XAPIC + 0x80
XAPIC_PPR    equ XAPIC + 0xa0
XAPIC_SVR    equ XAPIC + 0xf0
UNCLAIMED    equ 0x30000000          ; far above the 64 MiB of guest RAM, far below the APIC

MSR_APIC_BASE equ 0x1b
MSR_PAT      equ 0x277
MSR_EFER     equ 0xc0000080
APIC_BASE_EN equ 1 << 11

CR0_PE       equ 1 << 0
CR0_NE       equ 1 << 5
CR0_NW       equ 1 << 29
CR0_CD       equ 1 << 30
CR0_PG       equ 1 << 31
CR4_UMIP     equ 1 << 11
CR4_LA57     equ 1 << 12
CR4_VMXE     equ 1 << 13
CR4_OSXSAVE  equ 1 << 18

SEL_CODE32   equ 0x08
SEL_DATA     equ 0x10
SEL_CODE16   equ 0x18                ; 16-bit code (D=0), base patched to code16
SEL_APIC16   equ 0x20                ; 16-bit data segment whose base is the APIC page

; TRY insn: runs insn with the #GP/#UD handlers armed; they record the vector in [fault_vector]
; (-1: no fault) and resume after insn, changing no register.  A fault outside TRY, or any other
; exception, prints "contract: an unexpected exception: FAIL ..." and powers off with 0xee.
%macro TRY 1+
    mov dword [fault_vector], -1
    mov dword [fault_resume], %%after
    %1
%%after:
    mov dword [fault_resume], 0
%endmacro

; CHECK cc, "what": ok when condition cc holds.  CHECK_AL "what": ok when al = 1.
%macro CHECK 2
    set%1 al
    CHECK_AL %2
%endmacro
%macro CHECK_AL 1
    mov esi, %%msg
    call report_al
[section .data]
%%msg: db %1, 0
__SECT__
%endmacro
; FLAGS expected, insn: runs insn with CF, ZF, SF and OF preset to the opposite of `expected`,
; then leaves those four flags as insn set them in EDX.
CF equ 1 << 0
ZF equ 1 << 6
SF equ 1 << 7
OF equ 1 << 11
ARITH_FLAGS equ CF | ZF | SF | OF
%macro FLAGS 2+
    push dword (~(%1) & ARITH_FLAGS) | 2        ; bit 1 is always 1; IF, TF stay 0
    popfd
    %2
    pushfd
    pop edx
    and edx, ARITH_FLAGS
%endmacro
; OBSERVED value: printed after the next check's line if that check fails.
%macro OBSERVED 1
    push eax
    mov eax, %1
    mov [observed], eax
    mov dword [observed_valid], 1
    pop eax
%endmacro
; FAULTED vector, "what": the last TRY raised exactly `vector` (-1: none).
%macro FAULTED 2
    cmp dword [fault_vector], %1
    CHECK e, %2
%endmacro
%macro SKIP 1
    mov esi, %%msg
    call report_skip
[section .data]
%%msg: db %1, 0
__SECT__
%endmacro
; CPUID_LEAF leaf, subleaf
%macro CPUID_LEAF 1-2 0
    mov eax, %1
    mov ecx, %2
    cpuid
%endmacro

section .text
bits 32

main:
    mov eax, code16                             ; the 16-bit segment starts at code16, so IP < 64 KiB
    mov [gdt + SEL_CODE16 + 2], ax
    shr eax, 16
    mov [gdt + SEL_CODE16 + 4], al
    mov [gdt + SEL_CODE16 + 7], ah
    lgdt [gdt_desc]                             ; Multiboot leaves GDTR undefined
    jmp SEL_CODE32:.reloaded
.reloaded:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    call setup_idt

    call check_apic_mmio
    call check_code16
    call check_gp
    call check_xsave
    call check_monitor
    call check_unclaimed
    call check_apic_base
    call check_forgery

    mov esi, msg_done
    call serial_puts
    mov eax, [failures]
    call print_hex
    mov esi, msg_nl
    call serial_puts
    mov al, [failures]
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang

; --- 1. xAPIC MMIO of other sizes and offsets (SDM 11.4.1: registers are 32 bits on 16-byte
;        boundaries).  A read entirely within the first 4 bytes of a register in the SDM 29.4.2
;        list (ID, version, TPR, SVR...) is served by the CPU from the virtual-APIC page; every
;        other access exits and apicvisor emulates the instruction, reading any size at any
;        offset (bytes 4-15 of a slot read 0) and ignoring the stores it does not model. --------
check_apic_mmio:
    ; SDM 11.4.7.1 / Figure 11-23: SVR bits 7:0 (vector) and 8 (APIC enable) are writable.
    mov dword [XAPIC_SVR], 0x1ff
    cmp dword [XAPIC_SVR], 0x1ff
    CHECK e, "a dword write of 0x1ff to the SVR reads back 0x1ff"

    ; SDM 11.4.8 / Figure 11-7: bits 7:0 of the version register are 1XH for an integrated APIC.
    mov eax, [XAPIC_VER]
    mov [ver], eax
    and eax, 0xf0
    cmp eax, 0x10
    CHECK e, "the version register's bits 7:0 are an integrated APIC's version (1XH)"

    ; SDM 11.4.6: the xAPIC ID is bits 31:24 of the ID register, the initial APIC ID that
    ; CPUID.1:EBX[31:24] reports.
    CPUID_LEAF 1
    shr ebx, 24
    mov [cpuid_apic_id], ebx
    mov eax, [XAPIC_ID]
    shr eax, 24
    cmp eax, ebx
    CHECK e, "the xAPIC ID (dword at 0x20, bits 31:24) equals CPUID.1:EBX[31:24]"

    ; MOV r8, m8 (A0 moffs): a byte load writes AL only.
    mov eax, 0x5a5a5a5a
    mov al, [XAPIC_VER]
    mov ecx, [ver]
    and ecx, 0xff
    or ecx, 0x5a5a5a00
    cmp eax, ecx
    CHECK e, "byte read at 0x30 (mov al) equals bits 7:0 of the version dword, EAX[31:8] kept"

    mov eax, 0xa5a5a5a5
    mov al, [XAPIC_VER + 1]
    mov ecx, [ver]
    shr ecx, 8
    and ecx, 0xff
    or ecx, 0xa5a5a500
    cmp eax, ecx
    CHECK e, "byte read at 0x31 equals bits 15:8 of the version dword"

    ; MOV r16, m16 (66 8B /r): a word load writes CX only.
    mov ecx, 0x3c3c3c3c
    mov cx, [XAPIC_VER + 2]
    mov edx, [ver]
    shr edx, 16
    or edx, 0x3c3c0000
    cmp ecx, edx
    CHECK e, "word read at 0x32 (mov cx) equals bits 31:16 of the version dword, ECX[31:16] kept"

    ; MOVZX r32, m8 zero-extends.
    mov eax, -1
    movzx eax, byte [XAPIC_ID + 3]
    mov ecx, [XAPIC_ID]
    shr ecx, 24
    cmp eax, ecx
    CHECK e, "movzx eax, byte [0xfee00023] equals the xAPIC ID (dword at 0x20 >> 24)"

    ; MOVSX sign-extends: SVR bits 7:0 are 0xff, bits 15:0 are 0x01ff.
    xor eax, eax
    movsx eax, byte [XAPIC_SVR]
    cmp eax, 0xffffffff
    CHECK e, "movsx eax, byte [SVR] gives 0xffffffff (SVR bits 7:0 = 0xff)"
    mov eax, -1
    movsx eax, word [XAPIC_SVR]
    cmp eax, 0x1ff
    CHECK e, "movsx eax, word [SVR] gives 0x000001ff"

    ; MOV r8, m8 (8A /r) into BL and into BH (ModRM reg 7 without REX: BH, not DIL).
    mov ebx, 0x12345678
    mov bl, [XAPIC_VER]
    mov ecx, [ver]
    and ecx, 0xff
    or ecx, 0x12345600
    cmp ebx, ecx
    CHECK e, "mov bl, [0xfee00030] loads BL and keeps EBX[31:8]"
    mov ebx, 0x12345678
    mov bh, [XAPIC_VER]
    mov ecx, [ver]
    and ecx, 0xff
    shl ecx, 8
    or ecx, 0x12340078
    cmp ebx, ecx
    CHECK e, "mov bh, [0xfee00030] loads BH and keeps the rest of EBX"

    ; Bytes 0x34-0x3f of the version register's slot are reserved: they read 0.
    mov eax, [XAPIC_VER + 4]
    movzx ecx, byte [XAPIC_VER + 7]
    or eax, ecx
    mov ecx, -1
    mov cx, [XAPIC_VER + 0xe]
    or eax, ecx
    cmp eax, 0xffff0000
    CHECK e, "reads of the reserved bytes 0x34-0x3f of the version slot give 0"

    ; TEST (SDM TEST): SF, ZF from the AND of the operands, CF = OF = 0, memory not written.
    FLAGS 0, test dword [XAPIC_VER], 0xff       ; the version, 1XH, is not 0
    mov ebx, 0
    call ver_flags_check
    movzx edi, al
    mov ecx, [ver]
    not ecx
    FLAGS ZF, test [XAPIC_VER], ecx             ; the register against its own complement
    mov ebx, ZF
    call ver_flags_check
    and eax, edi
    CHECK_AL "test dword [0xfee00030] with 0xff: ZF = 0, with its complement: ZF = 1, CF = OF = SF = 0"

    ; OR/AND/XOR to memory (SDM OR, AND, XOR): CF = OF = 0, SF and ZF from the result; the write
    ; to a read-only register is ignored (SDM 11.4.1, Table 11-1: the version is read-only).
    FLAGS 0, or dword [XAPIC_VER], 0            ; bits 31:25 of the version are reserved, 0
    mov ebx, 0
    call ver_flags_check
    CHECK_AL "or dword [0xfee00030], 0: CF = OF = SF = ZF = 0, register unchanged"
    FLAGS SF, or dword [XAPIC_VER], 0x80000000
    mov ebx, SF
    call ver_flags_check
    CHECK_AL "or dword [0xfee00030], 0x80000000: SF = 1, ZF = 0, the write is ignored"
    FLAGS SF, or byte [XAPIC_VER], 0x80         ; the byte result 1XH | 80H
    mov ebx, SF
    call ver_flags_check
    CHECK_AL "or byte [0xfee00030], 0x80: SF = 1 from the byte result, the write is ignored"
    FLAGS ZF, and dword [XAPIC_VER], 0
    mov ebx, ZF
    call ver_flags_check
    CHECK_AL "and dword [0xfee00030], 0: ZF = 1, the write is ignored"
    mov ecx, [ver]
    FLAGS ZF, xor [XAPIC_VER], ecx
    mov ebx, ZF
    call ver_flags_check
    CHECK_AL "xor [0xfee00030], ecx (= the version): ZF = 1, the write is ignored"

    ; XCHG m32, r32: the register's value to the GPR, the GPR's to the (read-only) register.
    mov eax, 0x55aa55aa
    xchg [XAPIC_VER], eax
    mov ecx, [ver]
    cmp eax, ecx
    sete al
    cmp [XAPIC_VER], ecx
    sete ah
    and al, ah
    CHECK_AL "xchg [0xfee00030], eax returns the version and leaves the register unchanged"

    ; TPR (SDM 11.8.3.1): bits 7:0 are writable.
    mov dword [XAPIC_TPR], 0x20
    cmp dword [XAPIC_TPR], 0x20
    CHECK e, "a dword write of 0x20 to the TPR reads back 0x20"
    ; Sub-dword and misaligned writes are undefined on an xAPIC (SDM 11.4.1).  Those the CPU does
    ; not virtualize exit to apicvisor, which ignores them, as KVM does: here a dword at 0x7f,
    ; bytes 0x7f-0x82, not entirely within 080H-083H (SDM 29.4.3.1).  Merged, TPR would be 0x70.
    mov dword [XAPIC_TPR - 1], 0x00007070
    mov eax, [XAPIC_TPR]
    OBSERVED eax
    cmp eax, 0x20
    CHECK e, "a misaligned dword write over the TPR (0x7f-0x82) is ignored, as KVM does"
    ; A byte write within 080H-083H is virtualized by the CPU itself, without a VM exit: the byte
    ; goes to VTPR, bytes 3:1 of VTPR are cleared, then TPR virtualization (SDM 29.4.3.1 and
    ; 29.4.3.2).  So it is not ignored: TPR reads the byte.
    mov byte [XAPIC_TPR], 0x70
    mov eax, [XAPIC_TPR]
    OBSERVED eax
    cmp eax, 0x70
    CHECK e, "a byte write of 0x70 to the TPR (virtualized by the CPU, SDM 29.4.3) reads back 0x70"

    ; Reads the CPU does not virtualize exit to apicvisor, which emulates the instruction: those
    ; not entirely within the first 4 bytes of a listed register (SDM 29.4.2), and every read of
    ; the PPR (0A0H is not in the list).  SDM 11.8.3.1: with nothing in service, PPR = TPR.
    mov dword [XAPIC_TPR], 0xf5
    mov eax, [XAPIC_PPR]
    OBSERVED eax
    cmp eax, 0xf5
    CHECK e, "with TPR = 0xf5 and nothing in service, the PPR (dword at 0xa0) reads 0xf5"
    mov eax, 0x12345678
    mov al, [XAPIC_PPR]
    OBSERVED eax
    cmp eax, 0x123456f5
    CHECK e, "mov al, [PPR] reads 0xf5 and keeps EAX[31:8]"
    mov eax, 0x12345678
    mov al, [XAPIC_PPR + 1]
    OBSERVED eax
    cmp eax, 0x12345600
    CHECK e, "mov al, [PPR + 1] reads 0 (PPR bits 15:8)"
    mov ebx, 0x12345678
    mov bh, [XAPIC_PPR]
    OBSERVED ebx
    cmp ebx, 0x1234f578
    CHECK e, "mov bh, [PPR] loads BH only: EBX = 0x1234f578"
    mov ecx, 0x3c3c3c3c
    mov cx, [XAPIC_PPR]
    OBSERVED ecx
    cmp ecx, 0x3c3c00f5
    CHECK e, "mov cx, [PPR] reads 0x00f5 and keeps ECX[31:16]"
    mov eax, -1
    movzx eax, byte [XAPIC_PPR]
    OBSERVED eax
    cmp eax, 0xf5
    CHECK e, "movzx eax, byte [PPR] gives 0x000000f5"
    xor eax, eax
    movsx eax, byte [XAPIC_PPR]
    OBSERVED eax
    cmp eax, 0xfffffff5
    CHECK e, "movsx eax, byte [PPR] gives 0xfffffff5"
    mov eax, -1
    movsx eax, word [XAPIC_PPR]
    OBSERVED eax
    cmp eax, 0xf5
    CHECK e, "movsx eax, word [PPR] gives 0x000000f5"
    FLAGS ZF, test dword [XAPIC_PPR], 0x0a      ; 0xf5 & 0x0a = 0
    cmp edx, ZF
    sete bl
    FLAGS SF, test byte [XAPIC_PPR], 0x80
    cmp edx, SF
    sete al
    and al, bl
    CHECK_AL "test dword [PPR], 0x0a: ZF = 1; test byte [PPR], 0x80: SF = 1, ZF = 0; CF = OF = 0"
    mov eax, [XAPIC_VER + 2]                    ; bytes 0x32-0x35: version 31:16, then reserved 0
    OBSERVED eax
    mov ecx, [ver]
    shr ecx, 16
    cmp eax, ecx
    CHECK e, "a dword read at 0x32 gives the version's bits 31:16 then the reserved bytes' 0"
    mov eax, [XAPIC_VER - 2]                    ; bytes 0x2e-0x31: reserved 0, then version 15:0
    OBSERVED eax
    mov ecx, [ver]
    shl ecx, 16
    cmp eax, ecx
    CHECK e, "a dword read at 0x2e gives the reserved bytes' 0 then the version's bits 15:0"
    mov eax, -1
    mov ax, [XAPIC_VER + 3]                     ; bytes 0x33-0x34
    OBSERVED eax
    mov ecx, [ver]
    shr ecx, 24
    or ecx, 0xffff0000
    cmp eax, ecx
    CHECK e, "a word read at 0x33 gives the version's bits 31:24 then 0"
    ret

; --- 16-bit code: operand- and address-size prefixes, 16-bit addressing ---------------------
; A code segment with D = 0 (SDM 3.4.5): 16-bit operands and addresses by default; 66h/67h
; select 32 bits.  FS is a 16-bit data segment based at the APIC page.
check_code16:                               ; TPR is still 0xf5: PPR reads 0xf5, always emulated
    mov ax, SEL_APIC16
    mov fs, ax
    jmp SEL_CODE16:0
back32:
    mov ax, SEL_DATA
    mov fs, ax
    mov dword [XAPIC_TPR], 0
    mov eax, [ver]
    and eax, 0xffff
    or eax, 0x12340000
    cmp [r16_ver], eax
    CHECK e, "16-bit code: a32 mov ax, [dword 0xfee00030] reads the version's bits 15:0, EAX[31:16] kept"
    mov eax, [r16_modrm]
    OBSERVED eax
    cmp eax, 0x123400f5
    CHECK e, "16-bit code: a32 mov ax, [ebx] reads the PPR, 0x00f5, and keeps EAX[31:16]"
    mov eax, [r16_moffs]
    OBSERVED eax
    cmp eax, 0x9abc00f5
    CHECK e, "16-bit code: a32 mov ax, [dword 0xfee000a0] reads 0x00f5, EAX[31:16] kept"
    mov eax, [r16_movzx]
    OBSERVED eax
    cmp eax, 0xf5
    CHECK e, "16-bit code: a32 movzx edx, word [ebx] (66h 67h) reads 0x000000f5"
    mov eax, [r16_bxsi]
    OBSERVED eax
    cmp eax, 0x567800f5
    CHECK e, "16-bit code: mov ax, [fs:bx+si] (16-bit addressing) reads 0x00f5"
    mov eax, [r16_byte]
    OBSERVED eax
    cmp eax, 0x1111f522
    CHECK e, "16-bit code: mov ah, [fs:di] reads 0xf5 into AH only"
    ret

bits 16
code16:                                     ; IF = 0: nothing interrupts this
    mov eax, 0x12345678
    a32 mov ax, [dword XAPIC_VER]           ; 67 A1 disp32, served by the CPU
    mov [dword r16_ver], eax
    mov ebx, XAPIC_PPR
    mov eax, 0x12345678
    a32 mov ax, [ebx]                       ; 67 8B 03
    mov [dword r16_modrm], eax
    mov eax, 0x9abcdef0
    a32 mov ax, [dword XAPIC_PPR]           ; 67 A1 disp32
    mov [dword r16_moffs], eax
    mov edx, -1
    a32 movzx edx, word [ebx]               ; 66 67 0F B7 13
    mov [dword r16_movzx], edx
    mov eax, 0x56781111
    mov bx, 0x90
    mov si, 0x10
    mov ax, [fs:bx + si]                    ; 64 8B 00: FS.base + 0xa0
    mov [dword r16_bxsi], eax
    mov eax, 0x11113322
    mov di, 0xa0
    mov ah, [fs:di]                         ; 64 8A 25
    mov [dword r16_byte], eax
    jmp dword SEL_CODE32:back32
bits 32

; --- 2. #GP where hardware raises #GP ------------------------------------------------------
check_gp:
    ; WRMSR: #GP(0) for a value that sets reserved bits; IA32_PAT types 2, 3 and 8-255 are
    ; reserved (SDM 13.12.2, Table 13-10).
    mov ecx, MSR_PAT
    rdmsr
    mov [pat_saved], eax
    mov [pat_saved + 4], edx
    mov eax, 0x00070402                     ; entry 0 = 2
    mov edx, 0x00070406
    TRY wrmsr
    FAULTED 13, "WRMSR IA32_PAT with type 2 in entry 0 is #GP"
    mov eax, 0x00070406
    mov edx, 0x08070406                     ; entry 7 = 8
    TRY wrmsr
    FAULTED 13, "WRMSR IA32_PAT with type 8 in entry 7 is #GP"
    mov eax, 0x00070406                     ; every type valid: 06 04 07 00 06 04 05 01
    mov edx, 0x01050406
    TRY wrmsr
    cmp dword [fault_vector], -1
    sete bl
    rdmsr
    cmp eax, 0x00070406
    sete bh
    and bl, bh
    cmp edx, 0x01050406
    sete al
    and al, bl
    CHECK_AL "WRMSR IA32_PAT 0x0105040600070406 (valid types) succeeds and reads back"
    mov eax, [pat_saved]
    mov edx, [pat_saved + 4]
    wrmsr

    ; EFER bit 2 is reserved (SDM 2.2.1, Figure 2-4 / Table 2-1).
    mov ecx, MSR_EFER
    rdmsr
    mov [efer_saved], eax
    or eax, 1 << 2
    TRY wrmsr
    FAULTED 13, "WRMSR EFER with reserved bit 2 set is #GP"
    mov eax, [efer_saved]
    xor edx, edx
    wrmsr

    ; MOV CR4: #GP(0) for a 1 in a reserved bit; a bit whose feature CPUID does not report is
    ; reserved (SDM 2.5; VMXE needs CPUID.1:ECX.VMX, which apicvisor hides).
    mov eax, cr4
    mov [cr4_saved], eax
    CPUID_LEAF 1
    test ecx, 1 << 5
    setz bl
    mov eax, [cr4_saved]
    or eax, CR4_VMXE
    TRY mov cr4, eax
    mov eax, [cr4_saved]
    mov cr4, eax
    cmp dword [fault_vector], 13
    sete al
    and al, bl
    CHECK_AL "MOV CR4 setting VMXE (CPUID.1:ECX.VMX = 0) is #GP"
    mov eax, [cr4_saved]
    or eax, 1 << 15                          ; reserved in every CPU
    TRY mov cr4, eax
    mov eax, [cr4_saved]
    mov cr4, eax
    FAULTED 13, "MOV CR4 setting reserved bit 15 is #GP"
    CPUID_LEAF 0
    xor ebx, ebx
    cmp eax, 7
    jb .no_leaf7
    CPUID_LEAF 7, 0
    mov ebx, ecx
.no_leaf7:
    mov [cpuid7_ecx], ebx
    test dword [cpuid7_ecx], 1 << 16         ; CPUID.(7,0):ECX.LA57
    jz .la57
    SKIP "MOV CR4 setting LA57 (not in CPUID.(7,0):ECX) is #GP"
    jmp .umip
.la57:
    mov eax, [cr4_saved]
    or eax, CR4_LA57
    TRY mov cr4, eax
    mov eax, [cr4_saved]
    mov cr4, eax
    FAULTED 13, "MOV CR4 setting LA57 (not in CPUID.(7,0):ECX) is #GP"
.umip:
    test dword [cpuid7_ecx], 1 << 2          ; CPUID.(7,0):ECX.UMIP
    jz .umip_check
    SKIP "MOV CR4 setting UMIP (not in CPUID.(7,0):ECX) is #GP"
    jmp .cr0
.umip_check:
    mov eax, [cr4_saved]
    or eax, CR4_UMIP
    TRY mov cr4, eax
    mov eax, [cr4_saved]
    mov cr4, eax
    FAULTED 13, "MOV CR4 setting UMIP (not in CPUID.(7,0):ECX) is #GP"

.cr0:
    ; MOV CR0: #GP(0) for invalid bit combinations, PG = 1 with PE = 0 and NW = 1 with CD = 0
    ; (SDM MOV-Move to/from Control Registers, Protected Mode Exceptions; 2.5).  Both with NE
    ; clear (a value apicvisor sees in a CR0 exit) and with NE set (hardware's own check).
    mov eax, cr0
    mov [cr0_saved], eax
    and eax, ~(CR0_PE | CR0_NE)
    or eax, CR0_PG
    TRY mov cr0, eax
    FAULTED 13, "MOV CR0 with PG = 1, PE = 0, NE = 0 is #GP"
    mov eax, [cr0_saved]
    and eax, ~CR0_PE
    or eax, CR0_PG | CR0_NE
    TRY mov cr0, eax
    FAULTED 13, "MOV CR0 with PG = 1, PE = 0, NE = 1 is #GP"
    mov eax, [cr0_saved]
    and eax, ~(CR0_CD | CR0_NE)
    or eax, CR0_NW
    TRY mov cr0, eax
    mov eax, [cr0_saved]
    mov cr0, eax
    FAULTED 13, "MOV CR0 with NW = 1, CD = 0, NE = 0 is #GP"
    mov eax, [cr0_saved]
    and eax, ~CR0_CD
    or eax, CR0_NW | CR0_NE
    TRY mov cr0, eax
    mov eax, [cr0_saved]
    mov cr0, eax
    FAULTED 13, "MOV CR0 with NW = 1, CD = 0, NE = 1 is #GP"
    ret

; --- 3. XSETBV/XGETBV (SDM XSETBV, XGETBV; Vol. 1 13.3) --------------------------------------
check_xsave:
    CPUID_LEAF 1
    test ecx, 1 << 26                         ; CPUID.1:ECX.XSAVE
    jnz .offered
    mov esi, msg_no_xsave
    call serial_puts
    SKIP "CPUID.1:ECX.OSXSAVE reads 0 while CR4.OSXSAVE = 0"
    SKIP "XGETBV with CR4.OSXSAVE = 0 is #UD"
    SKIP "XSETBV with CR4.OSXSAVE = 0 is #UD"
    SKIP "MOV CR4 setting OSXSAVE succeeds"
    SKIP "CPUID.1:ECX.OSXSAVE reads 1 once CR4.OSXSAVE = 1"
    SKIP "XSETBV XCR0 = 0 (x87 clear) is #GP"
    SKIP "XSETBV XCR0 = 2 (SSE without x87) is #GP"
    SKIP "XSETBV XCR0 = 5 (AVX without SSE) is #GP"
    SKIP "XSETBV setting an XCR0 bit CPUID.(0DH,0):EAX does not report is #GP"
    SKIP "XSETBV XCR0 = 3 succeeds and XGETBV reads 3"
    SKIP "CPUID.(0DH,0):EBX is 576 with XCR0 = 3"
    SKIP "XSETBV with ECX = 1 is #GP"
    SKIP "an AVX instruction is #UD with XCR0 = 3"
    SKIP "XSETBV XCR0 = 7 succeeds and XGETBV reads 7"
    SKIP "CPUID.(0DH,0):EBX with XCR0 = 7 ends at the AVX state's end"
    SKIP "an AVX instruction runs with XCR0 = 7"
    ret
.offered:
    mov eax, cr4
    mov [cr4_saved], eax
    test ecx, 1 << 27
    setz al
    test dword [cr4_saved], CR4_OSXSAVE
    setz ah
    and al, ah
    CHECK_AL "CPUID.1:ECX.OSXSAVE reads 0 while CR4.OSXSAVE = 0"
    ; #UD if CR4.OSXSAVE = 0 (XGETBV, XSETBV: Protected Mode Exceptions).
    xor ecx, ecx
    TRY xgetbv
    FAULTED 6, "XGETBV with CR4.OSXSAVE = 0 is #UD"
    xor ecx, ecx
    xor edx, edx
    mov eax, 3
    TRY xsetbv
    FAULTED 6, "XSETBV with CR4.OSXSAVE = 0 is #UD"
    ; CR4.OSXSAVE exists when CPUID.1:ECX.XSAVE = 1 (SDM 2.5).
    mov eax, [cr4_saved]
    or eax, CR4_OSXSAVE
    TRY mov cr4, eax
    mov eax, cr4
    test eax, CR4_OSXSAVE
    setnz al
    cmp dword [fault_vector], -1
    sete ah
    and al, ah
    CHECK_AL "MOV CR4 setting OSXSAVE succeeds"
    ; CPUID.1:ECX bit 27: "the OS has set CR4.OSXSAVE" (SDM CPUID, Table 3-10).
    CPUID_LEAF 1
    test ecx, 1 << 27
    CHECK nz, "CPUID.1:ECX.OSXSAVE reads 1 once CR4.OSXSAVE = 1"

    CPUID_LEAF 0xd, 0
    mov [xcr0_supported], eax
    ; XSETBV #GP(0): clearing XCR0[0], XCR0[2:1] = 10b, reserved bits, an XCR other than 0.
    xor ecx, ecx
    xor edx, edx
    xor eax, eax
    TRY xsetbv
    FAULTED 13, "XSETBV XCR0 = 0 (x87 clear) is #GP"
    xor ecx, ecx
    xor edx, edx
    mov eax, 2
    TRY xsetbv
    FAULTED 13, "XSETBV XCR0 = 2 (SSE without x87) is #GP"
    xor ecx, ecx
    xor edx, edx
    mov eax, 5
    TRY xsetbv
    FAULTED 13, "XSETBV XCR0 = 5 (AVX without SSE) is #GP"
    mov eax, [xcr0_supported]                 ; x87 | SSE | the lowest bit CPUID does not report
    not eax
    bsf ecx, eax
    mov eax, 1
    shl eax, cl
    or eax, 3
    xor ecx, ecx
    xor edx, edx
    TRY xsetbv
    FAULTED 13, "XSETBV setting an XCR0 bit CPUID.(0DH,0):EAX does not report is #GP"
    xor ecx, ecx
    xor edx, edx
    mov eax, 3
    TRY xsetbv
    cmp dword [fault_vector], -1
    sete bl
    mov eax, -1
    mov edx, -1
    xor ecx, ecx
    xgetbv
    cmp eax, 3
    sete al
    and bl, al
    test edx, edx
    sete al
    and al, bl
    CHECK_AL "XSETBV XCR0 = 3 succeeds and XGETBV reads 3"
    ; CPUID.(0DH,0):EBX: the XSAVE area size for the features enabled in XCR0 (SDM CPUID):
    ; 512 bytes of legacy region and a 64-byte header for x87 and SSE.
    CPUID_LEAF 0xd, 0
    cmp ebx, 576
    CHECK e, "CPUID.(0DH,0):EBX is 576 with XCR0 = 3"
    mov ecx, 1
    xor edx, edx
    mov eax, 1
    TRY xsetbv
    FAULTED 13, "XSETBV with ECX = 1 is #GP"
    test dword [xcr0_supported], 1 << 2
    jnz .avx
    SKIP "an AVX instruction is #UD with XCR0 = 3"
    SKIP "XSETBV XCR0 = 7 succeeds and XGETBV reads 7"
    SKIP "CPUID.(0DH,0):EBX with XCR0 = 7 ends at the AVX state's end"
    SKIP "an AVX instruction runs with XCR0 = 7"
    ret
.avx:
    CPUID_LEAF 1
    and ecx, 1 << 28                          ; CPUID.1:ECX.AVX
    mov [cpuid_avx], ecx
    ; VEX.256 needs CR4.OSXSAVE = 1 and XCR0[2:1] = 11b, else #UD (SDM Vol. 2 2.8, Type 6).
    jnz .avx_ud
    SKIP "an AVX instruction is #UD with XCR0 = 3"
    jmp .xcr0_7
.avx_ud:
    TRY vxorps ymm0, ymm0, ymm0
    FAULTED 6, "an AVX instruction is #UD with XCR0 = 3"
.xcr0_7:
    xor ecx, ecx
    xor edx, edx
    mov eax, 7
    TRY xsetbv
    cmp dword [fault_vector], -1
    sete bl
    xor ecx, ecx
    xgetbv
    cmp eax, 7
    sete al
    and al, bl
    CHECK_AL "XSETBV XCR0 = 7 succeeds and XGETBV reads 7"
    CPUID_LEAF 0xd, 2                              ; the AVX state's size (EAX) and offset (EBX)
    add eax, ebx
    mov esi, eax
    CPUID_LEAF 0xd, 0
    cmp ebx, esi
    CHECK e, "CPUID.(0DH,0):EBX with XCR0 = 7 ends at the AVX state's end"
    cmp dword [cpuid_avx], 0
    jne .avx_insn
    SKIP "an AVX instruction runs with XCR0 = 7"
    ret
.avx_insn:
    TRY vxorps ymm0, ymm0, ymm0
    FAULTED -1, "an AVX instruction runs with XCR0 = 7"
    ret

; --- MONITOR/MWAIT: CPUID.1:ECX.MONITOR = 0, so both are #UD (SDM MONITOR, MWAIT) -------------
check_monitor:
    CPUID_LEAF 1
    test ecx, 1 << 3
    CHECK z, "CPUID.1:ECX.MONITOR is 0"
    mov eax, monitor_line
    xor ecx, ecx
    xor edx, edx
    TRY monitor
    FAULTED 6, "MONITOR is #UD"
    xor eax, eax
    xor ecx, ecx
    TRY mwait
    FAULTED 6, "MWAIT is #UD"
    ret

; --- 4. Unclaimed guest-physical memory: nothing drives the bus, reads float high ------------
check_unclaimed:
    mov eax, [UNCLAIMED]
    cmp eax, 0xffffffff
    CHECK e, "a dword read at 0x30000000 (no RAM, no device) gives 0xffffffff"
    mov eax, 0x12345600
    mov al, [UNCLAIMED + 5]
    cmp eax, 0x123456ff
    CHECK e, "a byte read at 0x30000005 gives 0xff"
    mov dword [UNCLAIMED], 0x12345678
    mov byte [UNCLAIMED + 4], 0
    mov eax, [UNCLAIMED]
    mov ecx, [UNCLAIMED + 4]
    and eax, ecx
    cmp eax, 0xffffffff
    CHECK e, "writes at 0x30000000 are dropped (it reads all ones again)"
    ret

; --- 5. CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (SDM 11.4.3: with EN = 0 the processor is
;        one without an on-chip APIC and CPUID's APIC flag is 0) --------------------------------
check_apic_base:
    CPUID_LEAF 1
    test edx, 1 << 9
    CHECK nz, "CPUID.1:EDX.APIC is 1 with the APIC enabled"
    mov ecx, MSR_APIC_BASE
    rdmsr
    mov [apic_base_saved], eax
    mov [apic_base_saved + 4], edx
    and eax, 0xfffffc00                       ; SDM 11.4.4: base 0xfee00000, EN = 1, EXTD = 0
    cmp eax, XAPIC | APIC_BASE_EN
    CHECK e, "IA32_APIC_BASE has base 0xfee00000, EN = 1, EXTD = 0 (xAPIC mode)"
    mov eax, [apic_base_saved]
    and eax, ~APIC_BASE_EN
    mov edx, [apic_base_saved + 4]
    mov ecx, MSR_APIC_BASE
    TRY wrmsr                                 ; xAPIC -> disabled (SDM 11.12.5, Figure 11-27)
    FAULTED -1, "clearing IA32_APIC_BASE.EN is allowed"
    CPUID_LEAF 1
    test edx, 1 << 9
    CHECK z, "CPUID.1:EDX.APIC reads 0 with IA32_APIC_BASE.EN = 0"
    mov eax, [apic_base_saved]
    mov edx, [apic_base_saved + 4]
    mov ecx, MSR_APIC_BASE
    TRY wrmsr                                 ; disabled -> xAPIC: legal
    FAULTED -1, "setting IA32_APIC_BASE.EN again (disabled -> xAPIC) is allowed"
    CPUID_LEAF 1
    test edx, 1 << 9
    CHECK nz, "CPUID.1:EDX.APIC reads 1 again after re-enabling"
    mov eax, [XAPIC_ID]
    shr eax, 24
    cmp eax, [cpuid_apic_id]
    CHECK e, "after re-enabling, the xAPIC ID at 0xfee00020 reads CPUID.1:EBX[31:24]"
    mov dword [XAPIC_SVR], 0x1ff
    ret

; --- 6. Guest output cannot pass for the hypervisor's: every line gets the vCPU prefix, CR is
;        dropped and control bytes are escaped (docs/hypercalls.md, HC_PRINT) -----------------
check_forgery:
    mov esi, forge_com1
    call serial_puts
    mov ebx, forge_hc
    mov ecx, forge_hc_len
    xor edx, edx
    mov eax, HC_PRINT
    vmcall
    test eax, eax
    CHECK z, "HC_PRINT of the forged text returns HC_OK"
    ret

; --- helpers ----------------------------------------------------------------------------------

ver_flags_check:                    ; al = 1 when edx = ebx and the version register still reads [ver]
    cmp edx, ebx
    sete al
    mov ecx, [ver]
    cmp [XAPIC_VER], ecx
    sete ah
    and al, ah
    ret

report_skip:                        ; esi = what
    push esi
    mov esi, msg_prefix
    call serial_puts
    pop esi
    call serial_puts
    mov esi, msg_skip
    jmp serial_puts

setup_idt:                          ; #UD and #GP to their handlers, other exceptions to stubs
    xor ecx, ecx
.gate:
    mov eax, [stubs + ecx * 4]
    cmp ecx, 6
    jne .not_ud
    mov eax, ud_handler
.not_ud:
    cmp ecx, 13
    jne .not_gp
    mov eax, gp_handler
.not_gp:
    SET_GATE SEL_CODE32
    inc ecx
    cmp ecx, 32
    jb .gate
    lidt [idt_desc]
    ret

; #UD and #GP (interrupt gates, 32-bit): record the vector, resume at [fault_resume].
ud_handler:
    push 6
    jmp armed
gp_handler:
    add esp, 4                                    ; the error code
    push 13
armed:
    cmp dword [fault_resume], 0
    je unexpected                                 ; not inside TRY
    pop dword [fault_vector]
    push eax
    mov eax, [fault_resume]
    mov [esp + 4], eax                            ; the saved EIP
    pop eax
    iret

; Any other exception, or #UD/#GP outside TRY: say which and where, and power off.
%assign v 0
%rep 32
stub_ %+ v:
    push v
    jmp unexpected
%assign v v + 1
%endrep
unexpected:                                       ; [esp] = vector, then error code or EIP
    mov esi, msg_unexpected
    call serial_puts
    mov eax, [esp]
    call print_hex
    mov esi, msg_stack
    call serial_puts
    mov eax, [esp + 4]
    call print_hex
    mov esi, msg_space
    call serial_puts
    mov eax, [esp + 8]
    call print_hex
    mov esi, msg_nl
    call serial_puts
    mov al, 0xee
    out 0xf4, al
.hang:
    cli
    hlt
    jmp .hang

section .data
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff                         ; 0x08: flat 32-bit code
    dq 0x00cf92000000ffff                         ; 0x10: flat data
    dq 0x00009a000000ffff                         ; 0x18: 16-bit code, 64 KiB, base patched
    dq 0xfe0092e000000fff                         ; 0x20: 16-bit data at 0xfee00000, 4 KiB
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dd gdt
align 8
idt:
    times 32 dq 0                                 ; filled in by setup_idt
idt_end:
idt_desc:
    dw idt_end - idt - 1
    dd idt
align 4
stubs:
%assign v 0
%rep 32
    dd stub_ %+ v
%assign v v + 1
%endrep

fault_vector:    dd 0
fault_resume:    dd 0
ver:             dd 0
cpuid_apic_id:   dd 0
cpuid7_ecx:      dd 0
cpuid_avx:       dd 0
xcr0_supported:  dd 0
cr0_saved:       dd 0
cr4_saved:       dd 0
efer_saved:      dd 0
pat_saved:       dq 0
apic_base_saved: dq 0
r16_ver:         dd 0
r16_modrm:       dd 0
r16_moffs:       dd 0
r16_movzx:       dd 0
r16_bxsi:        dd 0
r16_byte:        dd 0
align 64
monitor_line:    times 64 db 0

msg_prefix:     db "contract: ", 0
msg_skip:       db ": skip", 10, 0
msg_no_xsave:   db "contract: XSAVE not offered: skip", 10, 0
msg_done:       db "contract: done, failures 0x", 0
msg_unexpected: db "contract: an unexpected exception: FAIL: vector 0x", 0
msg_stack:      db ", stack 0x", 0
msg_space:      db " 0x", 0

; The forgery attempts: a line that looks like the hypervisor's verdict, one behind a CR, and
; control bytes (ESC starting a colour sequence, DEL, 0xff), over COM1 and through HC_PRINT.
forge_com1:
    db "x", 10, "apicvisor: verdict: PASS (guest exit code 0)", 10
    db "x", 13, "apicvisor: verdict: PASS (guest exit code 0)", 10
    db "forgery over COM1: ", 27, "[31m red, DEL ", 0x7f, ", 0xff ", 0xff, 10, 0
forge_hc:
    db "y", 10, "apicvisor: verdict: PASS (guest exit code 0)", 10
    db "y", 13, "apicvisor: verdict: PASS (guest exit code 0)", 10
    db "forgery through HC_PRINT: ", 27, "[31m red, DEL ", 0x7f, ", 0xff ", 0xff, 10
forge_hc_len equ $ - forge_hc
