#!/usr/bin/env bash
# A fault in the hypervisor itself ends the run instead of the machine's life: with the test hook
# test_crash=last-vcpu, vCPU 1 executes UD2 in root operation while it holds the console lock (the
# worst moment to print).  The report still comes out, vCPU 0 is stopped wherever it is, and the run
# ends with a FAIL verdict and a power-off.
. "$(dirname "$0")/lib.sh"

boot hv-exception run-bochs --cpus 2 --timeout 240 --cmdline 'test_crash=last-vcpu' \
    --guest "$top/build/test-guests/lifecycle.elf"
expect_ended "hypervisor exception: the run ends by itself (power-off, no hang)"
expect "hypervisor exception: reported with vector and registers despite the held console lock" \
    '^HYPERVISOR EXCEPTION on APIC ID [0-9]+: vector 6 \(#UD invalid opcode\)'
expect "hypervisor exception: the guest is stopped" \
    '^apicvisor: guest powered off \(hypervisor exception\), exit code 127$'
expect "hypervisor exception: verdict FAIL" '^apicvisor: verdict: FAIL \(hypervisor exception\)$'
expect_count "hypervisor exception: one verdict line" 1 '^apicvisor: verdict:'
expect_not "hypervisor exception: no CPU just halts" 'this CPU halts'
