/* The 8254 PIT and port 0x61 (vmm/dev/pit.c), driven the way Linux drives them: the TSC
 * calibration loops of arch/x86/kernel/tsc.c, the periodic and one-shot clock event of
 * drivers/clocksource/i8253.c, and the latch and read-back commands.  Expected counts and edges
 * come from the Intel 8254 datasheet's timing, written out here: a count N written just after
 * tick w is loaded on the next CLK pulse (tick w + 1) and then decrements once a tick; in mode 0
 * OUT rises when it reaches 0, N + 1 ticks after the write; in mode 2 OUT is low while the count
 * is 1 and rises as N is reloaded, every N ticks; mode 3 halves are (N + 1) / 2 and (N - 1) / 2
 * ticks; in mode 4 OUT is low for the one tick at which the count is 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/pit.h"

#define PORT_CH0 0x40
#define PORT_CH2 0x42
#define PORT_CTRL 0x43
#define PORT_61 0x61
#define P61_GATE2 0x01
#define P61_SPEAKER 0x02
#define P61_OUT2 0x20

/* Control words: SC (bits 7:6), RW (5:4: 1 LSB, 2 MSB, 3 both), mode (3:1), BCD (0). */
#define CW_CH2_MODE0_WORD 0xb0 /* Linux's pit_calibrate_tsc and quick_pit_calibrate */
#define CW_CH0_MODE2_WORD 0x34 /* i8253 periodic */
#define CW_CH0_MODE3_WORD 0x36
#define CW_CH0_MODE4_WORD 0x38 /* i8253 one-shot */
#define CW_CH0_MODE0_LSB  0x10
#define CW_CH0_MODE0_MSB  0x20
#define CW_CH2_MODE1_WORD 0xb2
#define CW_LATCH_CH0      0x00
#define CW_LATCH_CH2      0x80
/* Read-back: 11, COUNT# (bit 5), STATUS# (bit 4), CNT2 CNT1 CNT0 (bits 3:1). */
#define RB_STATUS_CH2     0xe8
#define RB_BOTH_CH2       0xc8
#define RB_STATUS_ALL     0xee
#define ST_OUT            0x80
#define ST_NULL           0x40

#define CAL_LATCH  11931u /* PIT_TICK_RATE / (1000 / 10), Linux's 10 ms calibration */
#define CAL2_LATCH 59659u /* 50 ms */
#define HZ_LATCH   1193u  /* (PIT_TICK_RATE + HZ / 2) / HZ for HZ = 1000 */

static struct pit pit;
static uint64_t t; /* the tick of the next access; each access takes one (about 0.84 us) */

static void out(uint16_t port, uint8_t value) { pit_write(&pit, port, value, t++); }
static uint8_t in(uint16_t port) { return pit_read(&pit, port, t++); }

static int setup(void **state)
{
    (void)state;
    pit_init(&pit);
    t = 1000;
    return 0;
}

/* Writes a two-byte count; returns the tick the MSB went in. */
static uint64_t write_word(uint16_t port, uint16_t count)
{
    out(port, count & 0xff);
    uint64_t w = t;
    out(port, count >> 8);
    return w;
}

static uint16_t read_word(uint16_t port)
{
    uint8_t lsb = in(port);
    return (uint16_t)(lsb | in(port) << 8);
}

static uint8_t status_at(uint8_t readback, uint16_t port, uint64_t tick)
{
    pit_write(&pit, PORT_CTRL, readback, tick);
    return pit_read(&pit, port, tick);
}

/* pit_calibrate_tsc: gate high and speaker off through port 0x61, counter 2 in mode 0 with the
 * latch, then poll port 0x61 bit 5 until OUT rises. */
static void calibrate_loop(uint16_t latch)
{
    out(PORT_61, (uint8_t)((in(PORT_61) & ~P61_SPEAKER) | P61_GATE2));
    out(PORT_CTRL, CW_CH2_MODE0_WORD);
    uint64_t w = write_word(PORT_CH2, latch);
    uint64_t expect_high = w + 1 + latch;
    unsigned polls = 0;
    while (!(in(PORT_61) & P61_OUT2)) {
        polls++;
        assert_true(t <= expect_high);
    }
    assert_int_equal(t - 1, expect_high);
    assert_int_equal(polls, latch); /* ticks w + 1 to w + latch, each one low */
    /* OUT stays high, though the count goes on through 0 */
    t += 70000;
    assert_true(in(PORT_61) & P61_OUT2);
}

static void calibration_out_rises_at_terminal_count(void **state)
{
    (void)state;
    calibrate_loop(CAL_LATCH);
    calibrate_loop(CAL2_LATCH);
    calibrate_loop(1);
}

/* quick_pit_calibrate: count 0xffff in mode 0 and pit_verify_msb reads LSB then MSB, no latch;
 * every byte is CE's at the tick it is read, and the MSB steps every 256 ticks. */
static void quick_calibration_reads_lsb_then_msb(void **state)
{
    (void)state;
    out(PORT_61, (uint8_t)((in(PORT_61) & ~P61_SPEAKER) | P61_GATE2));
    out(PORT_CTRL, CW_CH2_MODE0_WORD);
    uint64_t load = write_word(PORT_CH2, 0xffff) + 1;
    unsigned msb_changes = 0;
    uint8_t last_msb = 0xff;
    while (t < load + 3 * 256 + 10) {
        uint64_t at = t;
        uint8_t lsb = in(PORT_CH2), msb = in(PORT_CH2);
        assert_int_equal(lsb, (uint8_t)(0xffff - (at - load)));
        assert_int_equal(msb, (uint8_t)((0xffff - (at + 1 - load)) >> 8));
        if (msb != last_msb) {
            msb_changes++;
            assert_int_equal(msb, (uint8_t)(last_msb - 1));
            /* the first tick at which the MSB could read the new value is a multiple of 256 */
            assert_true((at + 1 - load) % 256 <= 1);
        }
        last_msb = msb;
    }
    assert_int_equal(msb_changes, 3);
}

static void latched_count_is_the_count_at_the_latch(void **state)
{
    (void)state;
    out(PORT_61, P61_GATE2);
    out(PORT_CTRL, CW_CH2_MODE0_WORD);
    uint64_t load = write_word(PORT_CH2, 0x1234) + 1;
    t = load + 0x100;
    uint64_t latched_at = t;
    out(PORT_CTRL, CW_LATCH_CH2);
    t += 500;
    out(PORT_CTRL, CW_LATCH_CH2); /* ignored: the first latch has not been read */
    t += 500;
    assert_int_equal(read_word(PORT_CH2), 0x1234 - (latched_at - load));
    /* released after the MSB: reads follow the counter again */
    uint64_t at = t;
    assert_int_equal(in(PORT_CH2), (uint8_t)(0x1234 - (at - load)));
    assert_int_equal(in(PORT_CH2), (uint8_t)((0x1234 - (at + 1 - load)) >> 8));
}

static void read_back_status_and_count(void **state)
{
    (void)state;
    out(PORT_61, P61_GATE2);
    out(PORT_CTRL, CW_CH2_MODE0_WORD);
    /* programmed, no count: OUT low, null count, RW = 11, mode 0, binary */
    assert_int_equal(status_at(RB_STATUS_CH2, PORT_CH2, t), ST_NULL | 0x30);
    pit_write(&pit, PORT_CH2, 100, 2000);
    pit_write(&pit, PORT_CH2, 0, 2001);
    assert_int_equal(status_at(RB_STATUS_CH2, PORT_CH2, 2001), ST_NULL | 0x30); /* not yet in CE */
    assert_int_equal(status_at(RB_STATUS_CH2, PORT_CH2, 2002), 0x30);           /* loaded */
    /* status and count together: status first, then the count's two bytes, all as at 2052 */
    pit_write(&pit, PORT_CTRL, RB_BOTH_CH2, 2052);
    assert_int_equal(pit_read(&pit, PORT_CH2, 2060), 0x30);
    assert_int_equal(pit_read(&pit, PORT_CH2, 2061), 50); /* 100 - (2052 - 2002) */
    assert_int_equal(pit_read(&pit, PORT_CH2, 2062), 0);
    assert_int_equal(status_at(RB_STATUS_CH2, PORT_CH2, 2101), 0x30);           /* count 1 */
    assert_int_equal(status_at(RB_STATUS_CH2, PORT_CH2, 2102), ST_OUT | 0x30);  /* count 0 */
    /* all three counters at once; each counter's read gives its own status, once */
    pit_write(&pit, PORT_CTRL, CW_CH0_MODE2_WORD, 2200);
    pit_write(&pit, PORT_CTRL, RB_STATUS_ALL, 2201);
    assert_int_equal(pit_read(&pit, PORT_CH0, 2202), ST_OUT | ST_NULL | 0x34);
    assert_int_equal(pit_read(&pit, PORT_CH2, 2203), ST_OUT | 0x30);
    assert_int_equal(pit_read(&pit, PORT_CH2, 2204), (uint8_t)(100 - (2204 - 2002))); /* CE's LSB */
}

static void mode2_irq0_period(void **state)
{
    (void)state;
    assert_int_equal(pit_next_irq0(&pit, t), 0); /* no count yet */
    out(PORT_CTRL, CW_CH0_MODE2_WORD);
    uint64_t load = write_word(PORT_CH0, HZ_LATCH) + 1;
    assert_int_equal(pit_next_irq0(&pit, load - 1), load + HZ_LATCH);
    uint64_t edge = load;
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t next = pit_next_irq0(&pit, edge);
        assert_int_equal(next, edge + HZ_LATCH);
        edge = next;
    }
    assert_int_equal(edge, load + 1000ull * HZ_LATCH); /* 1000 interrupts take 1000 * 1193 ticks */
    assert_int_equal(pit_next_irq0(&pit, edge - 1), edge);
    /* OUT is low for the one tick at which the count is 1 */
    assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, edge - 2), ST_OUT | 0x34);
    assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, edge - 1), 0x34);
    pit_write(&pit, PORT_CTRL, CW_LATCH_CH0, edge - 1);
    assert_int_equal(pit_read(&pit, PORT_CH0, edge - 1), 1);
    assert_int_equal(pit_read(&pit, PORT_CH0, edge - 1), 0);
    assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, edge), ST_OUT | 0x34);
    pit_write(&pit, PORT_CTRL, CW_LATCH_CH0, edge);
    assert_int_equal(pit_read(&pit, PORT_CH0, edge), HZ_LATCH & 0xff);
    assert_int_equal(pit_read(&pit, PORT_CH0, edge), HZ_LATCH >> 8);
}

/* Mode 2: a count written without a control word waits for the end of the current period. */
static void mode2_new_count_waits_for_the_period_end(void **state)
{
    (void)state;
    out(PORT_CTRL, CW_CH0_MODE2_WORD);
    uint64_t load = write_word(PORT_CH0, 1000) + 1;
    pit_write(&pit, PORT_CH0, 500 & 0xff, load + 300);
    pit_write(&pit, PORT_CH0, 500 >> 8, load + 301);
    assert_int_equal(pit_next_irq0(&pit, load + 302), load + 1000);
    assert_int_equal(pit_next_irq0(&pit, load + 1000), load + 1500);
    assert_int_equal(pit_next_irq0(&pit, load + 1500), load + 2000);
    assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, load + 999), 0x34 | ST_NULL);
    assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, load + 1000), 0x34 | ST_OUT);
}

/* Mode 3, odd count 5: high 3 ticks reading 4, 2, 0; low 2 ticks reading 4, 2.  Even count 6:
 * 3 ticks each way, reading 6, 4, 2. */
static void mode3_square_wave(void **state)
{
    (void)state;
    static const uint8_t odd[] = { 4, 2, 0, 4, 2 }, even[] = { 6, 4, 2, 6, 4, 2 };
    static const bool odd_out[] = { 1, 1, 1, 0, 0 }, even_out[] = { 1, 1, 1, 0, 0, 0 };
    out(PORT_CTRL, CW_CH0_MODE3_WORD);
    uint64_t load = write_word(PORT_CH0, 5) + 1;
    for (unsigned i = 0; i < 15; i++) {
        pit_write(&pit, PORT_CTRL, 0xc2, load + i); /* read-back count and status of counter 0 */
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i) & ST_OUT, odd_out[i % 5] ? ST_OUT : 0);
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i), odd[i % 5]);
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i), 0);
    }
    assert_int_equal(pit_next_irq0(&pit, load), load + 5);
    assert_int_equal(pit_next_irq0(&pit, load + 5), load + 10);

    t = load + 15;
    out(PORT_CTRL, CW_CH0_MODE3_WORD);
    load = write_word(PORT_CH0, 6) + 1;
    for (unsigned i = 0; i < 18; i++) {
        pit_write(&pit, PORT_CTRL, 0xc2, load + i);
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i) & ST_OUT, even_out[i % 6] ? ST_OUT : 0);
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i), even[i % 6]);
        assert_int_equal(pit_read(&pit, PORT_CH0, load + i), 0);
    }
    assert_int_equal(pit_next_irq0(&pit, load + 7), load + 12);
}

/* Mode 3: a new count is taken at the end of the current half-cycle. */
static void mode3_new_count_waits_for_the_half_cycle(void **state)
{
    (void)state;
    out(PORT_CTRL, CW_CH0_MODE3_WORD);
    uint64_t load = write_word(PORT_CH0, 100) + 1;
    /* in the high half (ticks 0-49): the new count starts at tick 50, with its low half of 10 */
    pit_write(&pit, PORT_CH0, 20, load + 10);
    pit_write(&pit, PORT_CH0, 0, load + 11);
    assert_int_equal(pit_next_irq0(&pit, load + 12), load + 60);
    assert_int_equal(pit_next_irq0(&pit, load + 60), load + 80);
    pit_write(&pit, PORT_CTRL, CW_LATCH_CH0, load + 50);
    assert_int_equal(pit_read(&pit, PORT_CH0, load + 51), 20);
}

/* Linux's i8253 one-shot: mode 4, OUT low for the tick the count is 0, one edge after it. */
static void mode4_one_shot(void **state)
{
    (void)state;
    out(PORT_CTRL, CW_CH0_MODE4_WORD);
    uint64_t load = write_word(PORT_CH0, 100) + 1;
    assert_int_equal(pit_next_irq0(&pit, load), load + 101);
    assert_int_equal(pit_next_irq0(&pit, load + 101), 0);
    /* rewritten before it fires: the new count starts on the next CLK */
    uint64_t reload = write_word(PORT_CH0, 40) + 1;
    assert_int_equal(pit_next_irq0(&pit, reload - 1), reload + 41);
}

static void lsb_only_and_msb_only_access(void **state)
{
    (void)state;
    out(PORT_CTRL, CW_CH0_MODE0_LSB);
    uint64_t w = t;
    out(PORT_CH0, 200); /* the whole count: MSB 0 */
    for (uint64_t i = 1; i <= 150; i += 7) {
        assert_int_equal(pit_read(&pit, PORT_CH0, w + i), 200 - (i - 1));
        assert_int_equal(status_at(RB_STATUS_ALL, PORT_CH0, w + i), 0x10);
    }
    assert_int_equal(pit_next_irq0(&pit, w + 148), w + 201);
    t = w + 160;
    out(PORT_CTRL, CW_CH0_MODE0_MSB);
    w = t;
    out(PORT_CH0, 2); /* count 0x200 */
    assert_int_equal(pit_next_irq0(&pit, w), w + 0x201);
    assert_int_equal(pit_read(&pit, PORT_CH0, w + 1), 2);
    assert_int_equal(pit_read(&pit, PORT_CH0, w + 2), 1); /* 0x1ff */
}

/* Mode 0 counts only while GATE is high; mode 1 is triggered by its rising edge. */
static void gate_through_port_61(void **state)
{
    (void)state;
    out(PORT_CTRL, CW_CH2_MODE0_WORD);
    pit_write(&pit, PORT_CH2, 100, 2000);
    pit_write(&pit, PORT_CH2, 0, 2001);            /* loaded at 2002, gate low: no counting */
    pit_write(&pit, PORT_61, P61_GATE2, 2100);     /* counts from 2101 */
    pit_write(&pit, PORT_61, 0, 2140);             /* 40 counted */
    pit_write(&pit, PORT_61, P61_GATE2, 3000);     /* 60 to go from 3001 */
    assert_false(pit_read(&pit, PORT_61, 3059) & P61_OUT2);
    assert_true(pit_read(&pit, PORT_61, 3060) & P61_OUT2);

    pit_write(&pit, PORT_61, 0, 3100);
    pit_write(&pit, PORT_CTRL, CW_CH2_MODE1_WORD, 3101);
    pit_write(&pit, PORT_CH2, 10, 4000);
    pit_write(&pit, PORT_CH2, 0, 4001);
    assert_true(pit_read(&pit, PORT_61, 4100) & P61_OUT2); /* waiting for a trigger */
    pit_write(&pit, PORT_61, P61_GATE2, 4200);
    assert_true(pit_read(&pit, PORT_61, 4200) & P61_OUT2);
    assert_false(pit_read(&pit, PORT_61, 4201) & P61_OUT2);
    assert_false(pit_read(&pit, PORT_61, 4210) & P61_OUT2);
    assert_true(pit_read(&pit, PORT_61, 4211) & P61_OUT2);
    /* port 0x61 keeps bits 3:0 as written; OUT 2 and the refresh toggle are read-only */
    pit_write(&pit, PORT_61, 0xff, 5000);
    assert_int_equal(pit_read(&pit, PORT_61, 18 * 300) & 0xdf, 0x0f);
    assert_int_equal(pit_read(&pit, PORT_61, 18 * 301) & 0xdf, 0x1f);
}

static void ports(void **state)
{
    (void)state;
    for (unsigned port = 0; port < 0x10000; port++)
        assert_int_equal(pit_claims((uint16_t)port), (port >= 0x40 && port <= 0x43) || port == 0x61);
    assert_int_equal(pit_read(&pit, PORT_CTRL, 0), 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(calibration_out_rises_at_terminal_count, setup),
        cmocka_unit_test_setup(quick_calibration_reads_lsb_then_msb, setup),
        cmocka_unit_test_setup(latched_count_is_the_count_at_the_latch, setup),
        cmocka_unit_test_setup(read_back_status_and_count, setup),
        cmocka_unit_test_setup(mode2_irq0_period, setup),
        cmocka_unit_test_setup(mode2_new_count_waits_for_the_period_end, setup),
        cmocka_unit_test_setup(mode3_square_wave, setup),
        cmocka_unit_test_setup(mode3_new_count_waits_for_the_half_cycle, setup),
        cmocka_unit_test_setup(mode4_one_shot, setup),
        cmocka_unit_test_setup(lsb_only_and_msb_only_access, setup),
        cmocka_unit_test_setup(gate_through_port_61, setup),
        cmocka_unit_test_setup(ports, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
