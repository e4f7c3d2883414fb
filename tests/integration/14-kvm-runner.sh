#!/usr/bin/env bash
# run-kvm: QEMU with KVM for hosts with nested VMX.  Where the host cannot do it, the runner must
# refuse with a message naming what is missing; where it can, apicvisor must run the hello guest.
. "$(dirname "$0")/lib.sh"

if [ -r /dev/kvm ] && grep -qw vmx /proc/cpuinfo && grep -qE '^[Y1]' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then
    boot kvm-hello run-kvm --cpus 2 --timeout 120 --guest "$top/build/test-guests/hello.elf"
    expect_ended "kvm: the run ends by itself"
    expect "kvm: every CPU in VMX root" '^vmm: 2 of 2 CPUs in VMX root operation$'
    expect "kvm: the hello guest passes" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
else
    out=$("$top/scripts/run-kvm" --timeout 10 2>&1); rc=$?
    [ $rc = 2 ]
    _report $? "kvm: refuses on a host without nested VMX (exit status 2)" "exit status $rc"
    grep -qE '^run-kvm: (/dev/kvm is absent|/dev/kvm is not accessible|the host CPU has no Intel VMX|kvm_intel nested VMX is off)' <<<"$out"
    _report $? "kvm: the refusal names what is missing" "got: $out"
    skip "kvm: hello guest under KVM" "this host has no usable nested VMX ($out)"
fi
