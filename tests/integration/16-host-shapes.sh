#!/usr/bin/env bash
# Real-machine shapes that Bochs with OVMF does not have by itself (the unit side, sparse APIC IDs,
# is tests/unit/test_machine_shapes.c):
#  - a host LAPIC already in x2APIC mode at hand-over, as OVMF with many CPUs and many real
#    machines leave it: the test hook host_x2apic=on switches every CPU's own LAPIC to x2APIC mode
#    (the BSP before it starts the APs, each AP itself), so the hypervisor's x2APIC paths run: AP
#    start-up, posted-interrupt notifications and kicks through the ICR MSR, EOI through its MSR,
#    NDST in x2APIC format.  The guest LAPIC suite must pass in xAPIC and in x2APIC mode.
#  - more CPUs than vcpus=: the CPUs left out are parked with an INIT and never touched again.
. "$(dirname "$0")/lib.sh"
B=${B:-build}   # the build folder, as in make B=...

suite() { # NAME CPUS APICVISOR-OPTIONS GUEST-OPTIONS
    boot "host-shapes-$1" run-bochs --cpus "$2" --timeout 400 --efi "$top/$B/apicvisor.efi" \
        --guest "$top/$B/guest/guest.elf" --cmdline "$3 guest_cmdline=\"$4\""
    expect_ended "$1: the run ends by itself"
    expect "$1: guest suite passes" '^\[vcpu 0\] guest: [0-9]+ passed, 0 failed, [0-9]+ skipped$'
    expect "$1: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "$1: no hypervisor exception or unhandled exit" 'HYPERVISOR EXCEPTION|unhandled VM exit|stopping the guest|this CPU stops'
}

host_x2apic() { # NAME GUEST-OPTIONS MODE
    local name=$1
    suite "$name" 4 "host_x2apic=on dump=poweroff" "$2 ncpus=4"
    expect "$name: the option is shown" '^options: .* host_x2apic=on$'
    expect_count "$name: every CPU switched its own LAPIC" 4 \
        '^cpu [0-3]: host LAPIC switched from xAPIC to x2APIC mode \(host_x2apic=on\)$'
    expect_order "$name: the BSP switched before it started the APs" \
        '^cpu 0: host LAPIC switched' '^cpu 3: host LAPIC switched'
    expect "$name: the hypervisor uses its LAPIC in x2APIC mode" '^vmm: .*; host LAPIC in x2APIC mode$'
    expect "$name: INIT-SIPI through the x2APIC ICR started every AP" '^vmm: 3 of 3 APs started$'
    expect "$name: every CPU in VMX root operation" '^vmm: 4 of 4 CPUs in VMX root operation$'
    expect "$name: 4 vCPUs online" '^\[vcpu 0\] smp: 4 CPUs online: cpu0=apic0 cpu1=apic1 cpu2=apic2 cpu3=apic3$'
    expect "$name: guest LAPIC mode $3" "^\[vcpu 0\] lapic: mode $3 "
    expect "$name: notifications reach a running receiver (posted, 0 exits)" '^\[vcpu 0\] #   IPI, receiver running +0 exits'
    for c in ipi-fixed-physical ipi-broadcast ipi-nmi; do # physical IPIs and NMIs through the ICR MSR
        expect "$name: case $c passes" "^\[vcpu 0\] ok [0-9]+ - $c\$"
    done
    expect "$name: NDST in x2APIC format (APIC ID 3 in bits 31:0)" '^vmcs:   PI desc .* NDST 0x00000003$'
    expect_not "$name: no NDST in xAPIC format" '^vmcs:   PI desc .* NDST 0x00000[1-3]00$'
}

host_x2apic x2apic-host-xapic-guest "lapic=xapic" xAPIC
expect "x2apic-host-xapic-guest: run-time switch xAPIC -> x2APIC -> disabled -> xAPIC" \
    '^\[vcpu 0\] ok [0-9]+ - mode-switch$'
host_x2apic x2apic-host-x2apic-guest "lapic=x2apic" x2APIC

suite fewer-vcpus 4 "vcpus=2" "ncpus=2"
expect "fewer-vcpus: the firmware sees 4 CPUs" '^cpus: 4 present, 4 enabled$'
expect "fewer-vcpus: the other 2 are parked, named" \
    '^handover: 2 CPUs not used \(vcpus=2\): APIC IDs 2, 3 parked by INIT in wait-for-SIPI$'
expect "fewer-vcpus: one AP started" '^vmm: 1 of 1 APs started$'
expect "fewer-vcpus: 2 CPUs in VMX root operation" '^vmm: 2 of 2 CPUs in VMX root operation$'
expect_not "fewer-vcpus: the parked CPUs are never started" '^cpu [23]: (APIC ID [0-9]+ in VMX root|host LAPIC|started as)'
expect "fewer-vcpus: 2 vCPUs online" '^\[vcpu 0\] smp: 2 CPUs online: cpu0=apic0 cpu1=apic1$'
