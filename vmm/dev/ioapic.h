/* The guest's I/O APIC: an Intel 82093AA (datasheet 290566-001, section 3 "Register
 * Description") with 24 pins, reporting version 0x20 and so offering the EOI register at 0x40
 * that later chipsets added and that Linux and KVM use.  Plain C with no locking: the owner
 * serializes every call, routes the page at ACPI_IOAPIC_BASE here, drives the pins and hands the
 * messages to the local APICs.
 *
 *   device line --ioapic_set_irq--> pin n --redirection entry n--> deliver(ctx, msg) --> vLAPIC
 *   vLAPIC EOI of a level vector --ioapic_eoi--> Remote IRR cleared, re-delivered if still asserted
 *
 * What the owner must do:
 *  - set deliver and ctx after ioapic_init and before any call that can deliver (a write to the
 *    window, ioapic_set_irq, ioapic_eoi);
 *  - in deliver, send the message to the local APICs it names: msg.dest is an xAPIC-format
 *    destination (8 bits, 0xFF is broadcast; SDM Vol. 3A 11.6.2), and msg.level asks for the
 *    vector's TMR bit to be set on acceptance (SDM 11.8.4), so that its EOI is broadcast;
 *  - load ioapic_eoi_exit_bitmap into EOI_EXIT_BITMAP0-3 of every vCPU whenever
 *    ioapic_eoi_exit_generation has moved since the last load, so that the EOI of a
 *    level-triggered vector exits (SDM Vol. 3C 29.1.4 "EOI Virtualization", 29.5), and call
 *    ioapic_eoi for it.
 *
 * There is no interrupt remapping (no VT-d is offered to the guest), so the redirection entry's
 * 8-bit destination (bits 63:56) is all a guest gets: an x2APIC guest reaches APIC IDs 0-254
 * only, through physical destinations (Linux limits itself so without remapping). */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MMIO_SIZE    0x1000u /* the page the owner routes here */
#define IOAPIC_IOREGSEL     0x00u   /* register select (3.1.1) */
#define IOAPIC_IOWIN        0x10u   /* register window (3.1.2) */
#define IOAPIC_EOI          0x40u   /* EOI register of version 0x20 I/O APICs (write-only) */
#define IOAPIC_PINS         24u
#define IOAPIC_VERSION      0x20u

/* Delivery modes, redirection entry bits 10:8 (3.2.4); 3 and 6 are reserved and never sent. */
#define IOAPIC_DM_FIXED     0u
#define IOAPIC_DM_LOWEST    1u
#define IOAPIC_DM_SMI       2u
#define IOAPIC_DM_NMI       4u
#define IOAPIC_DM_INIT      5u
#define IOAPIC_DM_EXTINT    7u

/* One interrupt message, as the I/O APIC sends it to the local APICs. */
struct ioapic_msg {
    uint32_t dest;         /* bits 63:56 of the entry: an APIC ID, or a logical MDA if logical */
    bool logical;          /* destination mode, bit 11 */
    uint8_t delivery_mode; /* IOAPIC_DM_* */
    uint8_t vector;        /* bits 7:0, passed as is: the receiving APIC judges 0-15 (SDM 11.5.2) */
    bool level;            /* level-triggered: the vector's EOI must reach ioapic_eoi */
};

struct ioapic {
    /* Set by the owner; called with its lock held, from inside the calls below. */
    void (*deliver)(void *ctx, const struct ioapic_msg *m);
    void *ctx;
    /* The rest is the model's. */
    uint64_t redir[IOAPIC_PINS]; /* redirection entries as the guest reads them */
    uint32_t lines;              /* bit n: pin n asserted */
    uint32_t eoi_exit_gen;
    uint8_t id;                  /* the 4-bit ID of the ID register, bits 27:24 */
    uint8_t ioregsel;
};

/* Reset (3.2.4): every entry masked and otherwise zero, all lines deasserted, IOREGSEL 0, ID
 * id & 0xF (the register has four bits, 3.2.1: use an id below 16 in the MADT).  Clears deliver
 * and ctx, and the EOI-exit generation. */
void ioapic_init(struct ioapic *io, uint8_t id);

/* A 32-bit access at offset (0..IOAPIC_MMIO_SIZE-1) of the page; the caller narrows or widens
 * other sizes.  Only IOREGSEL, IOWIN and the EOI register exist: any other offset, misaligned
 * ones inside those three included, reads 0 and ignores writes.  IOWIN reads and writes the
 * register IOREGSEL selects: 0x00 ID, 0x01 version (0x00170020), 0x02 arbitration ID, 0x10 + 2n /
 * 0x11 + 2n the low / high half of entry n; others read 0 and ignore writes.  Writing a vector
 * to the EOI register does what ioapic_eoi does. */
uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t offset);
void ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value);

/* Drives pin (< IOAPIC_PINS; others are ignored): level true is asserted.  The polarity bit is
 * the guest's description of the wire and is not applied: devices here drive the logical state,
 * as in QEMU and KVM.  Edge entries deliver on a rising edge while unmasked; level entries
 * deliver while asserted, unmasked and Remote IRR clear, and then set Remote IRR. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);

/* The local APIC's EOI broadcast for vector: every level entry with that vector has its Remote
 * IRR cleared and delivers again if its line is still asserted and it is unmasked. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* ORs into bitmap (bitmap[0] = vectors 0-63) the vector of every level-triggered fixed or
 * lowest-priority entry that is unmasked or still awaits its EOI (Remote IRR set).  A masked
 * entry with Remote IRR set stays in: Linux masks a line while its threaded handler runs and
 * EOIs it meanwhile, and that EOI must still clear Remote IRR or the line never fires again. */
void ioapic_eoi_exit_bitmap(const struct ioapic *io, uint64_t bitmap[4]);

/* Moves whenever the bitmap above may have changed: on a write to an entry's low half that
 * changes the entry's vector in the bitmap, and on an EOI that takes a masked entry out. */
uint32_t ioapic_eoi_exit_generation(const struct ioapic *io);

#endif
