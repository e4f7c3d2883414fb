#include "vmm/dev/fw_cfg.h"

#include <stddef.h>

static void put_le(uint8_t *out, uint64_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_bytes, uint16_t ncpus)
{
    put_le(f->ram_size, ram_bytes, sizeof(f->ram_size));
    put_le(f->ncpus, ncpus, sizeof(f->ncpus));
    f->key = FW_CFG_SIGNATURE;
    f->offset = 0;
}

bool fw_cfg_claims(uint16_t port)
{
    return port == FW_CFG_PORT_SEL || port == FW_CFG_PORT_DATA;
}

/* The selected item's bytes and length; an item that does not exist is empty. */
static const uint8_t *item(const struct fw_cfg *f, uint32_t *len)
{
    static const uint8_t signature[4] = "QEMU";
    static const uint8_t id[4] = { FW_CFG_VERSION, 0, 0, 0 };
    static const uint8_t no_files[4] = { 0, 0, 0, 0 }; /* FWCfgFiles.count, big-endian */
    switch (f->key & ~FW_CFG_WRITE_CHANNEL) {
    case FW_CFG_SIGNATURE: *len = sizeof(signature); return signature;
    case FW_CFG_ID: *len = sizeof(id); return id;
    case FW_CFG_RAM_SIZE: *len = sizeof(f->ram_size); return f->ram_size;
    case FW_CFG_NB_CPUS:
    case FW_CFG_MAX_CPUS: *len = sizeof(f->ncpus); return f->ncpus;
    case FW_CFG_FILE_DIR: *len = sizeof(no_files); return no_files;
    default: *len = 0; return NULL;
    }
}

uint32_t fw_cfg_read(struct fw_cfg *f, uint16_t port, unsigned size)
{
    (void)port; /* a byte read of either port is a data read (fw_cfg_comb_mem_ops) */
    if (size != 1)
        return 0;
    uint32_t len;
    const uint8_t *data = item(f, &len);
    /* The offset stops at the end: every later read is past it and reads 0 (fw_cfg.rst). */
    return f->offset < len ? data[f->offset++] : 0;
}

void fw_cfg_write(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t value)
{
    /* Byte writes are data writes, ignored; a wider one at the selector selects. */
    if (port == FW_CFG_PORT_SEL && size >= 2) {
        f->key = (uint16_t)value;
        f->offset = 0;
    }
}
