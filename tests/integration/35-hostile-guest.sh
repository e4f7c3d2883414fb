#!/usr/bin/env bash
# A guest that does what it has no business doing (tests/guests/hostile.asm) gets the
# architectural answer each time, and the hypervisor keeps running to a clean verdict.
. "$(dirname "$0")/lib.sh"

boot hostile run-bochs --cpus 1 --timeout 240 --guest "$top/build/test-guests/hostile.elf"
expect_ended "hostile: the run ends by itself"
expect "hostile: every answer was architectural (#GP, #UD, all-ones, ignored write, ESR)" \
    '^\[vcpu 0\] hostile: every illegal operation got its architectural answer$'
expect "hostile: the VMX instruction was intercepted" '^exits:   VMXOFF +1$'
expect "hostile: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_not "hostile: nothing stopped the guest early" 'stopping the guest|HYPERVISOR EXCEPTION'
