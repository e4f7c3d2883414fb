#!/usr/bin/env bash
# Foundation under Bochs 3.1 + OVMF, 4 CPUs, tigerlake: banner, CPUs with APIC IDs, capability report.
. "$(dirname "$0")/lib.sh"

boot bochs-caps run-bochs --cpus 4 --model tigerlake --timeout 240 --cmdline "vcpus=4" \
    --guest "$top/build/test-guests/hello.elf"
expect_ended "bochs: the run ends by itself"
expect "bochs: banner with version and build" '^apicvisor [0-9]+\.[0-9]+\.[0-9]+ \(build [0-9a-f]+'
expect "bochs: options read from apicvisor.cmdline" '^cmdline \(apicvisor.cmdline\): vcpus=4$'
expect "bochs: memory map summary" '^memmap: [0-9]+ descriptors, [0-9]+ MiB conventional memory free'
expect "bochs: 4 CPUs enumerated" '^cpus: 4 present, 4 enabled$'
ids=$(sed -nE 's/^cpu [0-9]+: APIC ID ([0-9]+)( BSP)? \(package.*/\1/p' "$LOG.clean" | sort -u | tr '\n' ' ')
[ "$ids" = "0 1 2 3 " ]
_report $? "bochs: 4 CPUs with distinct APIC IDs 0-3" "APIC IDs listed: '$ids'"
expect "bochs: the BSP is marked" '^cpu 0: APIC ID 0 BSP'
for c in "virtualize x2APIC mode" "APIC-register virtualization" "virtual-interrupt delivery" \
         "process posted interrupts" "virtualize APIC accesses" "use TPR shadow" "acknowledge interrupt on exit" \
         "enable EPT" "unrestricted guest"; do
    expect "bochs: capability '$c' can be 1" "^vmx: +$c +[a-z-]+ +bit [0-9]+ +can be 0: (yes|no) +can be 1: yes$"
done
expect "bochs: TRUE_* capability MSRs in use" '^vmx: VMCS revision 0x[0-9a-f]+, TRUE_\* control MSRs$'
expect "bochs: all required controls present" '^vmx: every required control is available$'
expect "bochs: capability check passes" '^apicvisor: capability check passed$'
expect "bochs: boot services exited" '^vmm: boot services exited; [0-9]+ MiB free'
expect "bochs: 3 APs started by INIT-SIPI-SIPI" '^vmm: 3 of 3 APs started$'
for c in 0 1 2 3; do
    expect "bochs: cpu $c in VMX root" "^cpu $c: APIC ID $c in VMX root operation$"
done
expect "bochs: all CPUs in VMX root" '^vmm: 4 of 4 CPUs in VMX root operation$'
expect_not "bochs: no hypervisor exception" 'HYPERVISOR EXCEPTION'
