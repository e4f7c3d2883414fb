/* The 8254 PIT and port 0x61 (vmm/dev/pit.c) on random sequences of port reads and writes with a
 * clock that only moves forward, in small steps, large jumps, or straight to the IRQ0 edge the
 * model announced.  The struct lives in an exact heap allocation (ASan sees any overrun), and
 * every call runs under UBSan.  Invariants:
 *  - pit_next_irq0(now) is 0 or later than now, and changes nothing;
 *  - it is counter 0's OUT as the guest sees it: on a copy of the device, read-back status
 *    commands (OUT is status bit 7) show OUT low at t - 1 and high at t, and no rise before t
 *    (every tick after now when t is near, else samples); when it is 0, no rise in the next 128
 *    ticks nor in samples of the next two 16-bit periods and beyond;
 *  - it never moves while nothing reprograms counter 0 (a write to 0x40 or a control word for
 *    counter 0 other than the latch command): asked again before t it says t again, and once
 *    time has reached t it says 0 or a later tick; a 0 stays 0;
 *  - port 0x43 reads 0xff, port 0x61 reads bits 3:0 as written, bits 7:6 clear and bit 5 as
 *    counter 2's OUT (status bit 7 of a read-back on a copy); a counter's first read after a
 *    read-back status command gives the status byte, whose bits 5:0 are its last control word's;
 *  - only 0x40-0x43 and 0x61 are claimed. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/pit.h"

/* Counter `which`'s OUT at tick x, on a copy that has been asked about no later tick: a read
 * first, which hands over any status the guest latched but has not read, then a read-back of the
 * status alone and its read. */
static bool out_at(struct pit *copy, unsigned which, uint64_t x)
{
    uint16_t port = (uint16_t)(PIT_PORT_COUNTER + which);
    (void)pit_read(copy, port, x);
    pit_write(copy, PIT_PORT_CONTROL, (uint8_t)(0xe0 | 2u << which), x); /* 11 1 0 CNT2 CNT1 CNT0 0 */
    return pit_read(copy, port, x) & 0x80;
}

/* No rise of counter 0's OUT at a sample in (from, to], from and to included as samples;
 * returns OUT at `to`. */
static bool no_rise(struct pit *copy, uint64_t from, uint64_t to, unsigned samples, uint64_t t)
{
    bool prev = out_at(copy, 0, from);
    uint64_t span = to - from;
    uint64_t last = from;
    for (unsigned i = 1; i <= samples; i++) {
        uint64_t x = span <= samples ? from + i : from + span / samples * i;
        if (x > to || i == samples)
            x = to;
        if (x <= last)
            continue;
        bool o = out_at(copy, 0, x);
        FUZZ_CHECK(!(!prev && o), "counter 0's OUT rises by tick %llu (after %llu), before the announced %llu",
                   (unsigned long long)x, (unsigned long long)last, (unsigned long long)t);
        prev = o;
        last = x;
        if (x == to)
            break;
    }
    return prev;
}

static void check_next(const struct pit *p, uint64_t now, uint64_t next)
{
    struct pit *copy = malloc(sizeof(*copy));
    memcpy(copy, p, sizeof(*copy));
    if (next) {
        FUZZ_CHECK(next > now, "pit_next_irq0(%llu) = %llu", (unsigned long long)now, (unsigned long long)next);
        bool near = next - now <= 256;
        bool before = no_rise(copy, now, next - 1, near ? 256 : 48, next);
        bool at = out_at(copy, 0, next);
        FUZZ_CHECK(!before && at, "announced rise at %llu (now %llu): OUT %d at t - 1, %d at t",
                   (unsigned long long)next, (unsigned long long)now, before, at);
    } else {
        /* every tick of the next 128, then two 16-bit periods (a mode 3 cycle of count 0 is 65536
         * ticks), then far ahead */
        no_rise(copy, now, now + 128, 128, 0);
        no_rise(copy, now + 128, now + 2 * 65536 + 7, 48, 0);
        no_rise(copy, now + 2 * 65536 + 7, now + 50000000, 8, 0);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    struct pit *p = malloc(sizeof(*p));
    uint64_t now = fuzz_bytes(&in, 5); /* up to 2^40: no tick count here comes near 2^64 */
    pit_init(p);
    uint8_t cw[PIT_COUNTERS] = { 0x30, 0x30, 0x30 }; /* the power-on control word */
    bool status_latched[PIT_COUNTERS] = { false, false, false };
    uint8_t nmi_sc = 0;
    uint64_t last_next = pit_next_irq0(p, now);
    FUZZ_CHECK(last_next == 0, "IRQ0 edge %llu announced before counter 0 is programmed",
               (unsigned long long)last_next);

    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        /* bits 7:6: the clock moves first by nothing, a u8, a u16 or a u32 */
        static const unsigned step[4] = { 0, 1, 2, 4 };
        now += fuzz_bytes(&in, step[op >> 6]);
        unsigned arg = (op >> 3) & 7;
        bool reprograms0 = false;
        switch (op & 7) {
        case 0: { /* any control word */
            uint8_t v = fuzz_u8(&in);
            fuzz_trace("%llu: OUT 0x43 <- %#x\n", (unsigned long long)now, v);
            pit_write(p, PIT_PORT_CONTROL, v, now);
            unsigned sc = v >> 6;
            if (sc == 3) {
                for (unsigned i = 0; i < PIT_COUNTERS; i++)
                    if ((v & (2u << i)) && !(v & 0x10))
                        status_latched[i] = true;
            } else if (v & 0x30) {
                cw[sc] = v & 0x3f;
                status_latched[sc] = false;
                reprograms0 = sc == 0;
            }
            break;
        }
        case 1: { /* a count byte */
            unsigned which = arg % PIT_COUNTERS;
            uint8_t v = fuzz_u8(&in);
            fuzz_trace("%llu: OUT %#x <- %#x\n", (unsigned long long)now, PIT_PORT_COUNTER + which, v);
            pit_write(p, (uint16_t)(PIT_PORT_COUNTER + which), v, now);
            reprograms0 = which == 0;
            break;
        }
        case 2: { /* a read */
            static const uint16_t ports[8] = { 0x40, 0x41, 0x42, 0x43, 0x61, 0, 0x40, 0x42 };
            uint16_t port = ports[arg] ? ports[arg] : fuzz_u16(&in);
            bool claimed = (port >= 0x40 && port <= 0x43) || port == 0x61;
            FUZZ_CHECK(pit_claims(port) == claimed, "pit_claims(%#x)", port);
            if (!claimed)
                break;
            struct pit *copy = NULL;
            if (port == 0x61) {
                copy = malloc(sizeof(*copy));
                memcpy(copy, p, sizeof(*copy));
            }
            uint8_t v = pit_read(p, port, now);
            fuzz_trace("%llu: IN %#x -> %#x\n", (unsigned long long)now, port, v);
            if (port == 0x43) {
                FUZZ_CHECK(v == 0xff, "IN 0x43 reads %#x", v);
            } else if (port == 0x61) {
                FUZZ_CHECK((v & 0xcf) == nmi_sc, "IN 0x61 reads %#x, written %#x", v, nmi_sc);
                bool out2 = out_at(copy, 2, now);
                FUZZ_CHECK(!!(v & 0x20) == out2, "IN 0x61 reads %#x, counter 2's status says OUT %d", v, out2);
                free(copy);
            } else {
                unsigned i = port - PIT_PORT_COUNTER;
                if (status_latched[i])
                    FUZZ_CHECK((v & 0x3f) == cw[i], "counter %u status %#x, control word %#x", i, v, cw[i]);
                status_latched[i] = false;
            }
            break;
        }
        case 3: { /* port 0x61: gate 2 and the rest */
            uint8_t v = fuzz_u8(&in);
            fuzz_trace("%llu: OUT 0x61 <- %#x\n", (unsigned long long)now, v);
            pit_write(p, PIT_PORT_NMI_SC, v, now);
            nmi_sc = v & 0x0f;
            break;
        }
        case 4: { /* counter 0 programmed whole: mode arg, LSB then MSB */
            uint16_t count = fuzz_u16(&in);
            uint8_t v = (uint8_t)(0x30 | arg << 1);
            fuzz_trace("%llu: counter 0 mode %u count %u\n", (unsigned long long)now, arg, count);
            pit_write(p, PIT_PORT_CONTROL, v, now);
            pit_write(p, PIT_PORT_COUNTER, (uint8_t)count, now);
            pit_write(p, PIT_PORT_COUNTER, (uint8_t)(count >> 8), now);
            cw[0] = v & 0x3f;
            status_latched[0] = false;
            reprograms0 = true;
            break;
        }
        case 5: { /* the owner's timer fires: time goes to the announced edge (or next to it) */
            uint64_t t = pit_next_irq0(p, now);
            if (t)
                now = t - 1 + (arg & 3) > now ? t - 1 + (arg & 3) : now;
            fuzz_trace("%llu: timer\n", (unsigned long long)now);
            break;
        }
        case 6: { /* a read-back command */
            uint8_t v = (uint8_t)(0xc0 | (fuzz_u8(&in) & 0x3e));
            fuzz_trace("%llu: read-back %#x\n", (unsigned long long)now, v);
            pit_write(p, PIT_PORT_CONTROL, v, now);
            for (unsigned i = 0; i < PIT_COUNTERS; i++)
                if ((v & (2u << i)) && !(v & 0x10))
                    status_latched[i] = true;
            break;
        }
        default: { /* counter 2 as Linux's TSC calibration: gate up, mode arg, LSB then MSB */
            uint16_t count = fuzz_u16(&in);
            uint8_t v = (uint8_t)(0xb0 | arg << 1);
            fuzz_trace("%llu: counter 2 mode %u count %u\n", (unsigned long long)now, arg, count);
            pit_write(p, PIT_PORT_NMI_SC, (nmi_sc & ~0x02) | 0x01, now);
            nmi_sc = (nmi_sc & ~0x02) | 0x01;
            pit_write(p, PIT_PORT_CONTROL, v, now);
            pit_write(p, PIT_PORT_COUNTER + 2, (uint8_t)count, now);
            pit_write(p, PIT_PORT_COUNTER + 2, (uint8_t)(count >> 8), now);
            cw[2] = v & 0x3f;
            status_latched[2] = false;
            break;
        }
        }

        struct pit before;
        memcpy(&before, p, sizeof(before));
        uint64_t next = pit_next_irq0(p, now);
        FUZZ_CHECK(!memcmp(&before, p, sizeof(before)), "pit_next_irq0 changed the device");
        if (!reprograms0) {
            if (last_next == 0)
                FUZZ_CHECK(next == 0, "no edge was coming, and now one is at %llu (now %llu) with counter 0 "
                           "untouched", (unsigned long long)next, (unsigned long long)now);
            else if (now < last_next)
                FUZZ_CHECK(next == last_next, "the edge at %llu moved to %llu (now %llu) with counter 0 untouched",
                           (unsigned long long)last_next, (unsigned long long)next, (unsigned long long)now);
        }
        check_next(p, now, next);
        last_next = next;
    }
    free(p);
    return 0;
}
