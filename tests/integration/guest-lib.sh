# Helpers for the guest kernel's integration tests (sourced after lib.sh).  The guest prints its
# own TAP-style lines to the serial log; these turn the ones that matter into checks here.
GUEST_ELF="$top/build/guest/guest.elf"

# boot_guest NAME MODEL CMDLINE: the guest natively under QEMU TCG with 4 CPUs.
boot_guest() {
    boot "$1" run-qemu --kernel "$GUEST_ELF" --cpus 4 --model "$2" --timeout 120 --cmdline "$3"
}

# expect_case PREFIX NAME...: each case passed (an "ok" line without SKIP).
expect_case() {
    local prefix=$1 name; shift
    for name in "$@"; do
        expect "$prefix: case $name passes" "^ok [0-9]+ - $name\$"
    done
}

# expect_skipped PREFIX NAME REASON-REGEX: the case was skipped, for the expected reason.
expect_skipped() {
    expect "$1: case $2 skipped ($3)" "^ok [0-9]+ - $2 # SKIP .*$3"
}

# expect_guest_passed PREFIX: the guest's summary shows no failure and it powered off with 0.
expect_guest_passed() {
    expect "$1: guest summary has 0 failed" '^guest: [0-9]+ passed, 0 failed, [0-9]+ skipped$'
    expect_not "$1: no case failed" '^not ok '
    expect_not "$1: no unexpected exception" '^exception: '
    expect_exit_status "$1" 0
}

# expect_exit_status PREFIX N: the guest powered off through isa-debug-exit with status N.
expect_exit_status() {
    local runner_log=${LOG%.log}.runner.log
    grep -q "isa-debug-exit value $2\$" "$runner_log"
    _report $? "$1: powered off with status $2" "$(grep -o 'isa-debug-exit value [0-9]*' "$runner_log" || echo 'no isa-debug-exit')"
}
