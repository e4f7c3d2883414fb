#!/usr/bin/env bash
# The guest's LAPIC suite natively under QEMU TCG, 4 CPUs, in x2APIC mode (lapic=x2apic on -cpu max).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"

p=x2apic
boot_guest guest-native-x2apic max 'lapic=x2apic ncpus=4'
expect_ended "$p: the run ends by itself"
expect "$p: x2APIC mode selected" '^lapic: mode x2APIC \(lapic=x2apic, CPUID x2APIC yes\), IA32_APIC_BASE 0x[0-9a-f]*d[0-9a-f]{2}$'
expect "$p: 4 CPUs online" '^smp: 4 CPUs online:'
expect_guest_passed "$p"
expect_case "$p" lapic-mode apic-id version svr-software-enable ldr-x2apic esr \
    ipi-fixed-physical ipi-x2apic-cluster \
    ipi-shorthand-self ipi-shorthand-all-including-self ipi-shorthand-all-excluding-self ipi-broadcast ipi-nmi \
    self-ipi-icr self-ipi-msr eoi-clears-isr priority-order tpr-ppr timer-divide timer-one-shot timer-periodic \
    mode-invalid-transitions fw-cfg
expect_skipped "$p" ipi-logical-flat 'x2APIC mode'
expect_skipped "$p" mode-x2apic-msr-in-xapic 'x2APIC mode'
expect_skipped "$p" mode-x2apic-only 'expect_x2apic_only=1 not given'
expect_skipped "$p" hv-cycles-per-operation 'not under apicvisor'
