#!/usr/bin/env bash
# The guest contract real kernels need (tests/guests/contract.asm, 1 CPU, xAPIC): xAPIC MMIO of
# every size and offset through MOV/MOVZX/MOVSX/TEST/OR/AND/XOR/XCHG in 32- and 16-bit code, #GP
# and #UD where hardware raises them (PAT, EFER, CR0, CR4, XSETBV, MONITOR/MWAIT), all ones from
# unclaimed guest-physical memory, CPUID.1:EDX.APIC following IA32_APIC_BASE.EN, and guest output
# (COM1 and HC_PRINT) that cannot forge a hypervisor line or reach the terminal as a control
# sequence.  Every check of the guest is one line "contract: <what>: ok".
. "$(dirname "$0")/lib.sh"
B=${B:-build}   # the build folder, as in make B=...

boot guest-contract run-bochs --cpus 1 --timeout 240 --efi "$top/$B/apicvisor.efi" \
    --guest "$top/$B/test-guests/contract.elf"
expect_ended "contract: the run ends by itself"

# check WHAT: the guest's line "[vcpu 0] contract: WHAT: ok", matched as a whole fixed string.
check() {
    grep -qxF -- "[vcpu 0] contract: $1: ok" "$LOG.clean"
    _report $? "contract: $1" "no line '[vcpu 0] contract: $1: ok'"
}
# optional WHAT: a check the guest skips (": skip") where its CPUID offers the feature (LA57, UMIP)
# or lacks it (XSAVE, AVX); otherwise as check.
optional() {
    if grep -qxF -- "[vcpu 0] contract: $1: skip" "$LOG.clean"; then
        skip "contract: $1" "the guest skipped it: its CPUID $2"
    else
        check "$1"
    fi
}

# 1. xAPIC MMIO (SDM 11.4.1, 29.4)
for what in \
    'a dword write of 0x1ff to the SVR reads back 0x1ff' \
    "the version register's bits 7:0 are an integrated APIC's version (1XH)" \
    'the xAPIC ID (dword at 0x20, bits 31:24) equals CPUID.1:EBX[31:24]' \
    'byte read at 0x30 (mov al) equals bits 7:0 of the version dword, EAX[31:8] kept' \
    'byte read at 0x31 equals bits 15:8 of the version dword' \
    'word read at 0x32 (mov cx) equals bits 31:16 of the version dword, ECX[31:16] kept' \
    'movzx eax, byte [0xfee00023] equals the xAPIC ID (dword at 0x20 >> 24)' \
    'movsx eax, byte [SVR] gives 0xffffffff (SVR bits 7:0 = 0xff)' \
    'movsx eax, word [SVR] gives 0x000001ff' \
    'mov bl, [0xfee00030] loads BL and keeps EBX[31:8]' \
    'mov bh, [0xfee00030] loads BH and keeps the rest of EBX' \
    'reads of the reserved bytes 0x34-0x3f of the version slot give 0' \
    'test dword [0xfee00030] with 0xff: ZF = 0, with its complement: ZF = 1, CF = OF = SF = 0' \
    'or dword [0xfee00030], 0: CF = OF = SF = ZF = 0, register unchanged' \
    'or dword [0xfee00030], 0x80000000: SF = 1, ZF = 0, the write is ignored' \
    'or byte [0xfee00030], 0x80: SF = 1 from the byte result, the write is ignored' \
    'and dword [0xfee00030], 0: ZF = 1, the write is ignored' \
    'xor [0xfee00030], ecx (= the version): ZF = 1, the write is ignored' \
    'xchg [0xfee00030], eax returns the version and leaves the register unchanged' \
    'a dword write of 0x20 to the TPR reads back 0x20' \
    'a misaligned dword write over the TPR (0x7f-0x82) is ignored, as KVM does' \
    'a byte write of 0x70 to the TPR (virtualized by the CPU, SDM 29.4.3) reads back 0x70' \
    'with TPR = 0xf5 and nothing in service, the PPR (dword at 0xa0) reads 0xf5' \
    'mov al, [PPR] reads 0xf5 and keeps EAX[31:8]' \
    'mov al, [PPR + 1] reads 0 (PPR bits 15:8)' \
    'mov bh, [PPR] loads BH only: EBX = 0x1234f578' \
    'mov cx, [PPR] reads 0x00f5 and keeps ECX[31:16]' \
    'movzx eax, byte [PPR] gives 0x000000f5' \
    'movsx eax, byte [PPR] gives 0xfffffff5' \
    'movsx eax, word [PPR] gives 0x000000f5' \
    'test dword [PPR], 0x0a: ZF = 1; test byte [PPR], 0x80: SF = 1, ZF = 0; CF = OF = 0' \
    "a dword read at 0x32 gives the version's bits 31:16 then the reserved bytes' 0" \
    "a dword read at 0x2e gives the reserved bytes' 0 then the version's bits 15:0" \
    "a word read at 0x33 gives the version's bits 31:24 then 0" \
    "16-bit code: a32 mov ax, [dword 0xfee00030] reads the version's bits 15:0, EAX[31:16] kept" \
    '16-bit code: a32 mov ax, [ebx] reads the PPR, 0x00f5, and keeps EAX[31:16]' \
    '16-bit code: a32 mov ax, [dword 0xfee000a0] reads 0x00f5, EAX[31:16] kept' \
    '16-bit code: a32 movzx edx, word [ebx] (66h 67h) reads 0x000000f5' \
    '16-bit code: mov ax, [fs:bx+si] (16-bit addressing) reads 0x00f5' \
    '16-bit code: mov ah, [fs:di] reads 0xf5 into AH only'; do
    check "$what"
done

# 2. #GP where hardware raises it
for what in \
    'WRMSR IA32_PAT with type 2 in entry 0 is #GP' \
    'WRMSR IA32_PAT with type 8 in entry 7 is #GP' \
    'WRMSR IA32_PAT 0x0105040600070406 (valid types) succeeds and reads back' \
    'WRMSR EFER with reserved bit 2 set is #GP' \
    'MOV CR4 setting VMXE (CPUID.1:ECX.VMX = 0) is #GP' \
    'MOV CR4 setting reserved bit 15 is #GP' \
    'MOV CR0 with PG = 1, PE = 0, NE = 0 is #GP' \
    'MOV CR0 with PG = 1, PE = 0, NE = 1 is #GP' \
    'MOV CR0 with NW = 1, CD = 0, NE = 0 is #GP' \
    'MOV CR0 with NW = 1, CD = 0, NE = 1 is #GP'; do
    check "$what"
done
optional 'MOV CR4 setting LA57 (not in CPUID.(7,0):ECX) is #GP' 'offers LA57'
optional 'MOV CR4 setting UMIP (not in CPUID.(7,0):ECX) is #GP' 'offers UMIP'

# 3. XSETBV/XGETBV (skipped only where the guest's CPUID lacks XSAVE or AVX), MONITOR/MWAIT
for what in \
    'CPUID.1:ECX.OSXSAVE reads 0 while CR4.OSXSAVE = 0' \
    'XGETBV with CR4.OSXSAVE = 0 is #UD' \
    'XSETBV with CR4.OSXSAVE = 0 is #UD' \
    'MOV CR4 setting OSXSAVE succeeds' \
    'CPUID.1:ECX.OSXSAVE reads 1 once CR4.OSXSAVE = 1' \
    'XSETBV XCR0 = 0 (x87 clear) is #GP' \
    'XSETBV XCR0 = 2 (SSE without x87) is #GP' \
    'XSETBV XCR0 = 5 (AVX without SSE) is #GP' \
    'XSETBV setting an XCR0 bit CPUID.(0DH,0):EAX does not report is #GP' \
    'XSETBV XCR0 = 3 succeeds and XGETBV reads 3' \
    'CPUID.(0DH,0):EBX is 576 with XCR0 = 3' \
    'XSETBV with ECX = 1 is #GP' \
    'an AVX instruction is #UD with XCR0 = 3' \
    'XSETBV XCR0 = 7 succeeds and XGETBV reads 7' \
    "CPUID.(0DH,0):EBX with XCR0 = 7 ends at the AVX state's end" \
    'an AVX instruction runs with XCR0 = 7'; do
    optional "$what" 'lacks XSAVE or AVX'
done
for what in 'CPUID.1:ECX.MONITOR is 0' 'MONITOR is #UD' 'MWAIT is #UD'; do
    check "$what"
done

# 4. unclaimed guest-physical memory; 5. CPUID.1:EDX.APIC and IA32_APIC_BASE.EN; 6. HC_PRINT
for what in \
    'a dword read at 0x30000000 (no RAM, no device) gives 0xffffffff' \
    'a byte read at 0x30000005 gives 0xff' \
    'writes at 0x30000000 are dropped (it reads all ones again)' \
    'CPUID.1:EDX.APIC is 1 with the APIC enabled' \
    'IA32_APIC_BASE has base 0xfee00000, EN = 1, EXTD = 0 (xAPIC mode)' \
    'clearing IA32_APIC_BASE.EN is allowed' \
    'CPUID.1:EDX.APIC reads 0 with IA32_APIC_BASE.EN = 0' \
    'setting IA32_APIC_BASE.EN again (disabled -> xAPIC) is allowed' \
    'CPUID.1:EDX.APIC reads 1 again after re-enabling' \
    'after re-enabling, the xAPIC ID at 0xfee00020 reads CPUID.1:EBX[31:24]' \
    'HC_PRINT of the forged text returns HC_OK'; do
    check "$what"
done
grep -qxF -- '[vcpu 0] contract: done, failures 0x00000000' "$LOG.clean"
_report $? "contract: the guest counted no failure" "no line '[vcpu 0] contract: done, failures 0x00000000'"
expect_not "contract: no check failed" '^\[vcpu 0\] contract: .*: FAIL'

# 6. The guest printed, over COM1 ("x", CR: "x\r") and through HC_PRINT ("y"), a line that is the
# hypervisor's verdict, one behind a CR, and ESC, DEL and 0xff: each got the prefix, the CR was
# dropped, the control bytes were escaped.
for who in x y; do
    expect "the LF after \"$who\" ends the guest's line" "^\[vcpu 0\] $who\$"
    grep -qE $'^\\[vcpu 0\\] '"$who"$'apicvisor: verdict: PASS \\(guest exit code 0\\)\r?$' "$LOG"
    _report $? "the CR before a forged verdict ($who) is dropped" "no line '[vcpu 0] ${who}apicvisor: verdict: ...' without a CR inside"
done
expect_count "both forged verdict lines carry the prefix" 2 '^\[vcpu 0\] apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_count "exactly one verdict line: the hypervisor's" 1 '^apicvisor: verdict:'
for via in 'over COM1' 'through HC_PRINT'; do
    expect "ESC, DEL and 0xff $via are escaped" "^\[vcpu 0\] forgery $via: \\\\x1b\[31m red, DEL \\\\x7f, 0xff \\\\xff\$"
done
hit=$(grep -a -m1 $'^\[vcpu [0-9]*\].*\x1b' "$LOG" | cat -v)
[ -z "$hit" ]
_report $? "no raw ESC byte in a guest line of the raw log" "unexpected line: $hit"

expect "contract: powered off through port 0xf4 with 0" '^apicvisor: guest powered off \(isa-debug-exit port 0xf4\), exit code 0$'
expect "contract: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_not "contract: nothing stopped the guest early" 'stopping the guest|HYPERVISOR EXCEPTION|unexpected exception'
