#!/usr/bin/env bash
# The short form of `make bench` (scripts/bench, x2APIC mode): one table of VM exits per LAPIC
# operation for apicv=full, vid, tpr and off, from one run each.  The full column is the APICv
# claim (0 exits for ID read, TPR write, EOI and self-IPI, 1 on the IPI sender, 0 on a receiver,
# running or halted: the bench runs full with hlt=guest); the tpr and off columns show what the hardware saves (at least one exit per
# ID read, EOI and received IPI), so the ratio is measured, not claimed.
. "$(dirname "$0")/lib.sh"
out="$logdir/bench"
rc=0
"$top/scripts/bench" --modes x2apic --out "$out" > "$logdir/bench.out" 2>&1 || rc=$?
LOG="$logdir/bench.out"
sed -e 's/\r//g' "$LOG" > "$LOG.clean"
[ $rc = 0 ]
_report $? "bench: every level's run passed its own budgets" "scripts/bench exit status $rc"
csv="$out/bench.csv"
[ -s "$csv" ]
_report $? "bench: the table was written as CSV" "no $csv"

exits() { # LEVEL OPERATION: exits per operation from the CSV
    awk -F, -v l="$1" -v o="$2" '$1 == "x2apic" && $2 == l && $3 == o { print $4 }' "$csv"
}
check() { # DESC LEVEL OPERATION AWK-CONDITION-ON-x
    local x
    x=$(exits "$2" "$3")
    [ -n "$x" ] && awk -v x="$x" "BEGIN { exit !($4) }"
    _report $? "$1" "apicv=$2 $3: '${x:-none}' exits per operation"
}
for op in "ID read" "TPR write" "EOI" "self-IPI" "IPI receiver running"; do
    check "bench: full, $op: 0 exits" full "$op" "x == 0"
done
check "bench: full, IPI receiver halted: 0 exits (HLT in the guest)" full "IPI receiver halted" "x == 0"
check "bench: full, IPI sender: 1 exit" full "IPI sender" "x == 1"
check "bench: vid, IPI receiver running: the kick costs an exit" vid "IPI receiver running" "x >= 1"
for level in tpr off; do
    for op in "ID read" "EOI" "IPI receiver running" "IPI receiver halted"; do
        check "bench: $level, $op: at least 1 exit" "$level" "$op" "x >= 1"
    done
done
check "bench: off, TPR write exits (no TPR shadow)" off "TPR write" "x >= 1"
expect "bench: the text table has every level" '^operation +full +vid +tpr +off$'
