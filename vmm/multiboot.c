#include "vmm/multiboot.h"

#include <stdbool.h>
#include <string.h>

#include "lib/format.h"

#define MB_FLAG_PAGE_ALIGN  (1u << 0)
#define MB_FLAG_MEMORY_INFO (1u << 1)
#define MB_FLAG_VIDEO       (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_SEARCH_BYTES     8192

#define MBI_MEMORY   (1u << 0)
#define MBI_CMDLINE  (1u << 2)
#define MBI_MMAP     (1u << 6)
#define MBI_LOADER   (1u << 9)

struct mb_header {
    uint32_t magic, flags, checksum;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1

struct loader {
    const uint8_t *image;
    size_t size;
    uint8_t *ram;
    uint64_t ram_size;
    struct multiboot_load *out;
    char *err;
    size_t err_size;
};

static int fail(struct loader *l, const char *msg, uint32_t a, uint32_t b)
{
    fmt_snprintf(l->err, l->err_size, msg, a, b);
    return -1;
}

/* Places [addr, addr + memsz) with `filesz` bytes from the image at `offset`, the rest zeroed. */
static int place(struct loader *l, uint32_t addr, uint32_t offset, uint32_t filesz, uint32_t memsz)
{
    uint64_t end = (uint64_t)addr + memsz;
    if (filesz > memsz || (uint64_t)offset + filesz > l->size)
        return fail(l, "segment at 0x%x: file data out of bounds (offset 0x%x)", addr, offset);
    if (end > l->ram_size)
        return fail(l, "segment at 0x%x: ends at 0x%x, beyond guest RAM", addr, (uint32_t)end);
    if (addr < MULTIBOOT_INFO_LIMIT && end > MULTIBOOT_INFO_BASE)
        return fail(l, "segment at 0x%x overlaps the boot information at 0x%x", addr, MULTIBOOT_INFO_BASE);
    memcpy(l->ram + addr, l->image + offset, filesz);
    memset(l->ram + addr + filesz, 0, memsz - filesz);
    if (addr < l->out->image_lo)
        l->out->image_lo = addr;
    if (end > l->out->image_hi)
        l->out->image_hi = (uint32_t)end;
    return 0;
}

static int load_elf32(struct loader *l)
{
    const struct elf32_ehdr *eh = (const void *)l->image;
    if (l->size < sizeof(*eh) || memcmp(eh->ident, "\x7f" "ELF", 4))
        return fail(l, "not an ELF file and no a.out kludge in the Multiboot header", 0, 0);
    if (eh->ident[4] != 1 || eh->machine != 3)
        return fail(l, "ELF class %u machine %u: Multiboot needs ELF32 for i386", eh->ident[4], eh->machine);
    if (eh->phentsize != sizeof(struct elf32_phdr) || (uint64_t)eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf32_phdr) > l->size)
        return fail(l, "ELF program headers out of bounds", 0, 0);
    unsigned loaded = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        struct elf32_phdr ph;
        memcpy(&ph, l->image + eh->phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (place(l, ph.paddr, ph.offset, ph.filesz, ph.memsz))
            return -1;
        loaded++;
    }
    if (!loaded)
        return fail(l, "ELF file has no loadable segment", 0, 0);
    l->out->entry = eh->entry;
    return 0;
}

/* Multiboot 3.1.3: the a.out kludge gives the load addresses in the header itself. */
static int load_aout_kludge(struct loader *l, const struct mb_header *h, uint32_t header_offset)
{
    if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > header_offset)
        return fail(l, "Multiboot header_addr 0x%x inconsistent with load_addr 0x%x", h->header_addr, h->load_addr);
    uint32_t file_start = header_offset - (h->header_addr - h->load_addr);
    uint32_t load_end = h->load_end_addr ? h->load_end_addr : h->load_addr + (uint32_t)(l->size - file_start);
    uint32_t bss_end = h->bss_end_addr > load_end ? h->bss_end_addr : load_end;
    if (load_end < h->load_addr)
        return fail(l, "Multiboot load_end_addr 0x%x below load_addr 0x%x", load_end, h->load_addr);
    if (place(l, h->load_addr, file_start, load_end - h->load_addr, bss_end - h->load_addr))
        return -1;
    l->out->entry = h->entry_addr;
    return 0;
}

static const struct mb_header *find_header(const uint8_t *image, size_t size, uint32_t *offset)
{
    for (size_t off = 0; off + sizeof(struct mb_header) <= size && off < MB_SEARCH_BYTES; off += 4) {
        const struct mb_header *h = (const void *)(image + off);
        if (h->magic == MULTIBOOT_HEADER_MAGIC && h->magic + h->flags + h->checksum == 0) {
            *offset = (uint32_t)off;
            return h;
        }
    }
    return 0;
}

static void write_info(struct loader *l, const char *cmdline)
{
    uint8_t *base = l->ram + MULTIBOOT_INFO_BASE;
    memset(base, 0, MULTIBOOT_INFO_LIMIT - MULTIBOOT_INFO_BASE);
    struct mb_info *mbi = (void *)base;
    uint32_t at = MULTIBOOT_INFO_BASE + sizeof(*mbi);

    /* Guest RAM is [0, 640 KiB) and [1 MiB, ram_size); the hole in between stays unused. */
    struct mb_mmap_entry map[2] = {
        { sizeof(map[0]) - 4, 0, 0xa0000, 1 },
        { sizeof(map[0]) - 4, 0x100000, l->ram_size - 0x100000, 1 },
    };
    memcpy(l->ram + at, map, sizeof(map));
    mbi->mmap_addr = at;
    mbi->mmap_length = sizeof(map);
    at += sizeof(map);

    static const char loader_name[] = "apicvisor";
    memcpy(l->ram + at, loader_name, sizeof(loader_name));
    mbi->boot_loader_name = at;
    at += sizeof(loader_name);

    size_t room = MULTIBOOT_INFO_LIMIT - at - 1, len = strlen(cmdline);
    if (len > room)
        len = room;
    memcpy(l->ram + at, cmdline, len);
    mbi->cmdline = at;

    mbi->mem_lower = 640;
    mbi->mem_upper = (uint32_t)((l->ram_size - 0x100000) / 1024);
    mbi->flags = MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER;
    l->out->info_addr = MULTIBOOT_INFO_BASE;
}

int multiboot_load(const void *image, size_t size, uint8_t *ram, uint64_t ram_size, const char *cmdline,
                   struct multiboot_load *out, char *err, size_t err_size)
{
    struct loader l = { image, size, ram, ram_size, out, err, err_size };
    *out = (struct multiboot_load){ .image_lo = UINT32_MAX };
    if (ram_size < 2 * 0x100000 || ram_size > (1ull << 32))
        return fail(&l, "guest RAM of %u MiB is not usable (2 MiB to 4 GiB)", (uint32_t)(ram_size >> 20), 0);
    uint32_t header_offset;
    const struct mb_header *h = find_header(image, size, &header_offset);
    if (!h)
        return fail(&l, "no Multiboot header in the first %u bytes", MB_SEARCH_BYTES, 0);
    /* Multiboot 3.1.2: unknown bits in 15:0 are requirements we cannot meet. */
    uint32_t unsupported = h->flags & 0xffffu & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
    if (unsupported)
        return fail(&l, "Multiboot header asks for unsupported features (flags 0x%x)", unsupported, 0);
    int rc = (h->flags & MB_FLAG_AOUT_KLUDGE) ? load_aout_kludge(&l, h, header_offset) : load_elf32(&l);
    if (rc)
        return rc;
    if (out->entry < out->image_lo || out->entry >= out->image_hi)
        return fail(&l, "entry point 0x%x is outside the loaded image", out->entry, 0);
    write_info(&l, cmdline);
    return 0;
}
