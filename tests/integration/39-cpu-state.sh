#!/usr/bin/env bash
# CPU state the hypervisor emulates (tests/guests/cpu_state.asm): the single-step #DB after an
# exiting instruction, IA32_TSC / IA32_TSC_ADJUST, the PDPTEs of PAE paging enabled by an exiting
# CR0 write; and with x2apic=on, the way back from x2APIC to xAPIC through the APIC-access page.
. "$(dirname "$0")/lib.sh"

checks=(
    'single-stepping over an exiting CPUID raises #DB right after it'
    'IA32_TSC reads the TSC'
    'a write of IA32_TSC moves IA32_TSC_ADJUST by the same amount'
    'writing IA32_TSC_ADJUST back moves the TSC back'
    'PAE paging turned on by an exiting CR0 write uses the loaded PDPTEs'
)
for policy in auto on only; do
    boot "cpu-state-$policy" run-bochs --cpus 1 --timeout 200 --cmdline "x2apic=$policy" \
        --guest "$top/build/test-guests/cpu_state.elf"
    expect_ended "cpu_state x2apic=$policy: the run ends by itself"
    for what in "${checks[@]}"; do
        expect "cpu_state x2apic=$policy: $what" "^\[vcpu 0\] cpu_state: $what: ok$"
    done
    expect "cpu_state x2apic=$policy: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "cpu_state x2apic=$policy: nothing stopped the guest" 'stopping the guest|HYPERVISOR EXCEPTION'
done
expect "cpu_state x2apic=only: IA32_ARCH_CAPABILITIES enumerates XAPIC_DISABLE_STATUS" \
    '^\[vcpu 0\] cpu_state: IA32_ARCH_CAPABILITIES offered, bit 21 \(XAPIC_DISABLE_STATUS\) set: ok$'
expect "cpu_state x2apic=only: IA32_XAPIC_DISABLE_STATUS says LEGACY_XAPIC_DISABLED" \
    '^\[vcpu 0\] cpu_state: IA32_XAPIC_DISABLE_STATUS says LEGACY_XAPIC_DISABLED: ok$'
LOG="$logdir/cpu-state-on.log"
expect "cpu_state x2apic=on: x2APIC -> disabled -> xAPIC, the xAPIC ID reads through the APIC page" \
    '^\[vcpu 0\] cpu_state: x2APIC -> disabled -> xAPIC: the xAPIC ID reads through the APIC page: ok$'
