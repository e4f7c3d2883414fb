/* The PC's 8254 programmable interval timer (ports 0x40-0x43) and the NMI status and control
 * port 0x61, whose bit 0 gates counter 2 and whose bit 5 shows counter 2's OUT.  Section names in
 * pit.c are those of the Intel 8254 datasheet (order number 231164).
 *
 * Time is the caller's: every call takes `now`, a count of PIT input clock ticks (PIT_HZ), and the
 * model reads no clock.  `now` must not go backwards.  Each access happens just after tick `now`,
 * so a count written at `now` goes into the counting element (CE) on the next CLK pulse, at
 * now + 1, exactly as the datasheet has it: in mode 0 OUT rises N + 1 ticks after the count N is
 * written, and from tick now + 1 on the counter reads N, N - 1, ...
 *
 * Modelled: counters 0-2; control words (modes 0-5, with 6 and 7 as 2 and 3), the counter latch
 * command and the read-back command (count and/or status, any set of counters); access LSB only,
 * MSB only or LSB then MSB, with separate read and write flip-flops; OUT and the count in every
 * mode, modes 0, 2 and 3 exactly (mode 2: OUT low on the tick the count is 1; mode 3: halves of
 * (N + 1) / 2 and (N - 1) / 2 ticks, decrementing by two; a count rewritten without a control word
 * takes effect at the end of the current cycle or half-cycle); GATE: tied high on counters 0 and 1
 * as on the PC, port 0x61 bit 0 on counter 2 (level for modes 0, 2, 3, 4, rising edge for 1, 2, 3,
 * 5).  That is what Linux's pit_calibrate_tsc and quick_pit_calibrate (arch/x86/kernel/tsc.c)
 * poll: counter 2, mode 0, gate from port 0x61, OUT from port 0x61 bit 5 and the count read LSB
 * then MSB.
 *
 * IRQ0 is counter 0's OUT, and the PC's interrupt inputs take its rising edge.  The model raises
 * nothing itself: pit_next_irq0 says when the next rising edge comes, so that the owner can arm a
 * timer for that tick and raise IRQ0 (an edge) when it is reached.
 *
 * Not modelled: BCD counting (control word bit 0 is kept and shown in the status byte, but the
 * counter counts in binary; no PC operating system programs BCD); the link from counter 1 to DRAM
 * refresh (port 0x61 bit 4 toggles on a fixed 15 us clock, as on Intel ICH/PCH chipsets); the
 * speaker; port 0x61 bits 6 and 7 (IOCHK and SERR status) read 0.  Before a counter's first count
 * is loaded its CE reads what it last held (the datasheet says undefined). */
#ifndef VMM_DEV_PIT_H
#define VMM_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ           1193182u /* input clock, ticks per second */
#define PIT_PORT_COUNTER 0x40     /* counters 0, 1, 2 at 0x40, 0x41, 0x42 */
#define PIT_PORT_CONTROL 0x43     /* control word, write-only */
#define PIT_PORT_NMI_SC  0x61     /* NMI status and control */
#define PIT_COUNTERS     3

/* One counter; the fields are pit.c's, here so that the owner can embed struct pit. */
struct pit_counter {
    uint8_t program;        /* RW, mode and BCD bits of the last control word (the status byte's 5:0) */
    uint8_t mode;           /* 0-5 */
    uint8_t access;         /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
    bool gate;
    /* the count register (CR), and the writes that fill it */
    uint16_t cr;
    uint8_t cr_lsb;         /* the first byte of a two-byte count, until the second arrives */
    bool write_msb;         /* the next byte written is an MSB */
    bool have_count;        /* a whole count has arrived since the control word */
    bool null_count;        /* CR holds a count that is not yet in CE (status bit 6) */
    uint64_t load_at;       /* the tick CR goes into CE; UINT64_MAX: none scheduled */
    bool load_low;          /* mode 3: that load starts a low half-cycle */
    /* the counting element (CE) */
    bool loaded;            /* counting a loaded count; otherwise it holds idle_ce */
    uint16_t idle_ce;
    uint32_t period;        /* the loaded count, 1..65536 */
    uint64_t done;          /* ticks counted up to `since` */
    uint64_t since;         /* counting goes on from this tick while the gate allows */
    /* the output latch and the status latch */
    bool read_msb;          /* the next byte read is an MSB */
    bool count_latched, status_latched;
    uint16_t latched_count;
    uint8_t latched_status;
};

struct pit {
    struct pit_counter counter[PIT_COUNTERS];
    uint8_t nmi_sc;         /* port 0x61 bits 3:0 as written */
};

/* Power-on state: no counter has a count (no IRQ0 until the guest programs counter 0), counter 2's
 * gate is low. */
void pit_init(struct pit *p);
/* 0x40-0x43 and 0x61. */
bool pit_claims(uint16_t port);
/* A guest IN of one byte; the control port reads 0xff (write-only, nothing drives the bus). */
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now);
/* A guest OUT of one byte. */
void pit_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now);
/* The first tick after `now` (strictly) at which counter 0's OUT rises, from its programming as it
 * stands; 0 when none is coming (no count, mode 0 or 4 past its terminal count, mode 1 or 5, whose
 * gate never rises on counter 0).  Changes nothing.  The owner's loop: after every pit_write, and
 * after raising IRQ0 because time has reached the edge it was given, ask again with the current
 * tick (like every call, `now` must not be earlier than an earlier call's).  The edges keep the
 * counter's own phase, so asking late does not make them drift; edges that passed unseen while
 * the owner was late are lost, as a masked IRQ0 loses them on the PC. */
uint64_t pit_next_irq0(const struct pit *p, uint64_t now);

#endif
