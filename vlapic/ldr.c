#include "vlapic/ldr.h"

#include "vlapic/apic_regs.h"

#define XAPIC_BROADCAST_ID 0xffu

uint32_t x2apic_ldr_from_id(uint32_t x2apic_id)
{
    uint32_t cluster = (x2apic_id >> 4) & 0xffffu; /* ID[19:4] */
    return (cluster << 16) | (1u << (x2apic_id & 0xfu));
}

uint32_t apic_id_register(uint32_t apic_id, bool x2apic)
{
    return x2apic ? apic_id : (apic_id & 0xffu) << APIC_XAPIC_ID_SHIFT;
}

uint32_t apic_id_from_register(uint32_t reg, bool x2apic)
{
    return x2apic ? reg : reg >> APIC_XAPIC_ID_SHIFT;
}

bool apic_id_fits_xapic(uint32_t apic_id)
{
    return apic_id < XAPIC_BROADCAST_ID;
}
