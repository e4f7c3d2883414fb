#!/usr/bin/env bash
# Debian 12's Linux 6.1 (scripts/linux-guest.sh; test 44 boots the same files natively in QEMU) under
# apicvisor in Bochs 3.1 with scripts/bochs-fixes (scripts/run-linux picks bochs-fixed: in stock
# Bochs a physical interrupt delivers a pending virtual interrupt while the guest has IF=0, and
# Linux deadlocked on its run-queue lock that way in about half of the 4-vCPU runs; apicvisor's
# probe reports that deviation, test 40 checks it), two runs at a time: with 4 vCPUs
#  - x2APIC for Linux's whole run: vCPUs start in x2APIC mode (x2apic=on) and KVM's CPUID
#    signature (hv_signature=kvm, no paravirtual features) lets Linux keep x2APIC without
#    interrupt remapping, at apicv=full with hlt=auto (HLT in the guest: this Bochs passes the
#    probe);
#  - x2apic=on with apicvisor's own signature: Linux turns x2APIC off on every CPU
#    ("x2apic: IRQ remapping doesn't support X2APIC mode"), x2APIC -> disabled -> xAPIC, a live
#    test of that path and of INIT keeping the mode on the APs;
#  - x2apic=off: xAPIC from the start;
# and with 2 vCPUs and the defaults.  Each: every CPU up, /init's IPI workload passes with
# function-call, rescheduling and TLB-shootdown IPIs on every CPU, Linux powers off through
# port 0xf4 with 0, no VM stop or unhandled exit; the exit statistics and the time to /init are
# printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linux-lib.sh"

build_linux_guest "Linux under apicvisor" || exit 0

linux_bg() { # NAME CPUS APICVISOR-OPTIONS
    boot_bg "linux-$1" run-linux --cpus "$2" --hv "$3" --timeout 1200 --quiet
}

# check NAME CPUS: what every configuration shows.
check() {
    local name=$1 n=$2
    use_boot "linux-$name"
    linux_log
    expect_ended "$name: the run ends by itself"
    expect "$name: on a Bochs whose virtual interrupts wait for RFLAGS.IF" '^vm: virtual interrupts wait for RFLAGS.IF '
    expect_linux_run "$name" "$n"
    expect "$name: Linux powered off through port 0xf4 with 0" '^apicvisor: guest powered off \(isa-debug-exit port 0xf4\), exit code 0$'
    expect "$name: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "$name: no VM stop, unhandled exit or hypervisor exception" \
        'stopping the guest|unhandled VM exit|HYPERVISOR EXCEPTION'
    echo "# $name: ${BOOT_SECS}s wall; $(grep -m1 -E 'Run /init as init process' "$LOG.linux" | sed -E 's/^\[ *([0-9.]+)\].*/\/init after \1 s of guest time/')"
    grep -E '^exit-stats: all vCPUs|^exit-stats:   (reason|[A-Za-z])' "$LOG.clean" | sed -n '/all vCPUs/,$p' | head -n 14 | sed 's/^/#   /'
}

linux_bg x2apic 4 "x2apic=on hv_signature=kvm"
linux_bg x2apic-dropped 4 "x2apic=on"
boot_wait
check x2apic 4
expect_linux "x2apic: Linux keeps the x2APIC it was given" '^linux-guest: apic mode x2APIC '
expect_linux "x2apic: Linux sees KVM's signature" 'Hypervisor detected: KVM'
expect_not "x2apic: no vCPU leaves x2APIC mode" 'LAPIC x2APIC -> disabled'
expect "x2apic: at apicv=full" '^apicv: full( |$)'
check x2apic-dropped 4
expect_linux "x2apic-dropped: Linux refuses x2APIC without interrupt remapping" \
    'x2apic: IRQ remapping doesn.t support X2APIC mode'
expect_linux "x2apic-dropped: and runs in xAPIC mode" '^linux-guest: apic mode xAPIC '
expect_count "x2apic-dropped: every vCPU went x2APIC -> disabled" 4 '^vcpu [0-9]+: LAPIC x2APIC -> disabled$'
expect_count "x2apic-dropped: and disabled -> xAPIC" 4 '^vcpu [0-9]+: LAPIC disabled -> xAPIC$'

linux_bg xapic 4 "x2apic=off"
linux_bg default-2 2 ""
boot_wait
check xapic 4
expect_linux "xapic: xAPIC from the start (CPUID without x2APIC)" '^linux-guest: apic mode xAPIC .*cpuinfo x2apic flag: no'
check default-2 2
