/* Loading a Multiboot (v1) kernel into guest RAM and describing the machine to it, as the
 * Multiboot Specification 0.6.96 says ("3.1 OS image format", "3.3 Boot information format"). */
#ifndef VMM_MULTIBOOT_H
#define VMM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC     0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u /* in EAX at entry */

/* Where the information structure and what it points to are placed (below the usual 1 MiB
 * kernel load address); a kernel that loads over this range is refused. */
#define MULTIBOOT_INFO_BASE  0x8000u
#define MULTIBOOT_INFO_LIMIT 0x10000u

struct multiboot_load {
    uint32_t entry;      /* EIP at entry */
    uint32_t info_addr;  /* EBX at entry */
    uint32_t image_lo, image_hi; /* guest-physical range the kernel occupies */
};

/* Copies the kernel in `image` into `ram` (guest-physical 0 .. ram_size) and writes the
 * information structure (memory, command line, memory map, boot loader name).  Accepts an ELF32
 * image, or any image with the header's a.out kludge (flag 16).  Returns 0, or -1 with a
 * message in err. */
int multiboot_load(const void *image, size_t size, uint8_t *ram, uint64_t ram_size, const char *cmdline,
                   struct multiboot_load *out, char *err, size_t err_size);

#endif
