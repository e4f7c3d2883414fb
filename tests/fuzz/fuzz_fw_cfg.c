/* QEMU's fw_cfg, I/O-port form (vmm/dev/fw_cfg.c), on random RAM sizes and vCPU counts and random
 * sequences of 1-, 2- and 4-byte INs and OUTs on its two ports.  The struct lives in an exact
 * heap allocation.  The items are written again here from fw_cfg.h and QEMU's
 * docs/specs/fw_cfg.rst, and the target checks:
 *  - after reset, and after any selection of key 0 (bit 14 ignored), data reads "QEMU";
 *  - each byte IN (from 0x511, or from 0x510, which reads data too) gives the selected item's
 *    next byte: FW_CFG_ID 01 00 00 00, FW_CFG_RAM_SIZE the u64 little-endian, FW_CFG_NB_CPUS and
 *    FW_CFG_MAX_CPUS the u16, FW_CFG_FILE_DIR four zeros, every other key nothing; past the end
 *    (and on an empty item) it reads 0, however long the guest goes on;
 *  - 16- and 32-bit INs read 0 and do not move the offset; byte OUTs (data writes) change nothing;
 *    a 16- or 32-bit OUT to 0x510 selects its low 16 bits from offset 0, one to 0x511 nothing;
 *  - only 0x510 and 0x511 are claimed. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/fw_cfg.h"

/* The item key names, as the guest reads it: its bytes and length. */
static unsigned item(uint16_t key, uint64_t ram, uint16_t ncpus, uint8_t out[8])
{
    switch (key & 0xbfff) {
    case 0x0000: memcpy(out, "QEMU", 4); return 4;
    case 0x0001: memcpy(out, "\x01\0\0\0", 4); return 4;
    case 0x0003:
        for (unsigned i = 0; i < 8; i++)
            out[i] = (uint8_t)(ram >> (8 * i));
        return 8;
    case 0x0005:
    case 0x000f:
        out[0] = (uint8_t)ncpus;
        out[1] = (uint8_t)(ncpus >> 8);
        return 2;
    case 0x0019: memset(out, 0, 4); return 4;
    default: return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint64_t ram = fuzz_u64(&in);
    uint16_t ncpus = fuzz_u16(&in);
    struct fw_cfg *f = malloc(sizeof(*f));
    memset(f, 0xa5, sizeof(*f)); /* fw_cfg_init must set everything that matters */
    fw_cfg_init(f, ram, ncpus);
    uint16_t key = 0;
    unsigned offset = 0;
    uint8_t bytes[8];

    /* op: bits 1:0 the kind (0 a selection, 1 a write, 2 and 3 reads; 3 with bit 7 a claims probe),
     * bits 3:2 the size (1, 2, 4, 1), bit 4 the port (0x510, else 0x511), bit 5 a u32 value for a
     * selection or a run of 1 + u8 reads, bit 6 selector bit 14. */
    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned sz = (op >> 2) & 3;
        sz = sz == 3 ? 1 : 1u << sz;
        uint16_t port = op & 0x10 ? FW_CFG_PORT_SEL : FW_CFG_PORT_DATA;
        if ((op & 0x83) == 0x83) {
            port = fuzz_u16(&in);
            FUZZ_CHECK(fw_cfg_claims(port) == (port == 0x510 || port == 0x511), "fw_cfg_claims(%#x)", port);
            continue;
        }
        FUZZ_CHECK(fw_cfg_claims(port), "fw_cfg_claims(%#x)", port);
        switch (op & 3) {
        case 0:   /* a selection: mostly a key that exists */
        case 1: { /* any write */
            static const uint16_t keys[8] = { 0x0000, 0x0001, 0x0003, 0x0005, 0x000f, 0x0019, 0x0002, 0x8000 };
            uint32_t v = (op & 3) == 1 || (op & 0x20) ? fuzz_u32(&in)
                                                      : keys[fuzz_u8(&in) & 7] | (op & 0x40 ? 0x4000u : 0);
            fuzz_trace("OUT%u %#x <- %#x\n", 8 * sz, port, v);
            fw_cfg_write(f, port, sz, v);
            if (port == FW_CFG_PORT_SEL && sz >= 2) {
                key = (uint16_t)v;
                offset = 0;
            }
            break;
        }
        default: { /* reads: a run of them, past the end too */
            unsigned run = 1 + (op & 0x20 ? fuzz_u8(&in) : 0);
            for (unsigned i = 0; i < run; i++) {
                uint32_t v = fw_cfg_read(f, port, sz);
                unsigned len = item(key, ram, ncpus, bytes);
                uint32_t expect = sz == 1 && offset < len ? bytes[offset] : 0;
                fuzz_trace("IN%u %#x -> %#x\n", 8 * sz, port, v);
                FUZZ_CHECK(v == expect, "IN%u %#x, key %#x offset %u: %#x, expected %#x", 8 * sz, port, key,
                           offset, v, expect);
                if (sz == 1 && offset < len)
                    offset++;
            }
            break;
        }
        }
    }
    /* Whatever happened, selecting the signature reads "QEMU". */
    fw_cfg_write(f, FW_CFG_PORT_SEL, 2, FW_CFG_SIGNATURE);
    char sig[5] = { 0 };
    for (unsigned i = 0; i < 4; i++)
        sig[i] = (char)fw_cfg_read(f, FW_CFG_PORT_DATA, 1);
    FUZZ_CHECK(!strcmp(sig, "QEMU"), "signature \"%s\"", sig);
    FUZZ_CHECK(fw_cfg_read(f, FW_CFG_PORT_DATA, 1) == 0, "a byte past the signature is not 0");
    free(f);
    return 0;
}
