/* Two 8259As.  Quotations are from the Intel 8259A datasheet, sections "Initialization Command
 * Words", "Operation Command Words", "The Special Mask Mode", "The Poll Command" and "Edge and
 * Level Triggered Modes". */
#include "vmm/dev/pic.h"

#include <string.h>

enum { MASTER, SLAVE };
enum { READY, WANT_ICW2, WANT_ICW3, WANT_ICW4 };

#define IRS              8
#define LOWEST_AFTER_ICW1 7

/* A0 = 0 writes: ICW1 has D4 set; OCW3 has D4 clear and D3 set; OCW2 has both clear. */
#define ICW1             0x10u
#define ICW1_IC4         0x01u
#define ICW1_SNGL        0x02u
#define ICW2_VECTOR      0xf8u /* T7-T3; in 8086 mode the IR number fills bits 2:0 */
#define ICW4_8086        0x01u
#define ICW4_AEOI        0x02u
#define OCW3             0x08u
#define OCW3_RIS         0x01u
#define OCW3_RR          0x02u
#define OCW3_POLL        0x04u
#define OCW3_SMM         0x20u
#define OCW3_ESMM        0x40u
#define OCW2_ROTATE      0x80u
#define OCW2_COMMAND_SHIFT 5
#define OCW2_LEVEL       0x07u
#define POLL_INT         0x80u /* poll word: I, then W2-W0 */

/* OCW2's R SL EOI field */
enum {
    OCW2_CLEAR_ROTATE_AEOI = 0, OCW2_EOI = 1, OCW2_NOP = 2, OCW2_SPECIFIC_EOI = 3,
    OCW2_SET_ROTATE_AEOI = 4, OCW2_ROTATE_EOI = 5, OCW2_SET_PRIORITY = 6, OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* ELCR bits that can be set: IRQ0, 1 and 2 (master) and IRQ8 and 13 (slave) are edge-only
 * (Intel PIIX/ICH, "ELCR1"/"ELCR2"). */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

/* As a PC BIOS leaves the pair (and as Linux's init_8259A programs it, but for the vectors). */
#define BIOS_MASTER_BASE 0x08u
#define BIOS_SLAVE_BASE  0x70u
#define ALL_MASKED       0xffu

/* The set IR with the highest priority: priorities run from lowest + 1 (highest) round to lowest. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
    for (unsigned k = 1; k <= IRS; k++) {
        unsigned ir = (c->lowest + k) % IRS;
        if (bits & (1u << ir))
            return (int)ir;
    }
    return -1;
}

/* 0 for the highest priority, 7 for the lowest. */
static unsigned rank(const struct pic_chip *c, int ir)
{
    return (unsigned)(ir - c->lowest - 1) % IRS;
}

/* The priority resolver: the IR whose request the chip would put on INT, -1 if none.  An
 * in-service level blocks itself and lower levels; "in the special mask mode, when a mask bit is
 * set in OCW1, it inhibits further interrupts at that level and enables interrupts from all other
 * levels (lower as well as higher) that are not masked", so a masked in-service level blocks
 * nothing. */
static int chip_request(const struct pic_chip *c)
{
    int req = highest(c, c->irr & ~c->imr);
    int svc = highest(c, c->special_mask ? c->isr & ~c->imr : c->isr);
    if (req < 0 || (svc >= 0 && rank(c, svc) <= rank(c, req)))
        return -1;
    return req;
}

static void chip_ack(struct pic_chip *c, int ir)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (!(c->elcr & bit)) /* an edge request is consumed; a level request follows its input */
        c->irr &= (uint8_t)~bit;
    if (!c->auto_eoi)
        c->isr |= bit;
    else if (c->rotate_on_aeoi)
        c->lowest = (uint8_t)ir;
}

/* "In the edge triggered mode ... a low-to-high transition" requests; in the level triggered mode
 * the request is the input's level. */
static void set_line(struct pic_chip *c, unsigned ir, bool level)
{
    uint8_t bit = (uint8_t)(1u << ir);
    bool rising = level && !(c->lines & bit);
    c->lines = level ? c->lines | bit : c->lines & (uint8_t)~bit;
    if (c->elcr & bit)
        c->irr = level ? c->irr | bit : c->irr & (uint8_t)~bit;
    else if (rising)
        c->irr |= bit;
}

/* The slave's INT output is the master's IR2 input, an edge-triggered one that "must remain high
 * until after the falling edge of the first INTA pulse": the master requests on IR2 only while
 * the slave still asserts INT, so the slave always has a vector to give. */
static void update_cascade(struct pic *p)
{
    bool slave_int = chip_request(&p->chip[SLAVE]) >= 0;
    set_line(&p->chip[MASTER], PIC_CASCADE_IRQ, slave_int);
    if (!slave_int)
        p->chip[MASTER].irr &= (uint8_t)~(1u << PIC_CASCADE_IRQ);
}

/* ICW1: "a. The edge sense circuit is reset, which means that following initialization, an
 * interrupt request (IR) input must make a low-to-high transition to generate an interrupt.
 * b. The Interrupt Mask Register is cleared.  c. IR7 input is assigned priority 7. ...
 * e. Special Mask Mode is cleared and Status Read is set to IRR.  f. If IC4 = 0, then all
 * functions selected in ICW4 are set to zero."  The list leaves the ISR alone; Bochs, QEMU and
 * KVM clear it, so that a guest re-initialising with an interrupt in service (kexec) does not keep
 * that level blocked, and so does this model. */
static void icw1(struct pic_chip *c, uint8_t value)
{
    c->irr &= c->elcr;
    c->isr = 0;
    c->imr = 0;
    c->lowest = LOWEST_AFTER_ICW1;
    c->special_mask = c->read_isr = c->poll = false;
    c->auto_eoi = c->rotate_on_aeoi = false;
    c->expect_icw3 = !(value & ICW1_SNGL);
    c->expect_icw4 = value & ICW1_IC4;
    c->init_step = WANT_ICW2;
}

static uint8_t step_after_icw3(const struct pic_chip *c)
{
    return c->expect_icw4 ? WANT_ICW4 : READY;
}

/* A0 = 1: the rest of an initialisation sequence, else OCW1. */
static void write_data(struct pic_chip *c, uint8_t value)
{
    switch (c->init_step) {
    case WANT_ICW2:
        c->base = value & ICW2_VECTOR;
        c->init_step = c->expect_icw3 ? WANT_ICW3 : step_after_icw3(c);
        return;
    case WANT_ICW3: /* the wiring is the PC's whatever the chip is told */
        c->init_step = step_after_icw3(c);
        return;
    case WANT_ICW4:
        c->auto_eoi = value & ICW4_AEOI;
        c->init_step = READY;
        return;
    default:
        c->imr = value;
        return;
    }
}

/* OCW2: EOI clears an ISR bit (a non-specific one the highest-priority bit), R makes the level
 * that bit was the lowest priority; the rest set rotation in auto-EOI or the lowest priority. */
static void ocw2(struct pic_chip *c, uint8_t value)
{
    int level = value & OCW2_LEVEL;
    switch (value >> OCW2_COMMAND_SHIFT) {
    case OCW2_CLEAR_ROTATE_AEOI: c->rotate_on_aeoi = false; return;
    case OCW2_SET_ROTATE_AEOI: c->rotate_on_aeoi = true; return;
    case OCW2_SET_PRIORITY: c->lowest = (uint8_t)level; return;
    case OCW2_EOI:
    case OCW2_ROTATE_EOI:
        level = highest(c, c->isr);
        if (level < 0)
            return;
        break;
    case OCW2_SPECIFIC_EOI:
    case OCW2_ROTATE_SPECIFIC_EOI:
        break;
    default: return; /* OCW2_NOP */
    }
    c->isr &= (uint8_t)~(1u << level);
    if (value & OCW2_ROTATE)
        c->lowest = (uint8_t)level;
}

static void ocw3(struct pic_chip *c, uint8_t value)
{
    if (value & OCW3_POLL)
        c->poll = true;
    if (value & OCW3_RR)
        c->read_isr = value & OCW3_RIS;
    if (value & OCW3_ESMM)
        c->special_mask = value & OCW3_SMM;
}

/* "The 8259A treats the next RD pulse ... as an interrupt acknowledge" and answers with the poll
 * word: I (an interrupt is requesting) and W2-W0, the highest-priority level requesting. */
static uint8_t poll(struct pic *p, struct pic_chip *c)
{
    int ir = chip_request(c);
    c->poll = false;
    if (ir < 0)
        return 0;
    chip_ack(c, ir);
    update_cascade(p);
    return (uint8_t)(POLL_INT | (unsigned)ir);
}

static void write_elcr(struct pic_chip *c, uint8_t elcr)
{
    c->elcr = elcr;
    c->irr = (uint8_t)((c->irr & ~elcr) | (c->lines & elcr));
}

static bool is_elcr(uint16_t port)
{
    return port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE;
}

static unsigned chip_index(uint16_t port)
{
    if (is_elcr(port))
        return port - PIC_ELCR_MASTER;
    return port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA;
}

bool pic_claims(uint16_t port)
{
    return port == PIC_MASTER_CMD || port == PIC_MASTER_DATA || port == PIC_SLAVE_CMD ||
           port == PIC_SLAVE_DATA || is_elcr(port);
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
    struct pic_chip *c = &p->chip[chip_index(port)];
    if (is_elcr(port))
        return c->elcr;
    if (c->poll)
        return poll(p, c);
    if (port & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, uint16_t port, uint8_t value)
{
    unsigned which = chip_index(port);
    struct pic_chip *c = &p->chip[which];
    if (is_elcr(port))
        write_elcr(c, value & elcr_writable[which]);
    else if (port & 1)
        write_data(c, value);
    else if (value & ICW1)
        icw1(c, value);
    else if (value & OCW3)
        ocw3(c, value);
    else
        ocw2(c, value);
    update_cascade(p);
}

void pic_init(struct pic *p)
{
    static const struct { uint16_t port; uint8_t value; } bios[] = {
        { PIC_MASTER_CMD, ICW1 | ICW1_IC4 },  { PIC_MASTER_DATA, BIOS_MASTER_BASE },
        { PIC_MASTER_DATA, 1u << PIC_CASCADE_IRQ }, { PIC_MASTER_DATA, ICW4_8086 },
        { PIC_MASTER_DATA, ALL_MASKED },
        { PIC_SLAVE_CMD, ICW1 | ICW1_IC4 },   { PIC_SLAVE_DATA, BIOS_SLAVE_BASE },
        { PIC_SLAVE_DATA, PIC_CASCADE_IRQ },  { PIC_SLAVE_DATA, ICW4_8086 },
        { PIC_SLAVE_DATA, ALL_MASKED },
    };
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < sizeof(bios) / sizeof(bios[0]); i++)
        pic_write(p, bios[i].port, bios[i].value);
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
    if (irq >= PIC_IRQS || irq == PIC_CASCADE_IRQ)
        return;
    set_line(&p->chip[irq / IRS], irq % IRS, level);
    update_cascade(p);
}

/* The master requests on IR2 only while the slave has a request (update_cascade), so the slave's
 * chip_request below is never -1. */
int pic_pending_vector(const struct pic *p)
{
    int ir = chip_request(&p->chip[MASTER]);
    if (ir < 0)
        return -1;
    if (ir != PIC_CASCADE_IRQ)
        return p->chip[MASTER].base + ir;
    return p->chip[SLAVE].base + chip_request(&p->chip[SLAVE]);
}

int pic_ack(struct pic *p)
{
    struct pic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
    int ir = chip_request(m);
    if (ir < 0)
        return -1;
    chip_ack(m, ir);
    if (ir != PIC_CASCADE_IRQ)
        return m->base + ir;
    ir = chip_request(s);
    chip_ack(s, ir);
    update_cascade(p);
    return s->base + ir;
}
