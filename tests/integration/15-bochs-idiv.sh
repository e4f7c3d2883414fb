#!/usr/bin/env bash
# IDIV r/m64 in the Bochs the runners use: a guest in long mode (tests/guests/idiv.asm) divides 13
# and -13 by 10 under apicvisor and prints the results.  Debian's Bochs 3.1 binary computes
# IDIV r/m64 wrongly (PLATFORM.md); the one scripts/setup.sh builds from ../shared/bochs must be
# right.  A wrong IDIV is reported as a platform deviation (SKIP) only when the runner says that
# Debian's binary ran; DIV r64, which both compute right, shows the guest itself works.
. "$(dirname "$0")/lib.sh"
B=${B:-build}   # the build folder, as in make B=...

boot bochs-idiv run-bochs --cpus 1 --timeout 240 --efi "$top/$B/apicvisor.efi" \
    --guest "$top/$B/test-guests/idiv.elf"
bochs=$(sed -n 's/^run-bochs: bochs: //p' "$logdir/bochs-idiv.runner.log" | head -n 1)
echo "# bochs: ${bochs:-not said}"
[ -n "$bochs" ]
_report $? "the runner says which Bochs ran" "no 'run-bochs: bochs:' line in ${logdir#$top/}/bochs-idiv.runner.log"
expect_ended "the run ends by itself"
expect "long mode works: divq 13 / 10 = 1 rem 3" \
    '^\[vcpu 0\] divq 13 / 10 = 0x0000000000000001 rem 0x0000000000000003$'

# expect_idiv DESC LABEL Q R: the guest's line "LABEL = Q rem R" (16 hex digits each).
expect_idiv() {
    local got
    got=$(sed -n "s|^\[vcpu 0\] $2 = ||p" "$LOG.clean" | head -n 1)
    if [ "$got" = "$3 rem $4" ] || [[ $bochs != "Debian's bochs-bin"* ]]; then
        expect "$1" "^\[vcpu 0\] $2 = $3 rem $4\$"
    else
        skip "$1" "platform deviation: Debian's Bochs computes IDIV r/m64 wrongly (got ${got:-no line})"
    fi
}
expect_idiv "idivq 13 / 10 = 1 rem 3" "idivq 13 / 10" 0x0000000000000001 0x0000000000000003
expect_idiv "idivq -13 / 10 = -1 rem -3" "idivq -13 / 10" 0xffffffffffffffff 0xfffffffffffffffd
expect "the guest powers off with code 0" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
