#!/usr/bin/env bash
# The probes' other answers.  In stock Bochs 3.1 apicvisor's probes (vmm/apicv_probe.h) find two
# deviations from the SDM, which test 40 reports as such: a pending virtual interrupt does not end
# the HLT wait (hlt=auto then keeps the HLT exit), and a physical interrupt delivers a pending
# virtual interrupt to a guest with RFLAGS.IF = 0.  Here the same Bochs with both fixed
# (scripts/bochs-fixes/*.patch, built by scripts/setup.sh as bochs-fixed) stands for a CPU that
# follows SDM 30.2.1 and 30.2.2: both probes must pass, HLT must run in the guest, a halted receiver
# of a posted IPI must cost 0 exits (apicv-lib.sh), and the xAPIC IPI storm, whose burst/halted
# sub-case lost wake-ups with HLT in the guest in stock Bochs, must deliver every IPI exactly once
# and none while the receiver has IF = 0 (no known_if0_deviation=1: the guest fails on any).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apicv-lib.sh"
. "$top/scripts/env.sh"
B=${B:-build}

export BOCHS_BIN=/usr/local/bin/bochs-fixed
if [ ! -x "$BOCHS_ROOT$BOCHS_BIN" ]; then
    skip "bochs-fixed: Bochs with scripts/bochs-fixes" "no $BOCHS_ROOT$BOCHS_BIN (no ../shared/bochs to build it from)"
    exit 0
fi

boot_bg fixed-storm run-bochs --cpus 4 --timeout 400 --efi "$top/$B/apicvisor.efi" \
    --guest "$top/$B/guest/guest.elf" --cmdline 'guest_cmdline="lapic=xapic only=ipi-storm ncpus=4"'
suite "fixed-2" 2 "" "lapic=x2apic" x2APIC
run_suites # waits for the storm too

expect "fixed-2: the hlt probe passes" \
    '^vm: HLT runs in the guest \(hlt=auto: a pending virtual interrupt woke the halted probe after [0-9]+ us\)$'
expect_count "fixed-2: no HLT exit on any vCPU" 0 '^exits:   HLT '

use_boot fixed-storm
echo "# storm: ${BOOT_SECS}s"
expect_ended "storm: the run ends by itself"
expect "storm: HLT runs in the guest" '^vm: HLT runs in the guest \(hlt=auto'
expect "storm: virtual interrupts wait for RFLAGS.IF" '^vm: virtual interrupts wait for RFLAGS.IF '
expect_count "storm: none lost or duplicated in any of the 9 sub-cases" 9 \
    '^\[vcpu 0\] # storm [a-z-]+/[a-z0-9]+: sent [0-9]+, received [0-9]+, lost 0, duplicated 0, '
expect "storm: burst/halted, where stock Bochs lost wake-ups, delivered every IPI" \
    '^\[vcpu 0\] # storm burst/halted: sent ([0-9]+), received \1, lost 0, duplicated 0, '
expect "storm: none taken with IF=0, which stock Bochs took thousands of" \
    '^\[vcpu 0\] # storm: total sent [0-9]+, received [0-9]+, lost 0, duplicated 0, taken with IF=0 0, '
expect "storm: the case passes" '^\[vcpu 0\] ok [0-9]+ - ipi-storm$'
expect "storm: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_not "storm: no hypervisor exception or unhandled exit" 'HYPERVISOR EXCEPTION|unhandled VM exit|stopping the guest'
