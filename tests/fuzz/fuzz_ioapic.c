/* The I/O APIC (vmm/dev/ioapic.c) on random sequences of MMIO reads and writes (IOREGSEL, IOWIN,
 * the EOI register and any other offset of the page), pin changes (ioapic_set_irq, pins past 23
 * included) and EOI broadcasts (ioapic_eoi), the struct in an exact heap allocation.  The target
 * keeps its own picture of the chip, written from ioapic.h and the 82093AA datasheet (section 3),
 * and checks:
 *  - every register reads as the picture says: ID and arbitration ID bits 27:24, VER 0x00170020,
 *    each entry's writable bits (vector, delivery mode, destination mode, polarity, trigger, mask;
 *    destination bits 63:56) as last written, Delivery Status always 0 and Remote IRR set only by
 *    a level delivery, cleared only by an EOI of its vector or by a write that makes the entry
 *    edge-triggered (or not fixed/lowest priority); reserved bits 0; IOREGSEL 8 bits; every other
 *    register index and page offset 0 (the EOI register is write-only);
 *  - every delivered message comes from an unmasked entry, carries its vector, delivery mode,
 *    destination and destination mode, and its level flag is set exactly when that entry is
 *    level-triggered with fixed or lowest-priority delivery; the reserved modes 3 and 6 never
 *    send; a level entry never delivers again until an EOI of its vector (or an edge write)
 *    has cleared its Remote IRR; the messages of each call are exactly the ones the datasheet's
 *    rules call for (edge: a rising edge on an unmasked pin; level: asserted, unmasked, Remote IRR
 *    clear - on the pin change, the unmasking write or the EOI), in pin order for an EOI;
 *  - ioapic_eoi_exit_bitmap ORs in exactly the vectors of the level fixed/lowest entries that
 *    are unmasked or have Remote IRR set (recomputed here), and ioapic_eoi_exit_generation moves
 *    whenever that bitmap has changed. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/ioapic.h"

#define PINS 24u
#define MAX_MSGS 64u

/* Entry bits (3.2.4) */
#define VECTOR   0xffu
#define DM_SHIFT 8
#define LOGICAL  0x800u
#define DELIVS   0x1000u
#define POL_LOW  0x2000u
#define RIRR     0x4000u
#define LEVEL    0x8000u
#define MASKED   0x10000u
#define WRITABLE (VECTOR | (7u << DM_SHIFT) | LOGICAL | POL_LOW | LEVEL | MASKED)

struct entry {
    uint32_t lo;   /* the writable bits of the low half */
    uint8_t dest;  /* bits 63:56 */
    bool rirr;
};

static struct picture {
    struct entry e[PINS];
    uint32_t lines;
    uint8_t id, sel;
} pict;

static struct ioapic *io;
static struct ioapic_msg got[MAX_MSGS], want[MAX_MSGS];
static unsigned ngot, nwant;

static unsigned dm(const struct entry *e)
{
    return (e->lo >> DM_SHIFT) & 7u;
}

static bool is_level(const struct entry *e)
{
    return (e->lo & LEVEL) && (dm(e) == IOAPIC_DM_FIXED || dm(e) == IOAPIC_DM_LOWEST);
}

static bool asserted(unsigned pin)
{
    return (pict.lines >> pin) & 1u;
}

/* Level deliveries from each pin since its Remote IRR was last cleared by an EOI of its vector
 * or by a write making it edge-triggered, counted from the model's own entries: never above 1. */
static unsigned awaiting[PINS];

static bool rte_is_level(uint64_t e)
{
    unsigned mode = (e >> DM_SHIFT) & 7u;
    return (e & LEVEL) && (mode == IOAPIC_DM_FIXED || mode == IOAPIC_DM_LOWEST);
}

/* The deliver callback: the message must come from one of the model's own entries as they stand
 * (the model sets Remote IRR before it calls deliver), and is recorded for check_messages. */
static void deliver(void *ctx, const struct ioapic_msg *m)
{
    FUZZ_CHECK(ctx == &pict, "deliver called with ctx %p", ctx);
    FUZZ_CHECK(ngot < MAX_MSGS, "more than %u messages from one call", MAX_MSGS);
    fuzz_trace("  deliver vector %#x dm %u dest %#x%s%s\n", m->vector, m->delivery_mode, m->dest,
               m->logical ? " logical" : "", m->level ? " level" : "");
    FUZZ_CHECK(m->delivery_mode != 3 && m->delivery_mode != 6 && m->delivery_mode <= 7,
               "message with delivery mode %u", m->delivery_mode);
    int from = -1;
    bool any = false;
    for (unsigned pin = 0; pin < PINS; pin++) {
        uint64_t e = io->redir[pin];
        bool match = !(e & MASKED) && (e & VECTOR) == m->vector && ((e >> DM_SHIFT) & 7u) == m->delivery_mode &&
                     !!(e & LOGICAL) == m->logical && (e >> 56) == m->dest && rte_is_level(e) == m->level &&
                     (!m->level || (e & RIRR));
        any |= match;
        if (match && (!m->level || !awaiting[pin]) && from < 0)
            from = (int)pin;
    }
    FUZZ_CHECK(any, "message vector %#x dm %u dest %#x logical %d level %d matches no unmasked entry (a level one "
               "with Remote IRR set)", m->vector, m->delivery_mode, m->dest, m->logical, m->level);
    FUZZ_CHECK(from >= 0, "level message vector %#x: every entry it can come from has delivered already and had no "
               "EOI since", m->vector);
    if (m->level)
        awaiting[from]++;
    got[ngot++] = *m;
}

/* Before an EOI of vector: the level entries holding it may deliver again. */
static void awaiting_eoi(uint8_t vector)
{
    for (unsigned pin = 0; pin < PINS; pin++)
        if (rte_is_level(io->redir[pin]) && (io->redir[pin] & VECTOR) == vector)
            awaiting[pin] = 0;
}

/* Before a write of value to register reg: an entry made edge may deliver again later. */
static void awaiting_write(unsigned reg, uint32_t value)
{
    if (reg >= 0x10 && reg < 0x10 + 2 * PINS && !(reg & 1) && !rte_is_level(value))
        awaiting[(reg - 0x10) / 2] = 0;
}

/* --- the picture's rules ---------------------------------------------------------------------- */
static void send(unsigned pin)
{
    struct entry *e = &pict.e[pin];
    if (dm(e) == 3 || dm(e) == 6)
        return;
    FUZZ_CHECK(nwant < MAX_MSGS, "too many expected messages");
    FUZZ_CHECK(!(is_level(e) && e->rirr), "picture: level pin %u sends with Remote IRR set", pin);
    want[nwant++] = (struct ioapic_msg){
        .dest = e->dest,
        .logical = (e->lo & LOGICAL) != 0,
        .delivery_mode = (uint8_t)dm(e),
        .vector = (uint8_t)(e->lo & VECTOR),
        .level = is_level(e),
    };
    if (is_level(e))
        e->rirr = true;
}

static void service(unsigned pin)
{
    const struct entry *e = &pict.e[pin];
    if (is_level(e) && asserted(pin) && !(e->lo & MASKED) && !e->rirr)
        send(pin);
}

static void pict_set_irq(unsigned pin, bool level)
{
    if (pin >= PINS)
        return;
    bool rising = level && !asserted(pin);
    pict.lines = level ? pict.lines | 1u << pin : pict.lines & ~(1u << pin);
    if (is_level(&pict.e[pin]))
        service(pin);
    else if (rising && !(pict.e[pin].lo & MASKED))
        send(pin);
}

static void pict_eoi(uint8_t vector)
{
    for (unsigned pin = 0; pin < PINS; pin++) {
        struct entry *e = &pict.e[pin];
        if (is_level(e) && (e->lo & VECTOR) == vector) {
            e->rirr = false;
            service(pin);
        }
    }
}

static uint32_t pict_reg(unsigned reg)
{
    if (reg == 0 || reg == 2)
        return (uint32_t)pict.id << 24;
    if (reg == 1)
        return 0x00170020u;
    if (reg >= 0x10 && reg < 0x10 + 2 * PINS) {
        const struct entry *e = &pict.e[(reg - 0x10) / 2];
        return reg & 1 ? (uint32_t)e->dest << 24 : e->lo | (e->rirr ? RIRR : 0);
    }
    return 0;
}

static void pict_write_reg(unsigned reg, uint32_t v)
{
    if (reg == 0) {
        pict.id = (v >> 24) & 0xf;
    } else if (reg >= 0x10 && reg < 0x10 + 2 * PINS) {
        unsigned pin = (reg - 0x10) / 2;
        struct entry *e = &pict.e[pin];
        if (reg & 1) {
            e->dest = (uint8_t)(v >> 24);
        } else {
            e->lo = v & WRITABLE;
            if (!is_level(e))
                e->rirr = false;
            service(pin);
        }
    }
}

static uint32_t pict_mmio_read(uint32_t off)
{
    return off == 0 ? pict.sel : off == 0x10 ? pict_reg(pict.sel) : 0;
}

static void pict_mmio_write(uint32_t off, uint32_t v)
{
    if (off == 0)
        pict.sel = (uint8_t)v;
    else if (off == 0x10)
        pict_write_reg(pict.sel, v);
    else if (off == 0x40)
        pict_eoi((uint8_t)v);
}

/* One MMIO write, to the model and the picture alike. */
static void both_write(uint32_t off, uint32_t v)
{
    if (off == IOAPIC_IOWIN)
        awaiting_write(pict.sel, v);
    else if (off == IOAPIC_EOI)
        awaiting_eoi((uint8_t)v);
    ioapic_mmio_write(io, off, v);
    pict_mmio_write(off, v);
}

/* --- the checks ------------------------------------------------------------------------------- */
static bool same_msg(const struct ioapic_msg *a, const struct ioapic_msg *b)
{
    return a->dest == b->dest && a->logical == b->logical && a->delivery_mode == b->delivery_mode &&
           a->vector == b->vector && a->level == b->level;
}

static void check_messages(const char *what)
{
    FUZZ_CHECK(ngot == nwant, "%s: %u messages, expected %u (first got vector %#x, first expected %#x)", what, ngot,
               nwant, ngot ? got[0].vector : 0, nwant ? want[0].vector : 0);
    for (unsigned i = 0; i < ngot; i++)
        FUZZ_CHECK(same_msg(&got[i], &want[i]), "%s: message %u is vector %#x dm %u dest %#x level %d, expected "
                   "vector %#x dm %u dest %#x level %d", what, i, got[i].vector, got[i].delivery_mode, got[i].dest,
                   got[i].level, want[i].vector, want[i].delivery_mode, want[i].dest, want[i].level);
    ngot = nwant = 0;
}

static void expect_bitmap(uint64_t bm[4])
{
    memset(bm, 0, 4 * sizeof(bm[0]));
    for (unsigned pin = 0; pin < PINS; pin++) {
        const struct entry *e = &pict.e[pin];
        if (is_level(e) && (!(e->lo & MASKED) || e->rirr))
            bm[(e->lo & VECTOR) / 64] |= 1ull << ((e->lo & VECTOR) % 64);
    }
}

static uint64_t last_bitmap[4];
static uint32_t last_gen;

static void check_bitmap(uint64_t noise)
{
    uint64_t bm[4], exp[4], pre[4];
    expect_bitmap(exp);
    for (unsigned i = 0; i < 4; i++)
        pre[i] = bm[i] = noise * (0x9e3779b97f4a7c15ull + i); /* the call ORs into what is there */
    ioapic_eoi_exit_bitmap(io, bm);
    for (unsigned i = 0; i < 4; i++)
        FUZZ_CHECK(bm[i] == (pre[i] | exp[i]), "EOI-exit bitmap word %u: %#llx, expected %#llx | %#llx", i,
                   (unsigned long long)bm[i], (unsigned long long)pre[i], (unsigned long long)exp[i]);
    uint32_t gen = ioapic_eoi_exit_generation(io);
    if (memcmp(exp, last_bitmap, sizeof(exp)))
        FUZZ_CHECK(gen != last_gen, "the EOI-exit bitmap changed but the generation stayed %u", gen);
    memcpy(last_bitmap, exp, sizeof(exp));
    last_gen = gen;
}

/* Every register through the window, then IOREGSEL put back. */
static void check_all_registers(void)
{
    for (unsigned reg = 0; reg < 0x100; reg++) {
        ioapic_mmio_write(io, IOAPIC_IOREGSEL, reg);
        uint32_t v = ioapic_mmio_read(io, IOAPIC_IOWIN), expect = pict_reg(reg);
        FUZZ_CHECK(v == expect, "register %#x reads %#x, expected %#x", reg, v, expect);
        if (reg >= 0x10 && reg < 0x10 + 2 * PINS && !(reg & 1))
            FUZZ_CHECK(!(v & DELIVS) && !(v & 0xfffe0000u), "entry %u: delivery status or reserved bits in %#x",
                       (reg - 0x10) / 2, v);
    }
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, pict.sel);
    FUZZ_CHECK(ngot == 0, "reading registers delivered a message");
}

/* A vector worth an EOI: mostly one an entry holds. */
static uint8_t some_vector(struct fuzz_in *in)
{
    uint8_t b = fuzz_u8(in);
    return b & 0x80 ? pict.e[b % PINS].lo & VECTOR : fuzz_u8(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    io = malloc(sizeof(*io)); /* exactly the struct: ASan sees any overrun */
    uint8_t id = fuzz_u8(&in);
    ioapic_init(io, id);
    FUZZ_CHECK(!io->deliver && !io->ctx, "ioapic_init leaves deliver/ctx set");
    io->deliver = deliver;
    io->ctx = &pict;
    memset(&pict, 0, sizeof(pict));
    for (unsigned pin = 0; pin < PINS; pin++)
        pict.e[pin].lo = MASKED;
    pict.id = id & 0xf;
    ngot = nwant = 0;
    memset(awaiting, 0, sizeof(awaiting));
    memset(last_bitmap, 0, sizeof(last_bitmap));
    last_gen = ioapic_eoi_exit_generation(io);
    check_all_registers();
    check_bitmap(0);

    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        const char *what = "?";
        switch (op & 7) {
        case 0: { /* a whole entry, high half then low (Linux's order); mostly unmasked */
            unsigned pin = fuzz_u8(&in) % PINS;
            uint32_t hi = (uint32_t)fuzz_u8(&in) << 24, lo = fuzz_u32(&in);
            if (op & 0x08)
                lo &= ~MASKED;
            if (op & 0x10)
                lo = (lo & ~(7u << DM_SHIFT)) | ((op >> 5 & 1) << DM_SHIFT); /* fixed or lowest */
            fuzz_trace("entry %u <- %#x:%#x\n", pin, hi, lo);
            uint32_t regs[2] = { 0x11 + 2 * pin, 0x10 + 2 * pin }, vals[2] = { hi, lo };
            for (unsigned i = 0; i < 2; i++) {
                both_write(IOAPIC_IOREGSEL, regs[i]);
                both_write(IOAPIC_IOWIN, vals[i]);
            }
            what = "entry write";
            break;
        }
        case 1: { /* a pin changes */
            unsigned pin = op & 0x08 ? fuzz_u8(&in) : fuzz_u8(&in) % PINS;
            bool level = op & 0x10;
            fuzz_trace("pin %u -> %d\n", pin, level);
            ioapic_set_irq(io, pin, level);
            pict_set_irq(pin, level);
            what = "ioapic_set_irq";
            break;
        }
        case 2: { /* an EOI broadcast, or a write to the EOI register */
            uint8_t v = some_vector(&in);
            fuzz_trace("EOI %#x%s\n", v, op & 0x08 ? " (register)" : "");
            if (op & 0x08) {
                both_write(IOAPIC_EOI, v | (uint32_t)fuzz_u8(&in) << 8); /* bits 31:8 are not the vector */
            } else {
                awaiting_eoi(v);
                ioapic_eoi(io, v);
                pict_eoi(v);
            }
            what = "EOI";
            break;
        }
        case 3: { /* IOREGSEL, then a read or write of the window */
            uint32_t sel = op & 0x08 ? fuzz_u32(&in) : fuzz_u8(&in) % 0x40;
            both_write(IOAPIC_IOREGSEL, sel);
            FUZZ_CHECK(ioapic_mmio_read(io, IOAPIC_IOREGSEL) == pict.sel, "IOREGSEL reads %#x, expected %#x",
                       ioapic_mmio_read(io, IOAPIC_IOREGSEL), pict.sel);
            if (op & 0x10) {
                uint32_t v = fuzz_u32(&in);
                fuzz_trace("reg %#x <- %#x\n", pict.sel, v);
                both_write(IOAPIC_IOWIN, v);
            } else {
                uint32_t v = ioapic_mmio_read(io, IOAPIC_IOWIN);
                FUZZ_CHECK(v == pict_reg(pict.sel), "register %#x reads %#x, expected %#x", pict.sel, v,
                           pict_reg(pict.sel));
            }
            what = "window access";
            break;
        }
        case 4: { /* any offset of the page */
            uint32_t off = fuzz_u16(&in) % IOAPIC_MMIO_SIZE;
            if (op & 0x08) {
                uint32_t v = fuzz_u32(&in);
                fuzz_trace("mmio %#x <- %#x\n", off, v);
                both_write(off, v);
            } else {
                uint32_t v = ioapic_mmio_read(io, off);
                FUZZ_CHECK(v == pict_mmio_read(off), "offset %#x reads %#x, expected %#x", off, v,
                           pict_mmio_read(off));
            }
            what = "MMIO access";
            break;
        }
        case 5: /* a pulse: up and down again */
        {
            unsigned pin = fuzz_u8(&in) % PINS;
            fuzz_trace("pulse pin %u\n", pin);
            ioapic_set_irq(io, pin, true);
            pict_set_irq(pin, true);
            ioapic_set_irq(io, pin, false);
            pict_set_irq(pin, false);
            what = "pulse";
            break;
        }
        case 6: /* mask or unmask an entry, keeping the rest of its low half */
        {
            unsigned pin = fuzz_u8(&in) % PINS;
            uint32_t lo = (pict.e[pin].lo & ~MASKED) | (op & 0x08 ? MASKED : 0) | (op & 0x10 ? RIRR | DELIVS : 0);
            fuzz_trace("entry %u low <- %#x\n", pin, lo);
            both_write(IOAPIC_IOREGSEL, 0x10 + 2 * pin);
            both_write(IOAPIC_IOWIN, lo);
            what = "mask write";
            break;
        }
        default:
            check_all_registers();
            what = "register sweep";
            break;
        }
        check_messages(what);
        check_bitmap(op & 0x80 ? op : 0);
    }
    check_all_registers();
    free(io);
    return 0;
}
