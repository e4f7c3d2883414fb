/* The PC's pair of 8259A interrupt controllers: the master at 0x20/0x21 serves IRQ0-7, the slave
 * at 0xA0/0xA1 serves IRQ8-15 and drives the master's IR2 (the cascade), and the edge/level
 * control registers (ELCR) at 0x4D0/0x4D1 as on Intel's PIIX and ICH.  Section names in pic.c are
 * those of the Intel 8259A datasheet (order number 231468).
 *
 * Linux finds a PIC by writing a mask to the master IMR and reading it back (probe_8259A in
 * arch/x86/kernel/i8259.c writes 0xfb, all but the cascade), initialises both chips
 * (init_8259A: ICW1 0x11, vectors, cascade, ICW4 0x01), then masks them and takes its interrupts
 * from the I/O APIC.  A guest that uses the PIC (ExtINT through LINT0, or no I/O APIC) gets its
 * vectors from pic_pending_vector and pic_ack, the two cycles of INTA.
 *
 * Modelled: the ICW1-ICW4 sequence; OCW1 (IMR); OCW2 (non-specific and specific EOI, the rotate
 * commands and set priority, so the lowest-priority level is tracked); OCW3 (read IRR or ISR,
 * poll, special mask mode); auto-EOI, with rotation on it when OCW2 asks; fully nested priority
 * (an in-service level blocks itself and every lower one); edge-triggered inputs, and
 * level-triggered ones where the ELCR says so (IRQ0, 1, 2, 8 and 13 are always edge: their ELCR
 * bits are reserved); the cascade as the wire it is: the slave's INT output is the master's IR2
 * input, edge-triggered, and requesting only while the slave holds INT up.
 *
 * Not modelled: special fully nested mode, buffered mode and 8080 mode (the ICW4 bits are
 * ignored); ICW1's LTIM (the ELCR alone decides, as on PIIX/ICH); ICW3, whatever is written: the
 * wiring is the PC's, slave on IR2; single mode (ICW1 SNGL) only skips ICW3.  An edge request
 * from pic_set_irq stays in the IRR until acknowledged even if its input falls first, so that a
 * device model can pulse its line (the real chip wants the input high until INTA, else it gives
 * a spurious IR7).  When nothing is pending, INTA gives -1, not IR7. */
#ifndef VMM_DEV_PIC_H
#define VMM_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD   0x20
#define PIC_MASTER_DATA  0x21
#define PIC_SLAVE_CMD    0xa0
#define PIC_SLAVE_DATA   0xa1
#define PIC_ELCR_MASTER  0x4d0
#define PIC_ELCR_SLAVE   0x4d1
#define PIC_CASCADE_IRQ  2
#define PIC_IRQS         16

/* One 8259A; the fields are pic.c's, here so that the owner can embed struct pic. */
struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t lines;          /* input levels, for edge detection */
    uint8_t elcr;           /* level-triggered inputs */
    uint8_t base;           /* ICW2: the vector of IR0 */
    uint8_t lowest;         /* the IR with the lowest priority (7 until rotated) */
    uint8_t init_step;      /* the ICW expected next, 0 when initialised */
    bool expect_icw3, expect_icw4;
    bool auto_eoi, rotate_on_aeoi, special_mask, read_isr, poll;
};

struct pic {
    struct pic_chip chip[2]; /* master, slave */
};

/* Both chips as a PC BIOS leaves them: initialised with vectors 0x08 (master) and 0x70 (slave),
 * cascade on IR2, edge-triggered, every input masked. */
void pic_init(struct pic *p);
/* 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1. */
bool pic_claims(uint16_t port);
/* A guest IN of one byte (a pending poll command makes it an interrupt acknowledge). */
uint8_t pic_read(struct pic *p, uint16_t port);
/* A guest OUT of one byte. */
void pic_write(struct pic *p, uint16_t port, uint8_t value);
/* The level of input irq (0-15) changes; IRQ2 is the cascade and not an input, so it and numbers
 * from 16 up are ignored. */
void pic_set_irq(struct pic *p, unsigned irq, bool level);
/* The vector the next INTA would give (the master's INT output is asserted), -1 if none; changes
 * nothing. */
int pic_pending_vector(const struct pic *p);
/* INTA: the highest-priority unmasked request that its chip's in-service levels do not block
 * goes from IRR to ISR (or is just taken, in auto-EOI), and its vector is returned; -1 if there is
 * none.  A request on the master's IR2 is the slave's, and both chips take their part. */
int pic_ack(struct pic *p);

#endif
