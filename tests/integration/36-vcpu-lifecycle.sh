#!/usr/bin/env bash
# The vCPU lifecycle against a guest that pushes it (tests/guests/lifecycle.asm, 2 CPUs): INIT and
# SIPI latched in the target, INIT's reset rules, HLT with IF=0, NMIs that are neither lost nor
# doubled, and a power-off from an AP while vCPU 0 spins with interrupts off.
. "$(dirname "$0")/lib.sh"

boot lifecycle run-bochs --cpus 2 --timeout 300 --guest "$top/build/test-guests/lifecycle.elf"
expect_ended "lifecycle: the run ends by itself (the AP's power-off reaches the spinning vCPU 0)"
for what in \
    'INIT, SIPI, SIPI with no delay start the AP' \
    'the second SIPI to the running AP is ignored' \
    'five more INIT-SIPI-SIPI restarts start it five times' \
    'an NMI wakes cli; hlt and HLT returns after the handler' \
    'an NMI sent in wait-for-SIPI is not delivered after the SIPI' \
    'a fixed IPI sent in wait-for-SIPI is dropped' \
    'a fixed IPI to the running AP arrives' \
    '50 NMIs to a spinning AP with IF=0 arrive one by one' \
    '50 NMIs to a halted AP with IF=0 arrive one by one' \
    'an NMI sent during the NMI handler waits for IRET, then arrives once' \
    "INIT keeps the AP's LAPIC in x2APIC mode"; do
    expect "lifecycle: $what" "^\[vcpu 0\] lifecycle: $what: ok$"
done
expect "lifecycle: the AP powered the guest off" '^apicvisor: guest powered off \(isa-debug-exit port 0xf4\), exit code 0$'
expect "lifecycle: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_count "lifecycle: one verdict line" 1 '^apicvisor: verdict:'
expect_not "lifecycle: nothing stopped the guest early" 'stopping the guest|HYPERVISOR EXCEPTION|did not stop'
