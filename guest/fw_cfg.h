/* QEMU's firmware configuration device, read the way kvm-unit-tests' lib/x86/fwcfg.c reads it:
 * the I/O-port interface of QEMU docs/specs/fw_cfg.rst. */
#ifndef GUEST_FW_CFG_H
#define GUEST_FW_CFG_H

#include <stdint.h>

/* Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE 0x00   /* "QEMU" */
#define FW_CFG_RAM_SIZE  0x03   /* bytes, 64-bit */
#define FW_CFG_NB_CPUS   0x05   /* the boot CPUs (-smp), 16-bit */

/* Selects `key` and reads its first `bytes` (at most 8) bytes as a little-endian number. */
uint64_t fw_cfg_get_u(uint16_t key, unsigned bytes);

#endif
