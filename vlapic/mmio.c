#include "vlapic/mmio.h"

#include "vlapic/apic_regs.h"
#include "vlapic/vapic_regs.h"

#include <stdbool.h>

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

/* The registers an xAPIC takes writes to (SDM 11.4.1, table "Local APIC Register Address Map"):
 * the same list as the CPU's write virtualization (SDM 30.4.3.2). */
static bool writable(uint32_t offset)
{
    switch (offset) {
    case APIC_ID: case APIC_TPR: case APIC_EOI: case APIC_LDR: case APIC_DFR: case APIC_SVR:
    case APIC_ESR: case APIC_ICR_LO: case APIC_ICR_HI: case APIC_TIMER_ICR: case APIC_TIMER_DCR:
        return true;
    default:
        return offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR && offset % SLOT == 0;
    }
}

struct vlapic_outcome vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size, uint32_t value,
                                        uint64_t now)
{
    if (size != 4 || !writable(offset))
        return (struct vlapic_outcome){ .result = VLAPIC_DONE };
    vapic_write(vl->page, offset, value);
    return vlapic_write(vl, offset, value, now);
}
