/* The 8254 as a function of time: a counter keeps no running count, only when its count was
 * loaded and how many ticks it has counted since (`done` up to `since`, plus the ticks after
 * `since` while GATE lets it count), and the count and OUT at any tick follow from that and the
 * mode.  A load that lies ahead (the next CLK after a count is written, the end of a mode 2 or 3
 * cycle, the CLK after a gate trigger) is kept in load_at and carried out by settle() when time
 * reaches it.  Quotations are from the Intel 8254 datasheet, sections "Mode 0" to "Mode 5",
 * "Control Word Format", "Read-Back Command" and "Status Byte". */
#include "vmm/dev/pit.h"

#include <string.h>

#define NEVER UINT64_MAX

/* Control word: SC1 SC0 RW1 RW0 M2 M1 M0 BCD */
#define CW_SC_SHIFT      6
#define CW_SC_READ_BACK  3u
#define CW_RW_SHIFT      4
#define CW_RW_MASK       3u
#define CW_MODE_SHIFT    1
#define CW_MODE_MASK     7u
#define CW_PROGRAM       0x3fu /* RW, M and BCD: what the status byte repeats */
#define ACCESS_LATCH     0u    /* RW = 00: counter latch command */
#define ACCESS_LSB       1u
#define ACCESS_MSB       2u
#define ACCESS_WORD      3u
#define MODE_ALIAS_SHIFT 4u    /* M2 is "don't care" in modes 2 and 3: 6 and 7 are 2 and 3 */
#define CW_POWER_ON      (ACCESS_WORD << CW_RW_SHIFT) /* mode 0, LSB then MSB, binary */

/* Read-back command: 1 1 COUNT STATUS CNT2 CNT1 CNT0 0, COUNT and STATUS active low */
#define RB_NO_COUNT      0x20u
#define RB_NO_STATUS     0x10u
#define RB_CNT0          0x02u

/* Status byte: OUTPUT NULL-COUNT RW1 RW0 M2 M1 M0 BCD */
#define ST_OUT           0x80u
#define ST_NULL_COUNT    0x40u

/* Port 0x61 */
#define NMI_SC_GATE2     0x01u
#define NMI_SC_WRITABLE  0x0fu /* gate 2, speaker data, parity and IOCHK check enables */
#define NMI_SC_REFRESH   0x10u
#define NMI_SC_OUT2      0x20u
#define REFRESH_TICKS    18u   /* the PC's refresh period, 15.09 us: one toggle per refresh */

#define COUNT_ZERO       0x10000u /* a count of 0 counts 2^16 */
#define FLOATING_BUS     0xffu

/* Modes 1 and 5 count regardless of GATE, which only triggers them; in the others GATE low
 * suspends counting. */
static bool gate_stops(const struct pit_counter *c)
{
    return !c->gate && c->mode != 1 && c->mode != 5;
}

static uint64_t elapsed(const struct pit_counter *c, uint64_t now)
{
    if (gate_stops(c) || now < c->since)
        return c->done;
    return c->done + (now - c->since);
}

/* Mode 3's high half-cycle: N / 2 ticks for even N, (N + 1) / 2 for odd N. */
static uint32_t high_ticks(uint32_t n)
{
    return (n + 1) / 2;
}

static uint32_t cr_period(const struct pit_counter *c)
{
    uint32_t n = c->cr ? c->cr : COUNT_ZERO;
    /* A count of 1 is illegal in modes 2 and 3; counting it as 2 keeps OUT toggling. */
    if (n == 1 && (c->mode == 2 || c->mode == 3))
        return 2;
    return n;
}

/* Carries out a load that time has reached: CR goes into CE. */
static void settle(struct pit_counter *c, uint64_t now)
{
    if (c->load_at == NEVER || c->load_at > now)
        return;
    c->period = cr_period(c);
    c->done = c->load_low ? high_ticks(c->period) : 0;
    c->since = c->load_at;
    c->loaded = true;
    c->null_count = false;
    c->load_at = NEVER;
}

static void schedule_load(struct pit_counter *c, uint64_t at, bool low)
{
    c->load_at = at;
    c->load_low = low;
}

/* Mode 3: "Even counts: ... The initial count is loaded on one CLK pulse and then is decremented
 * by two on succeeding CLK pulses.  When the count expires OUT changes value and the Counter is
 * reloaded with the initial count."  "Odd counts: ... The initial count minus one (an even number)
 * is loaded ... One CLK pulse after the count expires, OUT goes low" - so the high half reads 0
 * on its last tick and lasts one tick longer.  p is the tick within the period. */
static uint16_t square_wave_count(uint32_t n, uint64_t p)
{
    uint32_t start = n & ~1u;
    uint64_t q = p < high_ticks(n) ? p : p - high_ticks(n);
    return (uint16_t)(start - 2 * q);
}

/* CE at tick now (binary; a count of 2^16 reads as 0). */
static uint16_t counting_element(const struct pit_counter *c, uint64_t now)
{
    if (!c->loaded)
        return c->idle_ce;
    uint64_t d = elapsed(c, now);
    uint32_t n = c->period;
    switch (c->mode) {
    case 2: return (uint16_t)(n - d % n);          /* N .. 1, then N again */
    case 3: return square_wave_count(n, d % n);
    default: return (uint16_t)(n - d);             /* 0, 1, 4, 5: down through 0 and on, mod 2^16 */
    }
}

static bool out_level(const struct pit_counter *c, uint64_t now)
{
    if (!c->loaded) /* "After the Control Word is written, OUT is initially low" in mode 0 only */
        return c->mode != 0;
    uint64_t d = elapsed(c, now);
    uint32_t n = c->period;
    switch (c->mode) {
    case 0: /* high from terminal count until the next count or control word */
    case 1: return d >= n;                         /* low for the one-shot */
    case 2: return !c->gate || d % n != n - 1;     /* low while the count is 1 */
    case 3: return !c->gate || d % n < high_ticks(n);
    default: return d != n;                        /* 4, 5: low for the one tick of terminal count */
    }
}

/* CE stops and holds its value: a control word, or a new count in mode 0 ("Writing the first
 * byte disables counting. OUT is set low immediately"). */
static void unload(struct pit_counter *c, uint64_t now)
{
    c->idle_ce = counting_element(c, now);
    c->loaded = false;
}

/* Modes 2 and 3: "Writing a new count while counting does not affect the current counting
 * sequence"; the count is loaded at the end of the current cycle (mode 2) or half-cycle (mode 3). */
static void load_at_cycle_end(struct pit_counter *c, uint64_t now)
{
    uint32_t n = c->period;
    uint64_t p = elapsed(c, now) % n;
    if (c->mode == 3 && p < high_ticks(n))
        schedule_load(c, now + (high_ticks(n) - p), true);
    else
        schedule_load(c, now + (n - p), false);
}

static void count_written(struct pit_counter *c, uint16_t count, uint64_t now)
{
    c->cr = count;
    c->have_count = true;
    c->null_count = true;
    switch (c->mode) {
    case 1:
    case 5:
        return; /* loaded by the next gate trigger */
    case 2:
    case 3:
        if (c->loaded) {
            if (!gate_stops(c))
                load_at_cycle_end(c, now);
            return; /* a suspended cycle never ends: the gate's rising edge loads the count */
        }
        break;
    case 0:
        unload(c, now);
        break;
    default:
        break;
    }
    schedule_load(c, now + 1, false); /* "loaded on the next CLK pulse" */
}

static void write_counter(struct pit_counter *c, uint8_t value, uint64_t now)
{
    if (c->access == ACCESS_WORD && !c->write_msb) {
        c->cr_lsb = value;
        c->write_msb = true;
        if (c->mode == 0)
            unload(c, now);
        return;
    }
    c->write_msb = false;
    switch (c->access) {
    case ACCESS_LSB: count_written(c, value, now); return;
    case ACCESS_MSB: count_written(c, (uint16_t)(value << 8), now); return;
    default: count_written(c, (uint16_t)(value << 8 | c->cr_lsb), now); return;
    }
}

/* The output latch follows CE unless latched; a latched count is held until the bytes the access
 * mode asks for have been read.  "If both count and status of a counter are latched, the first
 * read operation of that counter will return latched status". */
static uint8_t read_counter(struct pit_counter *c, uint64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    uint16_t v = c->count_latched ? c->latched_count : counting_element(c, now);
    bool msb = c->access == ACCESS_MSB || (c->access == ACCESS_WORD && c->read_msb);
    if (c->access == ACCESS_WORD)
        c->read_msb = !c->read_msb;
    if (c->access != ACCESS_WORD || msb)
        c->count_latched = false;
    return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

/* "If a Counter is latched and then, some time later, latched again before the count is read,
 * the second Counter Latch Command is ignored"; the same holds for status. */
static void latch_count(struct pit_counter *c, uint64_t now)
{
    if (c->count_latched)
        return;
    c->latched_count = counting_element(c, now);
    c->count_latched = true;
}

static void latch_status(struct pit_counter *c, uint64_t now)
{
    if (c->status_latched)
        return;
    c->latched_status = (uint8_t)((out_level(c, now) ? ST_OUT : 0) | (c->null_count ? ST_NULL_COUNT : 0) |
                                  c->program);
    c->status_latched = true;
}

/* A control word resets the counter's control logic: a new mode, no count until one is written,
 * latches and flip-flops cleared. */
static void program(struct pit_counter *c, uint8_t cw, uint64_t now)
{
    unload(c, now);
    c->program = cw & CW_PROGRAM;
    c->access = (cw >> CW_RW_SHIFT) & CW_RW_MASK;
    c->mode = (cw >> CW_MODE_SHIFT) & CW_MODE_MASK;
    if (c->mode > 5)
        c->mode -= MODE_ALIAS_SHIFT;
    c->write_msb = c->read_msb = false;
    c->have_count = false;
    c->null_count = true;
    c->load_at = NEVER;
    c->count_latched = c->status_latched = false;
}

static void read_back(struct pit *p, uint8_t cmd, uint64_t now)
{
    for (unsigned i = 0; i < PIT_COUNTERS; i++) {
        struct pit_counter *c = &p->counter[i];
        if (!(cmd & (RB_CNT0 << i)))
            continue;
        settle(c, now);
        if (!(cmd & RB_NO_STATUS))
            latch_status(c, now);
        if (!(cmd & RB_NO_COUNT))
            latch_count(c, now);
    }
}

static void write_control(struct pit *p, uint8_t cw, uint64_t now)
{
    unsigned sc = cw >> CW_SC_SHIFT;
    if (sc == CW_SC_READ_BACK) {
        read_back(p, cw, now);
        return;
    }
    struct pit_counter *c = &p->counter[sc];
    settle(c, now);
    if (((cw >> CW_RW_SHIFT) & CW_RW_MASK) == ACCESS_LATCH)
        latch_count(c, now);
    else
        program(c, cw, now);
}

/* GATE low suspends modes 0, 2, 3 and 4 (and forces OUT high in 2 and 3); its rising edge is a
 * trigger in modes 1, 2, 3 and 5: the count is (re)loaded on the next CLK pulse. */
static void set_gate(struct pit_counter *c, bool gate, uint64_t now)
{
    bool periodic = c->mode == 2 || c->mode == 3;
    if (gate == c->gate)
        return;
    c->done = elapsed(c, now);
    c->since = now;
    c->gate = gate;
    if (!gate) {
        if (periodic)
            c->load_at = NEVER; /* a suspended cycle never ends: the rising edge reloads */
        return;
    }
    if (!c->have_count || c->mode == 0 || c->mode == 4)
        return;
    if (periodic)
        unload(c, now); /* OUT stays high, as GATE low forced it, until the reload */
    schedule_load(c, now + 1, false);
}

static uint8_t read_nmi_sc(struct pit *p, uint64_t now)
{
    struct pit_counter *c2 = &p->counter[2];
    settle(c2, now);
    uint8_t v = p->nmi_sc;
    if ((now / REFRESH_TICKS) & 1)
        v |= NMI_SC_REFRESH;
    if (out_level(c2, now))
        v |= NMI_SC_OUT2;
    return v;
}

static void write_nmi_sc(struct pit *p, uint8_t value, uint64_t now)
{
    struct pit_counter *c2 = &p->counter[2];
    p->nmi_sc = value & NMI_SC_WRITABLE;
    settle(c2, now);
    set_gate(c2, value & NMI_SC_GATE2, now);
}

static struct pit_counter *counter_at(struct pit *p, uint16_t port)
{
    if (port < PIT_PORT_COUNTER || port >= PIT_PORT_COUNTER + PIT_COUNTERS)
        return NULL;
    return &p->counter[port - PIT_PORT_COUNTER];
}

void pit_init(struct pit *p)
{
    memset(p, 0, sizeof(*p));
    for (unsigned i = 0; i < PIT_COUNTERS; i++) {
        p->counter[i].load_at = NEVER;
        program(&p->counter[i], CW_POWER_ON, 0);
        p->counter[i].gate = i != 2; /* counter 2's gate is port 0x61 bit 0, clear */
    }
}

bool pit_claims(uint16_t port)
{
    return (port >= PIT_PORT_COUNTER && port <= PIT_PORT_CONTROL) || port == PIT_PORT_NMI_SC;
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now)
{
    struct pit_counter *c = counter_at(p, port);
    if (port == PIT_PORT_NMI_SC)
        return read_nmi_sc(p, now);
    if (!c)
        return FLOATING_BUS;
    settle(c, now);
    return read_counter(c, now);
}

void pit_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now)
{
    struct pit_counter *c = counter_at(p, port);
    if (port == PIT_PORT_NMI_SC) {
        write_nmi_sc(p, value, now);
    } else if (port == PIT_PORT_CONTROL) {
        write_control(p, value, now);
    } else if (c) {
        settle(c, now);
        write_counter(c, value, now);
    }
}

/* The first tick after now at which OUT rises within the loaded count, NEVER if none. */
static uint64_t rise_after(const struct pit_counter *c, uint64_t now)
{
    if (!c->loaded || gate_stops(c))
        return NEVER;
    uint64_t d = elapsed(c, now);
    uint32_t n = c->period;
    switch (c->mode) {
    case 0:
    case 1: return d < n ? now + (n - d) : NEVER;
    case 2:
    case 3: return now + (n - d % n);              /* OUT rises as the count reloads */
    default: return d <= n ? now + (n + 1 - d) : NEVER; /* the end of the strobe */
    }
}

uint64_t pit_next_irq0(const struct pit *p, uint64_t now)
{
    struct pit_counter c = p->counter[0];
    settle(&c, now);
    uint64_t rise = rise_after(&c, now);
    uint64_t load = c.load_at;
    if (load != NEVER && rise >= load) {
        /* the count loaded at `load` takes over, and OUT may rise right there */
        bool low_before = !out_level(&c, load - 1);
        settle(&c, load);
        rise = low_before && out_level(&c, load) ? load : rise_after(&c, load);
    }
    return rise == NEVER ? 0 : rise;
}
