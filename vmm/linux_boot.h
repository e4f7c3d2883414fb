/* Loading a Linux bzImage into guest RAM as a boot loader does, after "The Linux/x86 Boot
 * Protocol" (Documentation/arch/x86/boot.rst, protocol 2.15) and its "Zero Page"
 * (Documentation/arch/x86/zero-page.rst): the setup header is read, the protected-mode kernel is
 * copied to its load address, the initrd near the top of RAM, and a struct boot_params ("zero
 * page") with the command line and an e820 map describes the machine.  The kernel is entered by
 * the "64-bit Boot Protocol" (long mode, paging on, identity-mapped) when it has that entry, else
 * by the "32-bit Boot Protocol" (protected mode, paging off).  The real-mode setup code is never
 * run, so it is not loaded.
 *
 * Guest-physical layout (the boot area lies in the first 64 KiB, which Linux keeps reserved by
 * default, CONFIG_X86_RESERVE_LOW; it copies boot_params and the command line early anyway):
 *   0x1000          GDT: 0x10 __BOOT_CS, 0x18 __BOOT_DS (both 4 GiB flat)
 *   0x2000-0x7fff   identity page tables for the 64-bit entry (PML4, PDPT, 4 PDs: 4 GiB, 2 MiB pages)
 *   0x8000          struct boot_params (4 KiB)
 *   0x9000-0xffff   the command line, NUL-terminated
 *   0x9f000-1 MiB   reserved in the e820 map, never written (room for the hypervisor's ACPI tables)
 *   1 MiB-          the kernel at pref_address (or relocated), the initrd as high as it may go
 * Everything the loader places lies below 4 GiB. */
#ifndef VMM_LINUX_BOOT_H
#define VMM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINUX_GDT_ADDR         0x1000u
#define LINUX_PAGE_TABLES_ADDR 0x2000u  /* CR3 for the 64-bit entry */
#define LINUX_PAGE_TABLES_END  0x8000u
#define LINUX_BOOT_PARAMS_ADDR 0x8000u  /* RSI (ESI) at entry */
#define LINUX_CMDLINE_ADDR     0x9000u
#define LINUX_BOOT_AREA_END    0x10000u /* the command line ends before this */
#define LINUX_RESERVED_BASE    0x9f000u /* [this, 1 MiB) is e820 reserved */
#define LINUX_HIGH_BASE        0x100000u /* kernel and initrd go at or above 1 MiB */
#define LINUX_RAM_MIN          (2u << 20)

/* The boot GDT (boot.rst "64-bit Boot Protocol", "32-bit Boot Protocol"): CS must be __BOOT_CS
 * and DS, ES, SS __BOOT_DS.  The VMCS access rights matching its descriptors: */
#define LINUX_BOOT_CS          0x10u
#define LINUX_BOOT_DS          0x18u
#define LINUX_CS_AR_64         0xa09bu /* execute/read, accessed, L=1, G=1 */
#define LINUX_CS_AR_32         0xc09bu /* execute/read, accessed, D=1, G=1 */
#define LINUX_DS_AR            0xc093u /* read/write, accessed, B=1, G=1 */

/* What the setup header (boot.rst "The Real-Mode Kernel Header") says, with the defaults the
 * protocol gives for fields older versions lack. */
struct linux_image_info {
    uint16_t version;          /* 0x206: major << 8 | minor */
    uint8_t setup_sects;       /* 0x1f1, 0 read as 4 */
    uint8_t loadflags;         /* 0x211 */
    uint16_t xloadflags;       /* 0x236, 2.12+; else 0 */
    uint32_t header_end;       /* 0x202 + the byte at 0x201 */
    bool relocatable;          /* 0x234, 2.05+; else false */
    uint32_t kernel_alignment; /* 0x230, 2.05+; else 0 */
    uint32_t initrd_addr_max;  /* 0x22c, 2.03+; else 0x37ffffff */
    uint32_t cmdline_size;     /* 0x238, 2.06+; else 255 */
    uint64_t pref_address;     /* 0x258, 2.10+ when nonzero; else 1 MiB */
    uint32_t init_size;        /* 0x260, 2.10+; else 0 */
    size_t pm_offset, pm_size; /* the protected-mode kernel: (setup_sects + 1) * 512 to the end */
    uint64_t footprint;        /* max(init_size, pm_size): what the kernel needs at its address */
    bool entry64;              /* 2.12+ with XLF_KERNEL_64: the 64-bit entry at +0x200 is used */
};

struct linux_load {
    uint64_t entry;        /* RIP: kernel_addr + 0x200 (64-bit), EIP: kernel_addr (32-bit) */
    bool entry64;          /* true: long mode, paging; false: protected mode, paging off */
    uint64_t boot_params;  /* RSI (ESI) at entry */
    uint64_t cr3;          /* 64-bit entry: the identity page tables; 0 for the 32-bit entry */
    uint64_t gdt_base;     /* GDTR */
    uint16_t gdt_limit;
    uint64_t kernel_addr;  /* where the protected-mode kernel was copied */
    uint64_t kernel_size;  /* bytes copied */
    uint64_t kernel_end;   /* kernel_addr + footprint: kept free of everything else */
    uint64_t cmdline;      /* the NUL-terminated command line */
    uint64_t cmdline_len;  /* without the NUL */
    uint64_t initrd_addr;  /* page aligned; 0 with no initrd */
    uint64_t initrd_size;
    uint16_t version;      /* boot protocol version */
};

/* Whether `image` carries a Linux setup header: boot flag 0xAA55 at 0x1FE and "HdrS" at 0x202
 * (boot.rst "Details of Header Fields").  Picks this loader over the Multiboot one. */
bool linux_is_bzimage(const void *image, size_t size);

/* Reads and checks the setup header.  Returns 0, or -1 with the reason in err. */
int linux_parse(const void *image, size_t size, struct linux_image_info *info, char *err, size_t err_size);

/* Loads the bzImage in `image` into `ram` (guest-physical 0 .. ram_size) with the initrd
 * (`initrd_size` bytes; none when 0 or NULL) and the command line (NULL: empty), and writes
 * boot_params, the GDT and (64-bit entry) the page tables; rsdp_addr, when not 0, goes to
 * boot_params.acpi_rsdp_addr.  The caller sets up the CPU as `out` says (see the header comment
 * above).  Returns 0, or -1 with the reason in err and RAM untouched. */
int linux_load(const void *image, size_t size, const void *initrd, size_t initrd_size, const char *cmdline,
               uint8_t *ram, uint64_t ram_size, uint64_t rsdp_addr, struct linux_load *out, char *err,
               size_t err_size);

#endif
