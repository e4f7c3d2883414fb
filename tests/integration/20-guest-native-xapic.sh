#!/usr/bin/env bash
# The guest's LAPIC suite natively under QEMU TCG, 4 CPUs, in xAPIC mode: CPUID hides x2APIC, so
# lapic=auto must pick xAPIC.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"

p=xapic
boot_guest guest-native-xapic 'max,-x2apic' 'lapic=auto ncpus=4'
expect_ended "$p: the run ends by itself"
expect "$p: xAPIC mode selected by lapic=auto" '^lapic: mode xAPIC \(lapic=auto, CPUID x2APIC no\), IA32_APIC_BASE 0x[0-9a-f]*9[0-9a-f]{2}$'
expect "$p: 4 CPUs online" '^smp: 4 CPUs online:'
expect_guest_passed "$p"
expect_case "$p" lapic-mode apic-id version svr-software-enable esr \
    ipi-fixed-physical ipi-logical-flat ipi-logical-cluster \
    ipi-shorthand-self ipi-shorthand-all-including-self ipi-shorthand-all-excluding-self ipi-broadcast ipi-nmi \
    self-ipi-icr eoi-clears-isr priority-order tpr-ppr timer-divide timer-one-shot timer-periodic \
    mode-x2apic-msr-in-xapic mode-extd-without-cpuid fw-cfg
expect_skipped "$p" ldr-x2apic 'xAPIC mode'
expect_skipped "$p" ipi-x2apic-cluster 'xAPIC mode'
expect_skipped "$p" self-ipi-msr 'x2APIC mode only'
expect_skipped "$p" timer-tsc-deadline 'CPUID.1:ECX\[24\]'
expect_skipped "$p" mode-switch 'x2APIC available'
expect_skipped "$p" hv-exits-per-operation 'not under apicvisor'
expect_skipped "$p" hv-dump-vmcs 'not under apicvisor'
