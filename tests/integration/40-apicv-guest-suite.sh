#!/usr/bin/env bash
# APIC virtualization, accepted by the guest LAPIC suite (guest/) under apicvisor in Bochs 3.1
# (tigerlake), with 4 and with 2 CPUs, in every LAPIC configuration: xAPIC throughout (with the
# run-time xAPIC -> x2APIC -> disabled -> xAPIC switches of case mode-switch), x2APIC from the
# guest's first instruction on, the Linux-like switch to x2APIC at boot (lapic=auto), x2APIC
# hidden (x2apic=off), and x2apic=only (seeds/002); x2apic=on (x2APIC from reset, the guest still
# free to go back to xAPIC); a host with 6 GiB of RAM, most of it above 4 GiB; and without the
# VMX-preemption timer (preemption_timer=off: the host LAPIC timer stands in, and the timer cases
# wait spinning, so only it can deliver their interrupts).  Every run must end with 0 failed cases, and
# the exits-per-operation table must meet the budgets (the guest fails a higher figure too).  Runs
# go two at a time (tests/integration/apicv-lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apicv-lib.sh"

extra_checks() {
    case $1 in
        hidden-4)
            expect "hidden-4: EXTD without CPUID x2APIC gets #GP" '^\[vcpu 0\] ok [0-9]+ - mode-extd-without-cpuid$' ;;
        on-2)
            expect "on-2: the hypervisor started the LAPIC in x2APIC mode" 'LAPIC starts in x2APIC mode$' ;;
        xapic-6g-2)
            expect "xapic-6g-2: the host has RAM above 4 GiB" '^memmap: .* highest address 0x1c0000000$' ;;
        notimer-2)
            expect "notimer-2: the host LAPIC timer stands in for the VMX-preemption timer" \
                '^vm: LAPIC timer deadlines: the host LAPIC timer in TSC-deadline mode \(no VMX-preemption timer\)$'
            for c in timer-one-shot timer-tsc-deadline; do
                expect "notimer-2: case $c passes" "^\[vcpu 0\] ok [0-9]+ - $c\$"
            done ;;
    esac
}

for cpus in 4 2; do
    suite "xapic-$cpus" "$cpus" "" "lapic=xapic" xAPIC
    suite "x2apic-$cpus" "$cpus" "" "lapic=x2apic" x2APIC
    suite "auto-$cpus" "$cpus" "x2apic=auto" "lapic=auto" x2APIC
    suite "only-$cpus" "$cpus" "x2apic=only" "lapic=auto expect_x2apic_only=1" x2APIC
done
suite "hidden-4" 4 "x2apic=off" "lapic=auto" xAPIC
suite "on-2" 2 "x2apic=on" "lapic=auto" x2APIC
suite "xapic-6g-2" 2 "" "lapic=xapic" xAPIC 6144
suite "notimer-2" 2 "preemption_timer=off" "lapic=x2apic" x2APIC
run_suites
