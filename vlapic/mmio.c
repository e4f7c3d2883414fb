#include "vlapic/mmio.h"

#include "vlapic/apic_regs.h"

#define SLOT 16u
#define PAGE 4096u

uint64_t vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size, uint64_t now)
{
    uint64_t result = 0, reg = 0;
    uint32_t reg_offset = PAGE; /* none read yet */
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint32_t o = offset + i;
        if (o >= PAGE || o % SLOT >= 4)
            continue;
        if (o / SLOT * SLOT != reg_offset) {
            reg_offset = o / SLOT * SLOT;
            if (!vlapic_read(vl, reg_offset, now, &reg))
                reg = 0;
        }
        result |= ((reg >> (8 * (o % SLOT))) & 0xff) << (8 * i);
    }
    return result;
}
