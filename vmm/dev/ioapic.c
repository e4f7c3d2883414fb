/* The guest's I/O APIC (vmm/dev/ioapic.h).  Section numbers are those of the Intel 82093AA
 * datasheet (290566-001); "SDM" is the Intel SDM.
 *
 * Choices the datasheet leaves open, or where we follow what guests expect of QEMU and KVM:
 *  - Delivery is synchronous: the message reaches deliver() inside the call that caused it, so
 *    Delivery Status (bit 12, "send pending") always reads 0.
 *  - Remote IRR is set when the message is handed over; the model cannot see whether a local
 *    APIC accepted it.  A level interrupt sent to no APIC keeps its pin quiet until an EOI of its
 *    vector or until its entry is rewritten as edge.
 *  - Only fixed and lowest-priority entries run level-triggered: the datasheet treats SMI, NMI,
 *    INIT and ExtINT as edge whatever the trigger bit says (3.2.4, Delivery Mode), and a local
 *    APIC sends EOIs only for vectors it put in service.  The trigger bit still reads back.
 *  - The reserved delivery modes 011 and 110 send nothing (3.2.4 defines no message for them).
 *  - Writing an entry's low half so that it is not level-triggered clears Remote IRR, as QEMU
 *    and KVM do: Linux's EOI for I/O APICs without the EOI register (switch the entry to edge
 *    and back) relies on it.  Guest writes never set Remote IRR.
 *  - Unmasking a level entry whose line is asserted and Remote IRR clear delivers (QEMU, KVM):
 *    the input is level-sensitive and still asserted.  Edges on a masked pin are lost (3.2.4,
 *    Interrupt Mask: "not delivered or held pending").
 *  - Register indexes 0x03-0x0F and 0x40-0xFF read 0 and ignore writes (3.2 defines none).
 * After every call: a level entry whose line is asserted and which is unmasked has Remote IRR
 * set, i.e. it has been delivered and awaits its EOI. */
#include "vmm/dev/ioapic.h"

#include <string.h>

/* Registers behind IOWIN, by IOREGSEL index (3.2) */
#define REG_ID              0x00u
#define REG_VER             0x01u
#define REG_ARB             0x02u
#define REG_REDTBL          0x10u /* entry n: low half 0x10 + 2n, high half 0x11 + 2n */
#define REG_REDTBL_END      (REG_REDTBL + 2u * IOAPIC_PINS)

#define IOREGSEL_MASK       0xffu /* bits 7:0 select, 31:8 reserved (3.1.1) */
#define ID_SHIFT            24    /* ID and arbitration ID: bits 27:24 (3.2.1, 3.2.3) */
#define ID_MASK             0x0fu
#define VER_MAX_REDIR_SHIFT 16    /* maximum redirection entry, bits 23:16 (3.2.2) */

/* Redirection table entry (3.2.4) */
#define RTE_VECTOR_MASK     0xffull
#define RTE_DM_SHIFT        8
#define RTE_DM_MASK         (7ull << RTE_DM_SHIFT)
#define RTE_DEST_LOGICAL    (1ull << 11)
#define RTE_POLARITY_LOW    (1ull << 13)
#define RTE_REMOTE_IRR      (1ull << 14)
#define RTE_LEVEL           (1ull << 15)
#define RTE_MASKED          (1ull << 16)
#define RTE_DEST_SHIFT      56
#define RTE_DEST_MASK       (0xffull << RTE_DEST_SHIFT)
/* What a guest write may change in the low half: not Delivery Status (12), not Remote IRR (14),
 * not the reserved bits 31:17. */
#define RTE_LOW_WRITABLE    (RTE_VECTOR_MASK | RTE_DM_MASK | RTE_DEST_LOGICAL | RTE_POLARITY_LOW | \
                             RTE_LEVEL | RTE_MASKED)
#define DM_RESERVED3        3u
#define DM_RESERVED6        6u

static unsigned rte_dm(uint64_t e)
{
    return (unsigned)((e & RTE_DM_MASK) >> RTE_DM_SHIFT);
}

/* Level-triggered as the model runs it: the trigger bit on a fixed or lowest-priority entry. */
static bool rte_level(uint64_t e)
{
    unsigned dm = rte_dm(e);
    return (e & RTE_LEVEL) && (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST);
}

/* The vector e puts in the EOI-exit bitmap, or -1: a level entry's EOI must reach ioapic_eoi
 * while the entry can deliver (unmasked) or has delivered and awaits it (Remote IRR). */
static int eoi_exit_vector(uint64_t e)
{
    if (!rte_level(e) || ((e & RTE_MASKED) && !(e & RTE_REMOTE_IRR)))
        return -1;
    return (int)(e & RTE_VECTOR_MASK);
}

/* Every change of an entry goes through here, so the generation moves exactly when the entry's
 * part of the EOI-exit bitmap does. */
static void set_entry(struct ioapic *io, unsigned pin, uint64_t e)
{
    if (eoi_exit_vector(io->redir[pin]) != eoi_exit_vector(e))
        io->eoi_exit_gen++;
    io->redir[pin] = e;
}

static bool line_asserted(const struct ioapic *io, unsigned pin)
{
    return (io->lines >> pin) & 1u;
}

/* Sends pin's message; a level-triggered one sets Remote IRR until its EOI (3.2.4). */
static void send(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    unsigned dm = rte_dm(e);
    if (dm == DM_RESERVED3 || dm == DM_RESERVED6)
        return;
    struct ioapic_msg m = {
        .dest = (uint32_t)(e >> RTE_DEST_SHIFT),
        .logical = (e & RTE_DEST_LOGICAL) != 0,
        .delivery_mode = (uint8_t)dm,
        .vector = (uint8_t)(e & RTE_VECTOR_MASK),
        .level = rte_level(e),
    };
    if (m.level)
        set_entry(io, pin, e | RTE_REMOTE_IRR);
    io->deliver(io->ctx, &m);
}

/* A level entry delivers while its line is asserted, it is unmasked and Remote IRR is clear. */
static void service_level(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    if (rte_level(e) && line_asserted(io, pin) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)))
        send(io, pin);
}

void ioapic_init(struct ioapic *io, uint8_t id)
{
    memset(io, 0, sizeof(*io));
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        io->redir[pin] = RTE_MASKED;
    io->id = id & ID_MASK;
}

static uint32_t read_redir(const struct ioapic *io, unsigned reg)
{
    uint64_t e = io->redir[(reg - REG_REDTBL) / 2u];
    return (reg & 1u) ? (uint32_t)(e >> 32) : (uint32_t)e;
}

static uint32_t read_reg(const struct ioapic *io, unsigned reg)
{
    switch (reg) {
    case REG_ID:
    case REG_ARB: /* loaded from the ID whenever the ID is written (3.2.3) */
        return (uint32_t)io->id << ID_SHIFT;
    case REG_VER:
        return (IOAPIC_PINS - 1u) << VER_MAX_REDIR_SHIFT | IOAPIC_VERSION;
    default:
        return reg >= REG_REDTBL && reg < REG_REDTBL_END ? read_redir(io, reg) : 0;
    }
}

static void write_redir_low(struct ioapic *io, unsigned pin, uint32_t value)
{
    uint64_t e = (io->redir[pin] & ~RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
    if (!rte_level(e))
        e &= ~RTE_REMOTE_IRR;
    set_entry(io, pin, e);
    service_level(io, pin);
}

static void write_redir(struct ioapic *io, unsigned reg, uint32_t value)
{
    unsigned pin = (reg - REG_REDTBL) / 2u;
    if (reg & 1u) { /* only the destination, bits 63:56: 55:32 are reserved */
        uint64_t dest = ((uint64_t)value << 32) & RTE_DEST_MASK;
        set_entry(io, pin, (io->redir[pin] & ~RTE_DEST_MASK) | dest);
    } else {
        write_redir_low(io, pin, value);
    }
}

static void write_reg(struct ioapic *io, unsigned reg, uint32_t value)
{
    if (reg == REG_ID)
        io->id = (value >> ID_SHIFT) & ID_MASK;
    else if (reg >= REG_REDTBL && reg < REG_REDTBL_END)
        write_redir(io, reg, value);
    /* the version and arbitration ID registers are read-only (3.2.2, 3.2.3) */
}

/* Only aligned 32-bit accesses to IOREGSEL and IOWIN are defined (3.1); the caller has made the
 * access 32 bits wide, and anything at another offset reads 0 and is not written. */
uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t offset)
{
    switch (offset) {
    case IOAPIC_IOREGSEL:
        return io->ioregsel;
    case IOAPIC_IOWIN:
        return read_reg(io, io->ioregsel);
    default: /* the EOI register included: it is write-only */
        return 0;
    }
}

void ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case IOAPIC_IOREGSEL:
        io->ioregsel = (uint8_t)(value & IOREGSEL_MASK);
        break;
    case IOAPIC_IOWIN:
        write_reg(io, io->ioregsel, value);
        break;
    case IOAPIC_EOI: /* bits 7:0 are the vector, as KVM and QEMU read it */
        ioapic_eoi(io, (uint8_t)value);
        break;
    default:
        break;
    }
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS)
        return;
    bool rising = level && !line_asserted(io, pin);
    io->lines = level ? io->lines | 1u << pin : io->lines & ~(1u << pin);
    uint64_t e = io->redir[pin];
    if (rte_level(e))
        service_level(io, pin);
    else if (rising && !(e & RTE_MASKED))
        send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if (!rte_level(e) || (e & RTE_VECTOR_MASK) != vector)
            continue;
        set_entry(io, pin, e & ~RTE_REMOTE_IRR);
        service_level(io, pin);
    }
}

void ioapic_eoi_exit_bitmap(const struct ioapic *io, uint64_t bitmap[4])
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        int v = eoi_exit_vector(io->redir[pin]);
        if (v >= 0)
            bitmap[v / 64] |= 1ull << (v % 64);
    }
}

uint32_t ioapic_eoi_exit_generation(const struct ioapic *io)
{
    return io->eoi_exit_gen;
}
