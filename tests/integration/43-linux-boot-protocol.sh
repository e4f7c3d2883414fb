#!/usr/bin/env bash
# The Linux boot protocol (vmm/linux_boot.c): guest= picks the loader by format, and a minimal
# bzImage (tests/guests/bzimage/hello.asm) checks at its 64-bit entry what the protocol promises:
# long mode, __BOOT_CS/__BOOT_DS, interrupts off, RSI = boot_params with the setup header, the
# loader type, an e820 map and the command line from guest_cmdline=.
. "$(dirname "$0")/lib.sh"

boot linux-boot-protocol run-bochs --cpus 2 --timeout 200 --guest "$top/build/test-guests/hello.bzImage" \
    --cmdline 'guest_cmdline="console=ttyS0 apicvisor-test"'
expect_ended "bzImage: the run ends by itself"
expect "bzImage: recognized and loaded by the Linux boot protocol" \
    '^vm: Linux kernel .* \(boot protocol 2\.15\) loaded at 0x1000000-0x[0-9a-f]+, 64-bit entry 0x1000200, boot_params 0x8000'
expect "bzImage: the 64-bit entry is reached" '^\[vcpu 0\] bzimage: 64-bit entry reached$'
for what in 'CS is __BOOT_CS' 'DS is __BOOT_DS' 'interrupts are off' \
    'RSI points at boot_params with the setup header' 'type_of_loader is set' 'boot_params has an e820 map'; do
    expect "bzImage: $what" "^\[vcpu 0\] bzimage: ok: $what\$"
done
expect "bzImage: the command line arrives" '^\[vcpu 0\] bzimage: command line: console=ttyS0 apicvisor-test$'
expect "bzImage: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
