/* The two 8259As and the ELCR (vmm/dev/pic.c) on random sequences of port reads and writes
 * (initialisation words, OCW1-3, polls, ELCR), input changes (pic_set_irq, numbers past 15 and
 * the cascade's 2 included) and interrupt acknowledges (pic_ack).  The struct lives in an exact
 * heap allocation.  The target keeps its own picture of what the guest programmed, from pic.h and
 * the 8259A datasheet, and checks:
 *  - the IMR (data port, no poll pending) reads back what OCW1 last wrote, 0 after ICW1, and is
 *    left alone by ICW2-ICW4; the ELCR reads back what was written, less the edge-only IRQs 0, 1,
 *    2, 8 and 13; pic_set_irq on 2 or from 16 up changes nothing;
 *  - pic_pending_vector changes nothing and is what the next pic_ack returns;
 *  - an acknowledged vector (or a poll word's level) is ICW2's base plus an IR that was
 *    requested (a rising edge since its last acknowledge, or a level-triggered input held high),
 *    unmasked in its chip's IMR (and, for the slave's IRQs, the cascade unmasked in the master's)
 *    and not already in service; outside auto-EOI it is in service afterwards;
 *  - every IRR bit an OCW3 read shows is such a request;
 *  - only 0x20, 0x21, 0xA0, 0xA1, 0x4D0 and 0x4D1 are claimed. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/pic.h"

static const uint16_t cmd_port[2] = { PIC_MASTER_CMD, PIC_SLAVE_CMD };
static const uint16_t data_port[2] = { PIC_MASTER_DATA, PIC_SLAVE_DATA };
static const uint16_t elcr_port[2] = { PIC_ELCR_MASTER, PIC_ELCR_SLAVE };
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

/* What the guest programmed, and what the inputs did. */
static struct picture {
    struct {
        uint8_t imr, base, elcr;
        unsigned step; /* the ICW expected next (2-4), 0 when initialised */
        bool icw3, icw4, aeoi, poll, read_isr;
    } chip[2];
    bool line[PIC_IRQS];
    bool armed[PIC_IRQS]; /* requested: a rising edge since the last acknowledge, or level and high */
} pict;

static struct pic *p;

static void rearm(void)
{
    for (unsigned irq = 0; irq < PIC_IRQS; irq++)
        if (pict.line[irq] && (pict.chip[irq / 8].elcr >> (irq % 8) & 1))
            pict.armed[irq] = true;
}

/* Whether chip c's IR ir may be acknowledged now, its chip's ISR as it was before; through_master:
 * by an INTA, which reaches the slave only through the master's IR2. */
static bool may_ack(unsigned c, unsigned ir, uint8_t isr_before, bool through_master)
{
    unsigned irq = c * 8 + ir;
    if (c == 0 && ir == PIC_CASCADE_IRQ)
        return false;
    if ((pict.chip[c].imr >> ir) & 1 || (isr_before >> ir) & 1 || !pict.armed[irq])
        return false;
    return c == 0 || !through_master || !((pict.chip[0].imr >> PIC_CASCADE_IRQ) & 1);
}

/* After chip c's IR ir was taken: an edge request is consumed (a level one stays while high). */
static void consumed(unsigned c, unsigned ir)
{
    unsigned irq = c * 8 + ir;
    pict.armed[irq] = false;
    rearm();
}

static void write_cmd(unsigned c, uint8_t v)
{
    fuzz_trace("OUT %#x <- %#x\n", cmd_port[c], v);
    pic_write(p, cmd_port[c], v);
    if (v & 0x10) { /* ICW1 */
        pict.chip[c].step = 2;
        pict.chip[c].icw3 = !(v & 0x02);
        pict.chip[c].icw4 = v & 0x01;
        pict.chip[c].imr = 0;
        pict.chip[c].aeoi = pict.chip[c].poll = pict.chip[c].read_isr = false;
    } else if (v & 0x08) { /* OCW3 */
        if (v & 0x04)
            pict.chip[c].poll = true;
        if (v & 0x02)
            pict.chip[c].read_isr = v & 0x01;
    }
}

static void write_data(unsigned c, uint8_t v)
{
    fuzz_trace("OUT %#x <- %#x\n", data_port[c], v);
    pic_write(p, data_port[c], v);
    switch (pict.chip[c].step) {
    case 2:
        pict.chip[c].base = v & 0xf8;
        pict.chip[c].step = pict.chip[c].icw3 ? 3 : pict.chip[c].icw4 ? 4 : 0;
        break;
    case 3: pict.chip[c].step = pict.chip[c].icw4 ? 4 : 0; break;
    case 4:
        pict.chip[c].aeoi = v & 0x02;
        pict.chip[c].step = 0;
        break;
    default: pict.chip[c].imr = v; break;
    }
}

static void read_port(unsigned c, unsigned which)
{
    uint16_t port = which == 0 ? cmd_port[c] : which == 1 ? data_port[c] : elcr_port[c];
    uint8_t isr_before = p->chip[c].isr;
    uint8_t v = pic_read(p, port);
    fuzz_trace("IN  %#x -> %#x\n", port, v);
    if (which == 2) {
        FUZZ_CHECK(v == pict.chip[c].elcr, "ELCR %u reads %#x, written %#x", c, v, pict.chip[c].elcr);
        return;
    }
    if (pict.chip[c].poll) { /* the read is the poll's interrupt acknowledge */
        pict.chip[c].poll = false;
        FUZZ_CHECK(v == 0 || (v & 0xf8) == 0x80, "chip %u poll word %#x", c, v);
        if (v & 0x80) {
            unsigned ir = v & 7;
            if (c == 0 && ir == PIC_CASCADE_IRQ) /* the slave's request, left to the slave */
                return;
            FUZZ_CHECK(may_ack(c, ir, isr_before, false), "chip %u poll gives IR%u: IMR %#x ISR %#x, requested %d", c,
                       ir, pict.chip[c].imr, isr_before, pict.armed[c * 8 + ir]);
            consumed(c, ir);
        }
        return;
    }
    if (which == 1) {
        FUZZ_CHECK(v == pict.chip[c].imr, "chip %u IMR reads %#x, OCW1 wrote %#x", c, v, pict.chip[c].imr);
    } else if (!pict.chip[c].read_isr) {
        for (unsigned ir = 0; ir < 8; ir++)
            if ((v >> ir) & 1 && !(c == 0 && ir == PIC_CASCADE_IRQ))
                FUZZ_CHECK(pict.armed[c * 8 + ir], "chip %u IRR %#x: IR%u was never requested", c, v, ir);
    }
}

static void ack(void)
{
    struct pic before;
    memcpy(&before, p, sizeof(before));
    int pending = pic_pending_vector(p);
    FUZZ_CHECK(!memcmp(&before, p, sizeof(before)), "pic_pending_vector changed the PIC");
    int v = pic_ack(p);
    fuzz_trace("INTA -> %d\n", v);
    FUZZ_CHECK(v == pending, "pic_ack gives %d, pic_pending_vector said %d", v, pending);
    if (v < 0) {
        FUZZ_CHECK(!memcmp(&before, p, sizeof(before)), "an INTA with nothing pending changed the PIC");
        return;
    }
    FUZZ_CHECK(v < 256, "vector %d", v);
    /* The bases may overlap: any chip whose base fits, and whose IR may be taken, will do. */
    int which[2] = { -1, -1 };
    for (unsigned c = 0; c < 2; c++) {
        unsigned ir = (unsigned)v - pict.chip[c].base;
        if ((unsigned)v >= pict.chip[c].base && ir < 8 && may_ack(c, ir, before.chip[c].isr, true))
            which[c] = (int)ir;
    }
    FUZZ_CHECK(which[0] >= 0 || which[1] >= 0, "INTA gives vector %#x: bases %#x/%#x, IMR %#x/%#x, ISR %#x/%#x, "
               "no requested, unmasked, not-in-service IR has it", v, pict.chip[0].base, pict.chip[1].base,
               pict.chip[0].imr, pict.chip[1].imr, before.chip[0].isr, before.chip[1].isr);
    if ((which[0] >= 0) == (which[1] >= 0))
        return; /* which one cannot be told */
    unsigned c = which[0] >= 0 ? 0 : 1, ir = (unsigned)which[c];
    if (!pict.chip[c].aeoi)
        FUZZ_CHECK((p->chip[c].isr >> ir) & 1, "chip %u IR%u acknowledged outside auto-EOI but not in service", c,
                   ir);
    consumed(c, ir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    p = malloc(sizeof(*p));
    pic_init(p);
    memset(&pict, 0, sizeof(pict));
    pict.chip[0].imr = pict.chip[1].imr = 0xff;
    pict.chip[0].base = 0x08;
    pict.chip[1].base = 0x70;

    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned c = (op >> 3) & 1;
        if ((op & 0xc7) == 0xc2) { /* which ports are the PIC's */
            uint16_t port = fuzz_u16(&in);
            bool mine = port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 || port == 0x4d1;
            FUZZ_CHECK(pic_claims(port) == mine, "pic_claims(%#x)", port);
            continue;
        }
        switch (op & 7) {
        case 0: write_cmd(c, fuzz_u8(&in)); break;
        case 1: write_data(c, fuzz_u8(&in)); break;
        case 2: read_port(c, (op >> 4) % 3); break;
        case 3: { /* an input changes */
            unsigned irq = op & 0x10 ? fuzz_u8(&in) : fuzz_u8(&in) % PIC_IRQS;
            bool level = op & 0x20;
            fuzz_trace("IRQ%u -> %d\n", irq, level);
            struct pic before;
            memcpy(&before, p, sizeof(before));
            pic_set_irq(p, irq, level);
            if (irq >= PIC_IRQS || irq == PIC_CASCADE_IRQ) {
                FUZZ_CHECK(!memcmp(&before, p, sizeof(before)), "pic_set_irq(%u) changed the PIC", irq);
                break;
            }
            if (level && !pict.line[irq])
                pict.armed[irq] = true;
            pict.line[irq] = level;
            break;
        }
        case 4: ack(); break;
        case 5: { /* ELCR */
            uint8_t v = fuzz_u8(&in);
            fuzz_trace("OUT %#x <- %#x\n", elcr_port[c], v);
            pic_write(p, elcr_port[c], v);
            pict.chip[c].elcr = v & elcr_writable[c];
            break;
        }
        case 6: { /* Linux's init_8259A for one chip (auto-EOI when op bit 4), then a mask */
            uint8_t base = fuzz_u8(&in), mask = fuzz_u8(&in);
            write_cmd(c, 0x11);
            write_data(c, base);
            write_data(c, c ? PIC_CASCADE_IRQ : 1u << PIC_CASCADE_IRQ);
            write_data(c, op & 0x10 ? 0x03 : 0x01);
            write_data(c, mask);
            break;
        }
        default: /* EOI: non-specific, or specific for a level */
            write_cmd(c, op & 0x10 ? (uint8_t)(0x60 | (op >> 5)) : 0x20);
            break;
        }
        rearm();
    }
    free(p);
    return 0;
}
