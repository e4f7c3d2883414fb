#!/usr/bin/env bash
# The guest's opt-in case hostile-random (guest/tests_hostile.c, docs/guest.md) under apicvisor in
# Bochs 3.1 with 4 vCPUs, two seeds in xAPIC and in x2APIC mode: 20000 random operations per vCPU,
# all vCPUs at once (ten times the guest's default: they are cheap, a run takes about 35 s, most of
# it booting): LAPIC registers of every size and offset or every x2APIC MSR, ICR values of every
# delivery mode, destination and reserved bit, I/O ports, RDMSR, CPUID, CR4, CR8, VMX instructions.
# Each must get its architectural answer (#GP and #UD counted, VMX instructions #UD, nothing else
# faults); then the LAPICs, put back, pass the state check, apic-id, esr and ipi-fixed-physical, and
# the hypervisor ends with its PASS verdict without having stopped the guest.
. "$(dirname "$0")/lib.sh"
B=${B:-build}   # the build folder, as in make B=...

hostile() { # LAPIC MODE SEED
    local name="$1-seed$3"
    boot "hostile-random-$name" run-bochs --cpus 4 --timeout 400 --efi "$top/$B/apicvisor.efi" \
        --guest "$top/$B/guest/guest.elf" \
        --cmdline "guest_cmdline=\"lapic=$1 only=hostile-random ncpus=4 seed=$3 hostile_ops=20000\""
    echo "# $name: ${BOOT_SECS}s"
    grep -E '^\[vcpu 0\] #' "$LOG.clean" | sed 's/^\[vcpu 0\] /  /'
    expect_ended "$name: the run ends by itself"
    expect "$name: LAPIC mode $2" "^\[vcpu 0\] lapic: mode $2 "
    expect "$name: every operation done, VMX instructions got #UD" \
        "^\[vcpu 0\] # hostile-random: seed $3, 80000 operations, [0-9]+ faults \(#GP [0-9]+, #UD [1-9][0-9]*\), on 4 CPUs\$"
    expect_not "$name: no unexpected exception in the guest" '^\[vcpu [0-9]+\] exception: '
    expect "$name: the machine still works (LAPIC state, IDs, ESR, IPIs)" '^\[vcpu 0\] ok 1 - hostile-random$'
    expect "$name: suite passes" '^\[vcpu 0\] guest: 1 passed, 0 failed, 0 skipped$'
    expect "$name: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "$name: nothing stopped the guest early" 'stopping the guest|HYPERVISOR EXCEPTION|unhandled VM exit'
}

for seed in 1 4242; do
    hostile xapic xAPIC "$seed"
    hostile x2apic x2APIC "$seed"
done
