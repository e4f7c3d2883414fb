/* APIC ID and logical destination formats in the two modes. */
#ifndef VLAPIC_LDR_H
#define VLAPIC_LDR_H

#include <stdbool.h>
#include <stdint.h>

/* SDM 11.12.10.2 "Deriving Logical x2APIC ID from the Local x2APIC ID": the x2APIC LDR is
 * read-only and is ((x2APIC ID[19:4]) << 16) | (1 << x2APIC ID[3:0]): cluster in 31:16, one bit
 * of 16 in 15:0.  Example: x2APIC ID 0x25 -> LDR 0x00020020. */
uint32_t x2apic_ldr_from_id(uint32_t x2apic_id);

/* The value of the ID register (offset 0x20 / MSR 0x802).  SDM 11.4.6 "Local APIC ID": in xAPIC
 * mode the 8-bit ID is in bits 31:24; SDM 11.12.5.1: in x2APIC mode it is the full 32-bit
 * x2APIC ID. */
uint32_t apic_id_register(uint32_t apic_id, bool x2apic);

/* The APIC ID held by an ID register value (the inverse of apic_id_register). */
uint32_t apic_id_from_register(uint32_t reg, bool x2apic);

/* Whether an APIC ID can be used in xAPIC mode: 8 bits, and 0xFF is the broadcast address
 * (SDM 11.6.2.1 "Physical Destination Mode"). */
bool apic_id_fits_xapic(uint32_t apic_id);

#endif
