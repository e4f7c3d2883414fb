/* QEMU's firmware configuration device (fw_cfg), I/O-port form, as a guest written for QEMU
 * finds it (QEMU docs/specs/fw_cfg.rst; hw/nvram/fw_cfg.c for what the spec leaves open).
 *
 *   0x510  selector: a 16-bit OUT selects an item and sets its data offset to zero
 *   0x511  data: each 8-bit IN returns the item's next byte; past its end, and for an item
 *          that does not exist, it reads 0
 *
 * Only the traditional interface: FW_CFG_ID has bit 0 alone, so a guest never looks for the DMA
 * address register at 0x514.  Ports 0x512-0x51b are not claimed: left to the empty bus (reads
 * all ones, writes dropped), they answer as QEMU's do when its DMA interface is off.
 *
 * The items are what a guest booted without firmware reads; kvm-unit-tests (lib/x86/fwcfg.c),
 * the main user, reads FW_CFG_NB_CPUS as a u16 and FW_CFG_RAM_SIZE as a u64, each with a 16-bit OUT
 * to 0x510 and byte INs from 0x511:
 *   FW_CFG_SIGNATURE "QEMU" | FW_CFG_ID u32 1 | FW_CFG_RAM_SIZE u64 | FW_CFG_NB_CPUS u16 |
 *   FW_CFG_MAX_CPUS u16, the same count (no vCPU is ever added; QEMU's x86 machines put the
 *   APIC ID limit there, the same number while IDs run 0..n-1) | FW_CFG_FILE_DIR: a big-endian
 *   u32 count of 0, no files.
 * Numbers are little-endian.  Every other selector, the architecture-specific ones (bit 15)
 * included, names an empty item.  Bit 14, the old write channel, is ignored in the selection
 * as QEMU does (FW_CFG_ENTRY_MASK).
 *
 * Accesses other than the two above, as QEMU's "fwcfg" region at 0x510-0x511 treats them
 * (fw_cfg_comb_mem_ops): an 8-bit OUT to either port is a data write, ignored since QEMU 2.4
 * and not moving the offset; an 8-bit IN from 0x510 reads data like 0x511; a 32-bit OUT to
 * 0x510 selects with its low 16 bits (the part of it inside the region is a 16-bit write), while
 * a wider OUT to 0x511 selects nothing (its part inside the region is a byte data write).
 * 16- and 32-bit INs are not fw_cfg accesses (QEMU accepts only byte reads, fw_cfg_comb_valid):
 * they read 0 and leave the offset alone. */
#ifndef VMM_DEV_FW_CFG_H
#define VMM_DEV_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

/* Selector keys (fw_cfg.rst; QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE     0x0000
#define FW_CFG_ID            0x0001
#define FW_CFG_RAM_SIZE      0x0003
#define FW_CFG_NB_CPUS       0x0005
#define FW_CFG_MAX_CPUS      0x000f
#define FW_CFG_FILE_DIR      0x0019
#define FW_CFG_WRITE_CHANNEL 0x4000 /* selector bit 14 */

#define FW_CFG_VERSION       0x01 /* FW_CFG_ID bit 0, the traditional interface; bit 1 (DMA) stays clear */

struct fw_cfg {
    uint8_t ram_size[8]; /* FW_CFG_RAM_SIZE, little-endian */
    uint8_t ncpus[2];    /* FW_CFG_NB_CPUS and FW_CFG_MAX_CPUS, little-endian */
    uint16_t key;        /* the selector as last written */
    uint32_t offset;     /* the next byte of the selected item */
};

/* The device after reset: the values it offers, and FW_CFG_SIGNATURE selected (QEMU's
 * fw_cfg_reset), so reading data before any selection gives "QEMU". */
void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t ncpus);
/* The selector and data ports; 0x512 up are left to the empty bus (see above). */
bool fw_cfg_claims(uint16_t port);
/* A guest IN of size bytes (1, 2 or 4) from a claimed port. */
uint32_t fw_cfg_read(struct fw_cfg *f, uint16_t port, unsigned size);
/* A guest OUT of size bytes (1, 2 or 4) to a claimed port. */
void fw_cfg_write(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t value);

#endif
