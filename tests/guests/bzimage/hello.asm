; A minimal "bzImage" for the Linux boot-protocol loader (vmm/linux_boot.c): a setup header as
; Documentation/arch/x86/boot.rst describes it (protocol 2.15, relocatable, XLF_KERNEL_64), one
; setup sector, and a protected-mode part whose 64-bit entry (load address + 0x200) checks what the
; 64-bit boot protocol promises: long mode with paging, CS = __BOOT_CS (0x10), DS = __BOOT_DS
; (0x18), interrupts off, RSI = boot_params with the setup header copied ("HdrS"), type_of_loader
; set, an e820 map, and the command line.  Prints "bzimage: ..." lines on COM1 and powers off with
; the number of failed checks through port 0xf4.  Assembled with nasm -f bin.
bits 16
org 0

SETUP_SECTS equ 1
BP_E820_ENTRIES equ 0x1e8
BP_HDR_MAGIC    equ 0x202
BP_LOADER_TYPE  equ 0x210
BP_CMD_LINE_PTR equ 0x228
BP_E820_TABLE   equ 0x2d0

boot_sector:
    times 0x1f1 - ($ - $$) db 0
hdr:
    db SETUP_SECTS                  ; 0x1f1 setup_sects
    dw 0                            ; 0x1f2 root_flags
    dd 0                            ; 0x1f4 syssize (unused here)
    dw 0                            ; 0x1f8 ram_size
    dw 0                            ; 0x1fa vid_mode
    dw 0                            ; 0x1fc root_dev
    dw 0xaa55                       ; 0x1fe boot_flag
    db 0xeb, hdr_end - 0x202        ; 0x200 jump: its offset byte gives the header's end
    db "HdrS"                       ; 0x202 header
    dw 0x020f                       ; 0x206 version 2.15
    dd 0                            ; 0x208 realmode_swtch
    dw 0                            ; 0x20c start_sys_seg
    dw 0                            ; 0x20e kernel_version
    db 0                            ; 0x210 type_of_loader (the loader's)
    db 1                            ; 0x211 loadflags: LOADED_HIGH
    dw 0                            ; 0x212 setup_move_size
    dd 0x100000                     ; 0x214 code32_start
    dd 0                            ; 0x218 ramdisk_image
    dd 0                            ; 0x21c ramdisk_size
    dd 0                            ; 0x220 bootsect_kludge
    dw 0                            ; 0x224 heap_end_ptr
    db 0                            ; 0x226 ext_loader_ver
    db 0                            ; 0x227 ext_loader_type
    dd 0                            ; 0x228 cmd_line_ptr
    dd 0x7fffffff                   ; 0x22c initrd_addr_max
    dd 0x200000                     ; 0x230 kernel_alignment
    db 1                            ; 0x234 relocatable_kernel
    db 21                           ; 0x235 min_alignment (2 MiB)
    dw 1                            ; 0x236 xloadflags: XLF_KERNEL_64
    dd 255                          ; 0x238 cmdline_size
    dd 0                            ; 0x23c hardware_subarch
    dq 0                            ; 0x240 hardware_subarch_data
    dd 0                            ; 0x248 payload_offset
    dd 0                            ; 0x24c payload_length
    dq 0                            ; 0x250 setup_data
    dq 0x1000000                    ; 0x258 pref_address (16 MiB)
    dd 0x200000                     ; 0x260 init_size
    dd 0                            ; 0x264 handover_offset
    dd 0                            ; 0x268 kernel_info_offset
hdr_end:
    times (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

; --- the protected-mode kernel: loaded at some address K; nothing here depends on K --------------
bits 32
pm_start:
    hlt                             ; the 32-bit entry: not used for this image
    jmp pm_start
    times 0x200 - ($ - pm_start) db 0

bits 64
startup_64:                         ; K + 0x200
    lea rsp, [rel stack_top]        ; the protocol gives no stack: the kernel brings its own
    mov rbx, rsi                    ; boot_params
    xor r15d, r15d                  ; failures
    lea rsi, [rel msg_start]
    call puts
    mov ax, cs
    cmp ax, 0x10
    lea rsi, [rel msg_cs]
    call check_eq
    mov ax, ds
    cmp ax, 0x18
    lea rsi, [rel msg_ds]
    call check_eq
    pushfq
    pop rax
    test eax, 1 << 9
    setz al
    cmp al, 1
    lea rsi, [rel msg_if]
    call check_eq
    cmp dword [rbx + BP_HDR_MAGIC], 'HdrS'
    lea rsi, [rel msg_hdr]
    call check_eq
    cmp byte [rbx + BP_LOADER_TYPE], 0
    setne al
    cmp al, 1
    lea rsi, [rel msg_loader]
    call check_eq
    cmp byte [rbx + BP_E820_ENTRIES], 0
    setne al
    cmp al, 1
    lea rsi, [rel msg_e820]
    call check_eq
    lea rsi, [rel msg_cmdline]
    call puts
    mov esi, [rbx + BP_CMD_LINE_PTR]
    call puts                       ; the command line, through the identity map
    lea rsi, [rel msg_nl]
    call puts
    mov eax, r15d
    out 0xf4, al
.hang:
    hlt
    jmp .hang

check_eq:                           ; ZF from the caller's compare; rsi = what
    jz .ok
    inc r15d
    push rsi
    lea rsi, [rel msg_fail]
    call puts
    pop rsi
    jmp puts_nl
.ok:
    push rsi
    lea rsi, [rel msg_ok]
    call puts
    pop rsi
puts_nl:
    call puts
    lea rsi, [rel msg_nl]
    jmp puts

puts:                               ; rsi = NUL-terminated string
    mov dx, 0x3f8
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

msg_start:   db "bzimage: 64-bit entry reached", 10, 0
msg_ok:      db "bzimage: ok: ", 0
msg_fail:    db "bzimage: FAIL: ", 0
msg_cs:      db "CS is __BOOT_CS", 0
msg_ds:      db "DS is __BOOT_DS", 0
msg_if:      db "interrupts are off", 0
msg_hdr:     db "RSI points at boot_params with the setup header", 0
msg_loader:  db "type_of_loader is set", 0
msg_e820:    db "boot_params has an e820 map", 0
msg_cmdline: db "bzimage: command line: ", 0
msg_nl:      db 10, 0

align 16
    times 1024 db 0
stack_top:
