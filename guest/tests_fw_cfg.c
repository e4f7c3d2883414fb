/* QEMU's fw_cfg (docs/specs/fw_cfg.rst), read as kernels written for QEMU read it (kvm-unit-tests
 * lib/x86/fwcfg.c): QEMU and apicvisor (vmm/dev/fw_cfg.c) both offer it. */
#include "guest/fw_cfg.h"
#include "guest/multiboot.h"
#include "guest/options.h"
#include "guest/percpu.h"
#include "guest/tests.h"
#include "lib/console.h"

#define SIGNATURE_QEMU 0x554d4551u   /* "QEMU" read little-endian */
#define KIB UINT64_C(1024)
#define MIB (1024 * KIB)
/* Multiboot's mem_upper is the RAM contiguous from 1 MiB.  apicvisor gives all of it
 * (vmm/multiboot.c); QEMU's Multiboot option ROM takes it from the firmware's E820 map
 * (pc-bios/optionrom/multiboot.S), where SeaBIOS keeps up to BUILD_MAX_HIGHTABLE (256 KiB) at the
 * top for its tables (seen: 128 KiB).  Above 2 GiB QEMU's pc and q35 may put part of the RAM
 * above 4 GiB, outside mem_upper. */
#define FIRMWARE_RESERVE_MAX (256 * KIB)
#define ALL_RAM_LOW_MAX (2048 * MIB)

void test_fw_cfg(void)
{
    uint32_t sig = (uint32_t)fw_cfg_get_u(FW_CFG_SIGNATURE, 4);
    /* A port read nobody decodes returns all ones: real hardware, or a platform without fw_cfg. */
    if (sig == 0xffffffffu) {
        test_skip("no fw_cfg: the signature at port 0x510 reads ff ff ff ff");
        return;
    }
    if (!CHECK(sig == SIGNATURE_QEMU, "signature bytes %02x %02x %02x %02x, not \"QEMU\"", sig & 0xff,
               (sig >> 8) & 0xff, (sig >> 16) & 0xff, sig >> 24))
        return;
    unsigned ncpus = (unsigned)fw_cfg_get_u(FW_CFG_NB_CPUS, 2);
    uint64_t ram = fw_cfg_get_u(FW_CFG_RAM_SIZE, 8);
    kprintf("# fw-cfg: %u CPUs, %lu MiB RAM\n", ncpus, ram / MIB);

    /* With ncpus= the test names the CPUs it needs (apic-id checks that many came up); the
     * platform may offer more.  Otherwise every CPU fw_cfg names comes up, up to the
     * GUEST_MAX_CPUS slots (boot.asm parks the others). */
    if (options.ncpus)
        CHECK(options.ncpus <= ncpus, "ncpus=%u but fw_cfg reports %u CPUs", options.ncpus, ncpus);
    else
        CHECK(cpus_online == (ncpus < GUEST_MAX_CPUS ? ncpus : GUEST_MAX_CPUS),
              "%u CPUs came up, fw_cfg reports %u", cpus_online, ncpus);

    if (!CHECK(multiboot_mem_upper_kib, "no Multiboot memory information (flags bit 0) to compare RAM_SIZE with"))
        return;
    uint64_t low = MIB + multiboot_mem_upper_kib * KIB;
    if (!CHECK(low <= ram, "RAM_SIZE %lu KiB < 1 MiB + Multiboot mem_upper %u KiB", ram / KIB,
               multiboot_mem_upper_kib))
        return;
    if (ram <= ALL_RAM_LOW_MAX)
        CHECK(ram - low <= FIRMWARE_RESERVE_MAX, "RAM_SIZE %lu KiB, but 1 MiB + Multiboot mem_upper is %lu KiB",
              ram / KIB, low / KIB);
}
