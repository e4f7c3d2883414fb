#!/usr/bin/env bash
# Runs the host unit tests (cmocka, TAP output) and then the emulator integration tests
# (tests/integration/*.sh, TAP-style lines), and ends with one line "N passed, N failed".
#   tests/run-all.sh [--unit-only | --integration-only] [PATTERN]
# PATTERN picks the unit binaries / integration scripts whose name contains it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=all pattern=""
for a in "$@"; do
    case "$a" in
        --unit-only) mode=unit ;;
        --integration-only) mode=integration ;;
        -*) echo "run-all: unknown option '$a'" >&2; exit 2 ;;
        *) pattern=$a ;;
    esac
done
passed=0 failed=0 skipped=0

# count_tap FILE: adds the file's ok / not ok lines to the totals ("# SKIP" counts as skipped).
count_tap() {
    local p f s
    p=$(grep -cE '^ok [0-9]*' "$1" | head -n1)
    s=$(grep -cE '^ok [0-9]*.*# (SKIP|skip)' "$1" | head -n1)
    f=$(grep -cE '^not ok' "$1" | head -n1)
    passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))
}

if [ $mode != integration ]; then
    echo "== unit tests"
    for bin in build/unit/test_*; do
        [ -x "$bin" ] || continue
        case "$bin" in *.d) continue ;; esac
        [ -z "$pattern" ] || [[ "$bin" == *"$pattern"* ]] || continue
        out=$(mktemp)
        CMOCKA_MESSAGE_OUTPUT=TAP "$bin" > "$out" 2>&1; rc=$?
        sed "s|^|  $(basename "$bin"): |" "$out" | grep -vE ': 1\.\.[0-9]+$' || true
        count_tap "$out"
        # A crash (sanitizer report, signal) or a failure cmocka could not report is a failure too.
        if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
            echo "  $(basename "$bin"): not ok - exited with status $rc"; sed 's/^/    /' "$out" | tail -n 20
            failed=$((failed + 1))
        fi
        rm -f "$out"
    done
fi

if [ $mode != unit ]; then
    echo "== integration tests"
    for t in tests/integration/[0-9]*.sh; do
        [ -f "$t" ] || continue
        [ -z "$pattern" ] || [[ "$t" == *"$pattern"* ]] || continue
        out=$(mktemp)
        echo "-- $(basename "$t")"
        bash "$t" 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
        count_tap "$out"
        if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
            echo "not ok - $(basename "$t") exited with status $rc"
            failed=$((failed + 1))
        fi
        rm -f "$out"
    done
fi

echo
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed = 0 ]
