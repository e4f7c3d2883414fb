#!/usr/bin/env bash
# The software LAPIC levels (apicv=vid, tpr, off; docs/usage.md): the guest LAPIC suite passes at
# each, in xAPIC (with the run-time switches of case mode-switch), x2APIC, the Linux-like switch
# at boot and x2apic=only, with 4 and 2 vCPUs; its IPI, priority, TPR and timer cases run at every
# level, and its exits-per-operation case checks each level's rule (at least one exit per
# operation the level leaves to the hypervisor).  Then apicv=auto on the Bochs models that lack
# posted interrupts (corei7_haswell_4770, broadwell_ult: vid) or virtual-interrupt delivery
# (corei7_sandy_bridge_2600k: tpr), which apicvisor used to refuse.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apicv-lib.sh"

extra_checks() {
    case $1 in
        off-*) expect "$1: CR8 accesses exit at apicv=off (case tpr-cr8)" '^exits: +control-register access +[1-9]' ;;
        haswell-*|broadwell-*)
            expect "$1: auto says what the CPU lacks" '^apicv: vid \(no process posted interrupts\)$' ;;
        sandy-*)
            expect "$1: auto says what the CPU lacks" '^apicv: tpr \(no (virtual-interrupt delivery|APIC-register virtualization)\)$' ;;
    esac
}

for level in vid tpr off; do
    suite "$level-xapic-4" 4 "apicv=$level" "lapic=xapic" xAPIC
    suite "$level-x2apic-2" 2 "apicv=$level" "lapic=x2apic" x2APIC
    suite "$level-auto-2" 2 "apicv=$level x2apic=auto" "lapic=auto" x2APIC
    suite "$level-only-4" 4 "apicv=$level x2apic=only" "lapic=auto expect_x2apic_only=1" x2APIC
done
suite "haswell-xapic-2" 2 "" "lapic=xapic" xAPIC 512 corei7_haswell_4770
suite "broadwell-auto-2" 2 "x2apic=auto" "lapic=auto" x2APIC 512 broadwell_ult
suite "sandy-xapic-2" 2 "" "lapic=xapic" xAPIC 512 corei7_sandy_bridge_2600k
suite "sandy-x2apic-2" 2 "" "lapic=x2apic" x2APIC 512 corei7_sandy_bridge_2600k
run_suites
