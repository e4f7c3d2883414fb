#!/usr/bin/env bash
# QEMU TCG has no VMX: apicvisor must say so, return an error, and never hang (CR4.VMXE untouched).
. "$(dirname "$0")/lib.sh"

boot qemu-novmx run-qemu --cpus 4 --timeout 90
expect_ended "qemu: the run ends by itself (no hang)"
expect "qemu: banner" '^apicvisor [0-9]+\.[0-9]+\.[0-9]+ \(build '
expect "qemu: 4 CPUs enumerated" '^cpus: 4 present, 4 enabled$'
expect "qemu: VMX reported missing with the CPUID bit" '^vmx: not available: CPUID\.1:ECX\.VMX\[bit 5\] = 0'
expect "qemu: error status returned to the firmware" \
    '^apicvisor: VMX is not usable on this machine; returning status 0x8000000000000003 to the firmware'
expect "qemu: the firmware saw EFI_UNSUPPORTED" 'BdsDxe: failed to start .*: Unsupported'
expect_not "qemu: no capability MSR was read" '^vmx: VMCS revision'
expect "qemu: the firmware moved on to the next boot entry" '^apicvisor-runner: the application returned to the firmware; powering off'
