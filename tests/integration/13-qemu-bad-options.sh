#!/usr/bin/env bash
# Bad command lines are rejected with a message that names the option (QEMU: quicker than Bochs).
. "$(dirname "$0")/lib.sh"

check_rejected() { # NAME CMDLINE MESSAGE-REGEX
    boot "qemu-opt-$1" run-qemu --cpus 2 --timeout 90 --cmdline "$2"
    expect_ended "option $1: the run ends by itself"
    expect "option $1: '$2' is rejected by name" "^error: $3"
    expect "option $1: error status returned" '^apicvisor: bad command line; returning status 0x8000000000000002'
    expect_not "option $1: nothing after the error ran" '^cpus: '
}
check_rejected vcpus-abc 'vcpus=abc' "option 'vcpus': 'abc' is not a number$"
check_rejected unknown 'vcpus=2 frobnicate=1' "unknown option 'frobnicate'$"
check_rejected x2apic 'x2apic=maybe' "option 'x2apic': 'maybe' is not one of auto, on, off, only$"

# A value that parses but cannot be met on this machine is named too.
boot qemu-opt-vcpus-too-many run-qemu --cpus 2 --timeout 90 --cmdline 'vcpus=3'
expect "option vcpus=3 on 2 CPUs: rejected by name" "^error: option 'vcpus': 3 requested but this machine has 2 CPUs$"
