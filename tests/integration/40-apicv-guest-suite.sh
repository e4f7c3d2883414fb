#!/usr/bin/env bash
# APIC virtualization, accepted by the guest LAPIC suite (guest/) under apicvisor in Bochs 3.1
# (tigerlake), with 4 and with 2 CPUs, in every LAPIC configuration: xAPIC throughout (with the
# run-time xAPIC -> x2APIC -> disabled -> xAPIC switches of case mode-switch), x2APIC from the
# guest's first instruction on, the Linux-like switch to x2APIC at boot (lapic=auto), x2APIC
# hidden (x2apic=off), and x2apic=only (seeds/002); x2apic=on (x2APIC from reset, the guest still
# free to go back to xAPIC); a host with 6 GiB of RAM, most of it above 4 GiB; and without the
# VMX-preemption timer (preemption_timer=off: the host LAPIC timer stands in, and the timer cases
# wait spinning, so only it can deliver their interrupts).  Every run must end with 0 failed cases, and
# the exits-per-operation table must meet the budgets (the guest fails a higher figure too).
. "$(dirname "$0")/lib.sh"

suite() { # NAME CPUS APICVISOR-OPTIONS GUEST-OPTIONS MODE [HOST-MIB]
    local name=$1 cpus=$2 hv=$3 g=$4 mode=$5 mem=${6:-512}
    boot "apicv-$name" run-bochs --cpus "$cpus" --mem "$mem" --timeout 400 --cmdline "$hv guest_cmdline=\"$g ncpus=$cpus\""
    expect_ended "$name: the run ends by itself"
    expect "$name: $cpus vCPUs online with distinct APIC IDs" "^\[vcpu 0\] smp: $cpus CPUs online: cpu0=apic0 cpu1=apic1"
    expect "$name: LAPIC mode $mode" "^\[vcpu 0\] lapic: mode $mode "
    expect "$name: APIC IDs agree with CPUID" '^\[vcpu 0\] ok [0-9]+ - apic-id$'
    expect "$name: suite passes" "^\[vcpu 0\] guest: [0-9]+ passed, 0 failed, [0-9]+ skipped$"
    # The cases QEMU TCG cannot check (docs/guest.md) run here.
    for c in timer-tsc-deadline esr-illegal-vector svr-disabled-masks-lvt timer-periodic ipi-nmi; do
        expect "$name: case $c passes" "^\[vcpu 0\] ok [0-9]+ - $c\$"
    done
    for op in "ID read" "TPR write" "EOI" "self-IPI"; do
        expect "$name: $op takes 0 exits" "^\[vcpu 0\] #   $op +0 exits"
    done
    expect "$name: a cross-vCPU IPI takes 1 exit on the sender" '^\[vcpu 0\] #   IPI, sender +64 exits \(1\.00 per operation'
    expect "$name: and 0 on a running receiver (posted)" '^\[vcpu 0\] #   IPI, receiver +0 exits'
    expect "$name: the guest's HC_DUMP_VMCS dumped its VMCS" '^vcpu 0: VMCS dump \(requested by the guest\)$'
    expect "$name: the dump shows the APIC state in the suite's mode" "^vmcs:   LAPIC mode $mode, IA32_APIC_BASE 0x"
    expect "$name: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "$name: no hypervisor exception or unhandled exit" 'HYPERVISOR EXCEPTION|unhandled VM exit|stopping the guest'
    if [[ $name == xapic-* ]]; then
        expect "$name: run-time switch xAPIC -> x2APIC -> disabled -> xAPIC" '^\[vcpu 0\] ok [0-9]+ - mode-switch$'
        expect "$name: the hypervisor followed each switch" '^vcpu 0: LAPIC x2APIC -> disabled$'
    fi
}

for cpus in 4 2; do
    suite "xapic-$cpus" "$cpus" "" "lapic=xapic" xAPIC
    suite "x2apic-$cpus" "$cpus" "" "lapic=x2apic" x2APIC
    suite "auto-$cpus" "$cpus" "x2apic=auto" "lapic=auto" x2APIC
    suite "only-$cpus" "$cpus" "x2apic=only" "lapic=auto expect_x2apic_only=1" x2APIC
done
suite "hidden-4" 4 "x2apic=off" "lapic=auto" xAPIC
expect "hidden-4: EXTD without CPUID x2APIC gets #GP" '^\[vcpu 0\] ok [0-9]+ - mode-extd-without-cpuid$'

suite "on-2" 2 "x2apic=on" "lapic=auto" x2APIC
expect "on-2: the hypervisor started the LAPIC in x2APIC mode" 'LAPIC starts in x2APIC mode$'
suite "xapic-6g-2" 2 "" "lapic=xapic" xAPIC 6144
expect "xapic-6g-2: the host has RAM above 4 GiB" '^memmap: .* highest address 0x1c0000000$'
suite "notimer-2" 2 "preemption_timer=off" "lapic=x2apic" x2APIC
expect "notimer-2: the host LAPIC timer stands in for the VMX-preemption timer" \
    '^vm: LAPIC timer deadlines: the host LAPIC timer in TSC-deadline mode \(no VMX-preemption timer\)$'
for c in timer-one-shot timer-tsc-deadline; do
    expect "notimer-2: case $c passes" "^\[vcpu 0\] ok [0-9]+ - $c\$"
done
