#!/usr/bin/env bash
# Debian 12's Linux (cloud kernel, busybox initramfs: scripts/linux-guest.sh) natively under QEMU
# TCG with 4 CPUs, once in x2APIC mode (-cpu max with an interrupt-remapping IOMMU: Linux 6.1
# needs one to enable x2APIC) and once with x2APIC hidden (-cpu max,-x2apic): all CPUs come up,
# Linux reports the expected APIC mode, and the IPI workload (tests/guests/linux/ipi_load.c)
# gives every CPU function-call, rescheduling and TLB-shootdown interrupts.  The oracle for the
# same files booted under apicvisor.  Skips when apt cannot fetch the packages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linux-lib.sh"

build_linux_guest "Linux guest: native QEMU runs" || exit 0
if ! command -v qemu-system-x86_64 >/dev/null; then
    skip "Linux guest: native QEMU runs" "qemu-system-x86_64 not installed (scripts/setup.sh)"
    exit 0
fi

# expect_run PREFIX: what both configurations must show.
expect_run() {
    local p=$1
    linux_log
    [ "$BOOT_RC" = 0 ]
    _report $? "$p: the run passes (verdict PASS, isa-debug-exit 0)" "runner exit status $BOOT_RC after ${BOOT_SECS}s (124 = timed out; see ${LOG%.log}.runner.log)"
    expect_linux_run "$p" 4
    grep -q 'isa-debug-exit value 0$' "${LOG%.log}.runner.log"
    _report $? "$p: powered off through isa-debug-exit with 0" "$(grep -o 'isa-debug-exit value [0-9]*\|QEMU exited .*' "${LOG%.log}.runner.log" || echo 'no isa-debug-exit')"
}

p="Linux x2APIC"
boot linux-native-x2apic run-linux-qemu --cpus 4 --x2apic on --timeout 300
expect_run "$p"
expect "$p: Linux enables x2APIC" '^linux-guest: apic dmesg: x2apic enabled$'
expect "$p: Linux switches to an x2APIC driver" '^linux-guest: apic dmesg: Switched APIC routing to (cluster|physical) x2apic\.$'
expect "$p: apic mode x2APIC, EXTD set" '^linux-guest: apic mode x2APIC \(driver: (cluster|physical) x2apic; cpuinfo x2apic flag: yes; IA32_APIC_BASE\.EXTD: x2APIC\)$'

p="Linux xAPIC"
boot linux-native-xapic run-linux-qemu --cpus 4 --x2apic off --timeout 300
expect_run "$p"
expect "$p: apic mode xAPIC, CPUID without x2APIC" '^linux-guest: apic mode xAPIC \(driver: flat, the default; cpuinfo x2apic flag: no; IA32_APIC_BASE\.EXTD: xAPIC\)$'
expect_not "$p: no x2APIC driver" 'x2apic enabled|Switched APIC routing to .*x2apic'
