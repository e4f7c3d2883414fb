#!/usr/bin/env bash
# The PC platform around the vCPUs (docs/design.md "The platform", tests/guests/platform.asm, one
# CPU, xAPIC): fw_cfg, the RTC, the PM timer, the I/O APIC, PIT IRQ0 through I/O APIC pin 2 waking
# HLT (the VMX-preemption timer armed for the PIT's edges), its rate against the PM timer, COM1's
# THRE interrupt on pin 4, and soft off through PM1a_CNT.
. "$(dirname "$0")/lib.sh"
B=${B:-build}   # the build folder, as in make B=...

boot platform run-bochs --cpus 1 --timeout 240 --efi "$top/$B/apicvisor.efi" \
    --guest "$top/$B/test-guests/platform.elf"
expect_ended "platform: the run ends by itself"
expect "platform: the hypervisor describes it" \
    '^platform: no ACPI tables \(Multiboot guest\), I/O APIC at 0xfec00000 \(ID 0\), PIT \(IRQ0 on pin 2\), PIC, RTC, COM1 \(IRQ 4\), PM1 0x600, PM timer 0x608, SCI IRQ 9, fw_cfg 0x510$'
for what in \
    'fw_cfg reads the QEMU signature' \
    'RTC register B is 24-hour BCD and register D says valid' \
    'the ACPI PM timer runs' \
    'the I/O APIC is version 0x20 with 24 entries' \
    'PIT IRQ0 on I/O APIC pin 2 wakes HLT 5 times' \
    '4 PIT periods of 10 ms are 143182 PM timer ticks (+-25%)' \
    "COM1's THRE interrupt arrives on I/O APIC pin 4"; do
    grep -qxF -- "[vcpu 0] platform: $what: ok" "$LOG.clean"
    _report $? "platform: $what" "no line '[vcpu 0] platform: $what: ok'"
done
expect_not "platform: no check failed" '^\[vcpu 0\] platform: check [0-9]+ failed$'
expect "platform: ACPI S5 powers the VM off with exit code 0" '^apicvisor: guest powered off \(ACPI S5\), exit code 0$'
expect "platform: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
expect_not "platform: nothing stopped the guest early" 'stopping the guest|HYPERVISOR EXCEPTION|unhandled VM exit'
