#include "guest/fw_cfg.h"

#include "guest/x86.h"

/* fw_cfg.rst "Selector Register" / "Data Register": a 16-bit write of the key to the selector
 * resets the item's offset; each byte read from the data port returns the next byte. */
#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

uint64_t fw_cfg_get_u(uint16_t key, unsigned bytes)
{
    uint64_t v = 0;
    outw(FW_CFG_PORT_SEL, key);
    /* The legacy numeric items are stored little-endian (fw_cfg_add_i16/i64). */
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)inb(FW_CFG_PORT_DATA) << (8 * i);
    return v;
}
