#!/usr/bin/env bash
# The VMX core under Bochs: the BSP vCPU boots a Multiboot guest under EPT; hypercalls (print,
# VMCS dump, exit count, power-off); the exit table and verdict; and the failure paths (a guest
# touching memory that is not guest RAM, a triple fault, bad hypercalls) end with a report and a
# clean power-off, never a hang.
. "$(dirname "$0")/lib.sh"
guests="$top/build/test-guests"

boot vmx-hello run-bochs --cpus 4 --timeout 240 --guest "$guests/hello.elf"
expect_ended "hello: the run ends by itself"
expect "hello: all CPUs in VMX root" '^vmm: 4 of 4 CPUs in VMX root operation$'
expect "hello: guest loaded from the ESP" '^vm: guest \\EFI\\BOOT\\guest.elf loaded at 0x[0-9a-f]+-0x[0-9a-f]+, entry 0x10000c, 4 vCPUs'
expect "hello: the guest's COM1 output, prefixed with the vCPU" '^\[vcpu 0\] hello from the test guest$'
expect "hello: CPUID signature leaf" '^\[vcpu 0\] cpuid signature ApicvisorVMM seen$'
expect "hello: HC_PRINT" '^\[vcpu 0\] printed through HC_PRINT$'
expect "hello: HC_DUMP_VMCS dumps the VMCS" '^vcpu 0: VMCS dump \(requested by the guest\)$'
expect "hello: the dump has guest state" '^vmcs:   GUEST_RIP +0x0000000000100'
expect "hello: the dump decodes controls by name" '^vmcs: +.*use TPR shadow'
expect "hello: the dump decodes secondary controls" '^vmcs: +.*enable EPT'
expect "hello: the dump names the exit reason" '^vmcs: +basic reason 18: VMCALL$'
expect "hello: HC_EXIT_COUNT counts CPUID exits" '^\[vcpu 0\] HC_EXIT_COUNT\(CPUID\) = 4 as expected$'
expect "hello: powered off by hypercall" '^apicvisor: guest powered off \(hypercall\), exit code 0$'
expect "hello: exit table with CPUID" '^exits:   CPUID +4$'
expect "hello: exit table with VMCALL" '^exits:   VMCALL +4$'
expect "hello: exit statistics per vCPU (perf kvm stat style)" '^exit-stats: vcpu 0: [0-9]+ exits, [0-9]+ cycles in the hypervisor$'
expect "hello: CPUID with its share and min/avg/max cycles" '^exit-stats:   CPUID +4 +[0-9]+\.[0-9]% +[0-9]+ +[0-9]+ +[0-9]+$'
expect "hello: and in total over the vCPUs" '^exit-stats: all vCPUs: [0-9]+ exits, [0-9]+ cycles in the hypervisor$'
expect "hello: verdict" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_not "hello: no hypervisor exception" 'HYPERVISOR EXCEPTION'

boot vmx-bad-gpa run-bochs --cpus 2 --timeout 240 --guest "$guests/bad_gpa.elf"
expect_ended "bad gpa: the run ends by itself"
expect "bad gpa: data accesses to an unclaimed address read all ones, writes are dropped" \
    '^\[vcpu 0\] bad_gpa: loads read all ones, the store was dropped; now executing there$'
expect_not "bad gpa: no wrong value" 'bad_gpa: a wrong value'
expect "bad gpa: the instruction fetch from it is named" \
    '^vcpu 0: EPT violation: instruction fetch at guest-physical 0x30000000 \(rip 0x30000000\): not guest RAM$'
expect "bad gpa: the VMCS is dumped" '^vcpu 0: VMCS dump \(EPT violation\)$'
expect "bad gpa: the dump shows the guest-physical address" '^vmcs:   GUEST_PHYSICAL_ADDRESS +0x0000000030000000'
expect "bad gpa: verdict FAIL" '^apicvisor: verdict: FAIL \(guest exit code 127\)$'

boot vmx-triple run-bochs --cpus 2 --timeout 240 --guest "$guests/triple_fault.elf"
expect_ended "triple fault: the run ends by itself"
expect "triple fault: reported" '^vcpu 0: triple fault at rip 0x[0-9a-f]+$'
expect "triple fault: the VMCS is dumped" '^vcpu 0: VMCS dump \(guest triple fault\)$'
expect "triple fault: the exit table counts it" '^exits:   triple fault +1$'
expect "triple fault: verdict FAIL" '^apicvisor: verdict: FAIL \(guest exit code 127\)$'

boot vmx-bad-hypercall run-bochs --cpus 2 --timeout 240 --guest "$guests/bad_hypercall.elf" --cmdline "dump=entry"
expect_ended "bad hypercall: the run ends by itself"
expect "bad hypercall: unknown function gets HC_ENOSYS" 'unknown function -> -38'
expect "bad hypercall: print outside RAM gets HC_EFAULT" 'print outside guest RAM -> -14'
expect "bad hypercall: oversized print gets HC_EINVAL" 'print of 100000 bytes -> -22'
expect "bad hypercall: bad exit reason gets HC_EINVAL" 'exit count for reason 5000 -> -22'
expect "bad hypercall: the guest powers off cleanly" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect "dump=entry: each vCPU is dumped before its first entry" '^vcpu 1: VMCS dump \(before the first VM entry \(dump=entry\)\)$'
expect "dump=entry: the BSP too" '^vcpu 0: VMCS dump \(before the first VM entry \(dump=entry\)\)$'
expect "dump=entry: the parked AP's dump shows wait-for-SIPI" '^vmcs:   vCPU state wait-for-SIPI \(parked in root operation\)'
expect "dump: the APIC part shows the seeded virtual-APIC page" '^vmcs: +vAPIC \(xAPIC\) ID 0x01000000 VERSION 0x00050014'
expect "dump: the APIC part shows the posted-interrupt descriptor" '^vmcs: +PI desc ON 0 SN 0 NV 242 NDST 0x00000100'

# Bad guest kernels are refused with a message naming the problem, never a hang or a crash.
boot vmx-no-guest run-bochs --cpus 1 --timeout 240 --cmdline 'guest=\EFI\BOOT\missing.elf'
expect_ended "missing guest: the run ends by itself"
expect "missing guest: named" "^handover: cannot read the guest kernel '\\\\EFI\\\\BOOT\\\\missing.elf'"
expect "missing guest: the firmware gets the error" '^apicvisor: handover failed; returning status 0x800000000000000e to the firmware'
expect "missing guest: the firmware reports EFI_NOT_FOUND" 'BdsDxe: failed to start .*: Not Found'

boot vmx-not-multiboot run-bochs --cpus 1 --timeout 240 --guest "$top/build/poweroff.efi"
expect_ended "not Multiboot: the run ends by itself"
expect "not Multiboot: the loader says why" '^vm: cannot load the guest \\EFI\\BOOT\\guest.elf: no Multiboot header in the first 8192 bytes$'
expect "not Multiboot: verdict FAIL" '^apicvisor: verdict: FAIL \(hypervisor error\)$'
