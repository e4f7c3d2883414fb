# Checks of the Linux guest's /init output (tests/guests/linux/init, "linux-guest: ..." lines),
# natively in QEMU (test 44) or under apicvisor (test 47, where each guest line carries the
# "[vcpu N] " prefix of the vCPU that wrote it).  Sourced after lib.sh; call linux_log after boot.

# build_linux_guest WHAT: builds the guest's files (scripts/linux-guest.sh); returns 1 after a skip
# line when apt cannot fetch the packages (status 3) or a failed check when the build fails.
build_linux_guest() {
    local out rc=0
    out=$("$top/scripts/linux-guest.sh" 2>&1) || rc=$?
    [ -z "$out" ] || sed 's/^/# /' <<<"$out"
    if [ $rc = 3 ]; then
        skip "$1" "apt cannot fetch the guest's packages: $(tail -n 1 <<<"$out")"
        return 1
    fi
    [ $rc = 0 ]
    LOG="" _report $? "Linux guest: built from Debian packages (scripts/linux-guest.sh)" "exit status $rc: $(tail -n 1 <<<"$out")"
}

# linux_log: the serial log without the vCPU prefixes ($LOG.linux), which these checks read.
linux_log() {
    sed -E 's/^\[vcpu [0-9]+\] //' "$LOG.clean" > "$LOG.linux"
}

expect_linux() { # DESC REGEX
    grep -qE -- "$2" "$LOG.linux"
    _report $? "$1" "no line matches /$2/"
}

# expect_rows PREFIX N: the /proc/interrupts rows CAL, RES and TLB /init printed have N non-zero counts.
expect_rows() {
    local p=$1 n=$2 row line bad
    for row in CAL RES TLB; do
        line=$(grep -m1 -E "^linux-guest: +$row:" "$LOG.linux" || true)
        bad=$(awk -v n="$n" '{ for (i = 3; i < 3 + n; i++) if ($i !~ /^[0-9]+$/ || $i == 0) { print "CPU" i - 3 "=" $i; exit } }' <<<"${line:-x x}")
        [ -n "$line" ] && [ -z "$bad" ]
        _report $? "$p: $row interrupts on all $n CPUs" "${line:+row: $(tr -s ' ' <<<"$line" | cut -d' ' -f2-) ($bad)}${line:-no $row row}"
    done
}

# expect_linux_run PREFIX N: N CPUs up, /init ran the IPI workload and passed.
expect_linux_run() {
    local p=$1 n=$2
    expect_linux "$p: all $n CPUs came up" "smp: Brought up 1 node, $n CPUs\$"
    expect_linux "$p: nproc $n" "^linux-guest: nproc $n\$"
    expect_linux "$p: kernel 6.1 runs /init" '^linux-guest: kernel 6\.1\.[0-9]+-[0-9]+-cloud-amd64 '
    expect_linux "$p: the IPI workload passes" '^linux-guest: ipi_load: PASS$'
    expect_rows "$p" "$n"
    expect_linux "$p: verdict PASS" '^linux-guest: verdict PASS$'
}
