#!/usr/bin/env bash
# Run-time LAPIC mode changes natively under QEMU TCG: starting in xAPIC mode on a CPU that has
# x2APIC, and the seeds/002 check, which natively must fail (clearing EXTD disables the LAPIC
# instead of raising #GP): proof that the check can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"

p=mode-switch
boot_guest guest-native-mode-switch max 'lapic=xapic ncpus=4 only=mode'
expect_ended "$p: the run ends by itself"
expect "$p: xAPIC mode with x2APIC available" '^lapic: mode xAPIC \(lapic=xapic, CPUID x2APIC yes\)'
expect_guest_passed "$p"
expect_case "$p" mode-x2apic-msr-in-xapic mode-switch mode-invalid-transitions

p=x2apic-only
boot_guest guest-native-x2apic-only max 'lapic=x2apic ncpus=4 expect_x2apic_only=1 only=mode-x2apic-only'
expect_ended "$p: the run ends by itself"
expect "$p: natively, clearing EXTD is reported as not raising #GP" \
    '^not ok 1 - mode-x2apic-only # cpu [0-3]: clearing EXTD \(x2APIC -> disabled\) did not #GP$'
expect "$p: the guest counts it as failed" '^guest: 0 passed, 1 failed, 0 skipped$'
expect_exit_status "$p" 1
