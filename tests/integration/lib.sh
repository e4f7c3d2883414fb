# Helpers for emulator integration tests (sourced).  A test boots an image with one of the
# runners, then checks its serial log; every check prints one TAP-style line:
#   ok - <description>            |   not ok - <description> # <reason>   |   ok - <desc> # SKIP <why>
# Logs are kept in build/test-logs/ for reading after a failure.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
logdir="$top/build/test-logs"
mkdir -p "$logdir"
LOG="" BOOT_RC=0 BOOT_SECS=0

# boot NAME RUNNER [runner options...]: runs scripts/RUNNER quietly with its serial log at
# build/test-logs/NAME.log; sets LOG, BOOT_RC (the runner's exit status) and BOOT_SECS.
boot() {
    local name=$1 runner=$2; shift 2
    LOG="$logdir/$name.log"
    local start=$SECONDS
    BOOT_RC=0
    "$top/scripts/$runner" --quiet --log "$LOG" "$@" 2> "$logdir/$name.runner.log" || BOOT_RC=$?
    BOOT_SECS=$((SECONDS - start))
    # The firmware's ANSI colour codes and CRs make lines hard to match: keep a clean copy.
    sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r//g' "$LOG" > "$LOG.clean" 2>/dev/null || : > "$LOG.clean"
}

# boot_bg NAME RUNNER [options...]: boot in the background (two at a time use both CPUs of a CI
# machine); boot_wait waits for all of them; use_boot NAME then sets LOG, BOOT_RC and BOOT_SECS as
# boot does, for the checks.
boot_bg() {
    local name=$1
    ( boot "$@"; echo "$BOOT_RC $BOOT_SECS" > "$logdir/$name.status" ) &
}
boot_wait() { wait; }
use_boot() {
    LOG="$logdir/$1.log"
    read -r BOOT_RC BOOT_SECS < "$logdir/$1.status" 2>/dev/null || { BOOT_RC=255 BOOT_SECS=0; }
}

_report() { # _report STATUS DESC [REASON]
    if [ "$1" = 0 ]; then echo "ok - $2"; return; fi
    echo "not ok - $2 # ${3:-failed} (log: ${LOG#$top/})"
    _diagnose_once
}

# The first failed check of a log shows where the run ended, so that a CI transcript (which
# keeps no build/test-logs) says why: the serial log's size and last lines, then the runner's
# and the emulator's last lines.
DIAGNOSED=""
_diagnose_once() {
    [ "$DIAGNOSED" != "$LOG" ] || return 0
    DIAGNOSED=$LOG
    local f
    echo "#   $(wc -l < "$LOG.clean" 2>/dev/null || echo 0) lines of serial log; its last 8:"
    tail -n 8 "$LOG.clean" 2>/dev/null | awk '{ print "#     " $0 }'
    for f in "${LOG%.log}.runner.log" "${LOG%.log}.bochs.log"; do
        [ -s "$f" ] || continue
        echo "#   ${f#$top/}, last 6 lines (Bochs's banner left out):"
        grep -vE '^=+$|Bochs x86 Emulator|Built from|Compiled on' "$f" | tail -n 6 | awk '{ print "#     " $0 }'
    done
}

# expect DESC REGEX: the (cleaned) serial log has a line matching the extended regex.
expect() {
    grep -qE -- "$2" "$LOG.clean"
    _report $? "$1" "no line matches /$2/"
}

# expect_not DESC REGEX: no line matches.
expect_not() {
    local hit
    hit=$(grep -m1 -E -- "$2" "$LOG.clean")
    [ -z "$hit" ]
    _report $? "$1" "unexpected line: $hit"
}

# expect_count DESC N REGEX: exactly N lines match.
expect_count() {
    local n
    n=$(grep -cE -- "$3" "$LOG.clean")
    [ "$n" = "$2" ]
    _report $? "$1" "$n lines match /$3/, expected $2"
}

# expect_order DESC REGEX1 REGEX2: a line matching REGEX1 comes before one matching REGEX2.
expect_order() {
    local a b
    a=$(grep -nE -m1 -- "$2" "$LOG.clean" | cut -d: -f1)
    b=$(grep -nE -- "$3" "$LOG.clean" | tail -n1 | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
    _report $? "$1" "/$2/ (line ${a:-none}) is not before /$3/ (line ${b:-none})"
}

# expect_ended DESC: the emulator ended by itself (no runner timeout).
expect_ended() {
    [ "$BOOT_RC" = 0 ]
    _report $? "$1" "runner exit status $BOOT_RC after ${BOOT_SECS}s (124 = timed out)"
}

skip() { echo "ok - $1 # SKIP $2"; }
