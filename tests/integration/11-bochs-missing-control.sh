#!/usr/bin/env bash
# A CPU model without posted-interrupt processing (Haswell, PLATFORM.md) asked for apicv=full:
# the missing control is named and apicvisor returns an error to the firmware instead of going on.
# (apicv=auto runs there at apicv=vid: tests/integration/45-apicv-levels.sh.)
. "$(dirname "$0")/lib.sh"

boot bochs-haswell run-bochs --cpus 1 --model corei7_haswell_4770 --timeout 240 --cmdline "apicv=full"
expect_ended "haswell: the run ends by itself"
expect "haswell: posted interrupts reported as unavailable" \
    '^vmx: +process posted interrupts +pin-based +bit 7 +can be 0: yes +can be 1: no$'
expect "haswell: the missing control is named" '^vmx: missing control: process posted interrupts \(pin-based bit 7\)$'
expect "haswell: and the level that needs it" '^apicv=full needs controls this CPU lacks$'
expect "haswell: error status returned to the firmware" \
    '^apicvisor: VMX is not usable on this machine; returning status 0x8000000000000003 to the firmware'
expect "haswell: the firmware saw the error" 'BdsDxe: failed to start .*: Unsupported'
expect "bochs: the firmware moved on to the next boot entry" '^apicvisor-runner: the application returned to the firmware; powering off'
