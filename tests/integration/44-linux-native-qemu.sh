#!/usr/bin/env bash
# Debian 12's Linux (cloud kernel, busybox initramfs: scripts/linux-guest.sh) natively under QEMU
# TCG with 4 CPUs, once in x2APIC mode (-cpu max with an interrupt-remapping IOMMU: Linux 6.1
# needs one to enable x2APIC) and once with x2APIC hidden (-cpu max,-x2apic): all CPUs come up,
# Linux reports the expected APIC mode, and the IPI workload (tests/guests/linux/ipi_load.c)
# gives every CPU function-call, rescheduling and TLB-shootdown interrupts.  The oracle for the
# same files booted under apicvisor.  Skips when apt cannot fetch the packages.
. "$(dirname "$0")/lib.sh"

build_out=$("$top/scripts/linux-guest.sh" 2>&1) && build_rc=0 || build_rc=$?
[ -z "$build_out" ] || sed 's/^/# /' <<<"$build_out"
if [ $build_rc = 3 ]; then
    skip "Linux guest: native QEMU runs" "apt cannot fetch the guest's packages: $(tail -n 1 <<<"$build_out")"
    exit 0
fi
[ $build_rc = 0 ]
LOG="" _report $? "Linux guest: built from Debian packages (scripts/linux-guest.sh)" "exit status $build_rc: $(tail -n 1 <<<"$build_out")"
[ $build_rc = 0 ] || exit 0
if ! command -v qemu-system-x86_64 >/dev/null; then
    skip "Linux guest: native QEMU runs" "qemu-system-x86_64 not installed (scripts/setup.sh)"
    exit 0
fi

# expect_rows PREFIX N: the /proc/interrupts rows CAL, RES and TLB /init printed have N non-zero counts.
expect_rows() {
    local p=$1 n=$2 row line bad
    for row in CAL RES TLB; do
        line=$(grep -m1 -E "^linux-guest: +$row:" "$LOG.clean" || true)
        bad=$(awk -v n="$n" '{ for (i = 3; i < 3 + n; i++) if ($i !~ /^[0-9]+$/ || $i == 0) { print "CPU" i - 3 "=" $i; exit } }' <<<"${line:-x x}")
        [ -n "$line" ] && [ -z "$bad" ]
        _report $? "$p: $row interrupts on all $n CPUs" "${line:+row: $(tr -s ' ' <<<"$line" | cut -d' ' -f2-) ($bad)}${line:-no $row row}"
    done
}

# expect_run PREFIX: what both configurations must show.
expect_run() {
    local p=$1
    [ "$BOOT_RC" = 0 ]
    _report $? "$p: the run passes (verdict PASS, isa-debug-exit 0)" "runner exit status $BOOT_RC after ${BOOT_SECS}s (124 = timed out; see ${LOG%.log}.runner.log)"
    expect "$p: all 4 CPUs came up" 'smp: Brought up 1 node, 4 CPUs$'
    expect "$p: nproc 4" '^linux-guest: nproc 4$'
    expect "$p: kernel 6.1 runs /init" '^linux-guest: kernel 6\.1\.[0-9]+-[0-9]+-cloud-amd64 '
    expect "$p: the IPI workload passes" '^linux-guest: ipi_load: PASS$'
    expect_rows "$p" 4
    expect "$p: verdict PASS" '^linux-guest: verdict PASS$'
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
