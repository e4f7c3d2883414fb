/* The ACPI PM1 registers and PM timer (vmm/dev/acpi_pm.c) under random byte INs and OUTs at any
 * port, with time moving forward by random steps (across bit 31 of the timer too).  A shadow
 * written again here from ACPI 6.5, 4.8.3.1-4.8.3.3 and tables 4.16-4.18 checks:
 *  - exactly 0x600-0x605 and 0x608-0x60b are claimed;
 *  - PM_TMR reads the low 32 bits of the count, a byte at a time, and ignores writes;
 *  - PM1_STS has TMR_STS alone, set whenever the count's bit 31 has changed since the last access
 *    and cleared by writing 1; PM1_EN keeps exactly bits 0x4721;
 *  - PM1_CNT reads SCI_EN, BM_RLD and SLP_TYP; only a byte write to 0x605 with SLP_EN and
 *    SLP_TYP 7 asks for soft off;
 *  - the SCI is up exactly while TMR_STS and TMR_EN are, and acpi_pm_next_sci names the next
 *    change of bit 31 while TMR_EN is set and TMR_STS clear, else 0. */
#include "tests/fuzz/fuzz.h"
#include "vmm/dev/acpi_pm.h"

struct shadow {
    uint16_t sts, en, cnt;
    uint64_t epoch;
};

static void advance(struct shadow *s, uint64_t now)
{
    if (now >> 31 != s->epoch)
        s->sts |= 1;
    s->epoch = now >> 31;
}

static uint8_t expected_read(const struct shadow *s, uint16_t port, uint64_t now)
{
    switch (port) {
    case 0x600: return (uint8_t)s->sts;
    case 0x601: return (uint8_t)(s->sts >> 8);
    case 0x602: return (uint8_t)s->en;
    case 0x603: return (uint8_t)(s->en >> 8);
    case 0x604: return (uint8_t)(s->cnt | 1);
    case 0x605: return (uint8_t)(s->cnt >> 8);
    default: return (uint8_t)(now >> (8 * (port - 0x608)));
    }
}

/* Returns whether the write is soft off. */
static bool expected_write(struct shadow *s, uint16_t port, uint8_t v)
{
    switch (port) {
    case 0x600: s->sts &= (uint16_t)~v; return false;
    case 0x601: s->sts &= (uint16_t)~(v << 8); return false;
    case 0x602: s->en = (uint16_t)((s->en & 0xff00) | (v & 0x21)); return false;
    case 0x603: s->en = (uint16_t)((s->en & 0x00ff) | ((v << 8) & 0x4700)); return false;
    case 0x604: s->cnt = (uint16_t)((s->cnt & 0xff00) | (v & 0x02)); return false;
    case 0x605:
        s->cnt = (uint16_t)((s->cnt & 0x00ff) | ((v << 8) & 0x1c00));
        return (v & 0x20) && ((v >> 2) & 7) == 7;
    default: return false;
    }
}

static bool claimed(uint16_t port)
{
    return (port >= 0x600 && port <= 0x605) || (port >= 0x608 && port <= 0x60b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    struct acpi_pm *pm = malloc(sizeof(*pm));
    struct shadow s = { 0 };
    uint64_t now = 0;
    acpi_pm_init(pm);

    /* op: bits 1:0 the kind (0 a read, 1 a write, 2 time passes, 3 a claims probe), bits 4:2 the
     * port 0x600 + n (n = 7 is a random port) for reads and writes. */
    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned n = (op >> 2) & 7;
        uint16_t port = n == 7 ? (uint16_t)(0x600 + (fuzz_u8(&in) & 0x0f)) : (uint16_t)(0x600 + n + (n >= 6) * 2);
        switch (op & 3) {
        case 0:
            if (!claimed(port))
                break;
            advance(&s, now);
            {
                uint8_t got = acpi_pm_read(pm, port, now), want = expected_read(&s, port, now);
                fuzz_trace("IN %#x -> %#x at %#llx\n", port, got, (unsigned long long)now);
                FUZZ_CHECK(got == want, "IN %#x at %#llx: %#x, expected %#x", port, (unsigned long long)now, got, want);
            }
            break;
        case 1:
            if (!claimed(port))
                break;
            advance(&s, now);
            {
                uint8_t v = fuzz_u8(&in);
                bool off = acpi_pm_write(pm, port, v, now), want = expected_write(&s, port, v);
                fuzz_trace("OUT %#x <- %#x\n", port, v);
                FUZZ_CHECK(off == want, "OUT %#x <- %#x: soft off %d, expected %d", port, v, off, want);
            }
            break;
        case 2: {
            /* mostly small steps; now and then one that crosses a change of bit 31 */
            uint64_t step = op & 0x80 ? fuzz_u32(&in) : fuzz_u16(&in);
            now += step;
            acpi_pm_advance(pm, now);
            advance(&s, now);
            break;
        }
        default: {
            uint16_t any = fuzz_u16(&in);
            FUZZ_CHECK(acpi_pm_claims(any) == claimed(any), "acpi_pm_claims(%#x)", any);
            break;
        }
        }
        bool sci = (s.sts & 1) && (s.en & 1);
        FUZZ_CHECK(acpi_pm_sci(pm) == sci, "SCI %d, expected %d (sts %#x en %#x)", acpi_pm_sci(pm), sci, s.sts, s.en);
        uint64_t next = (s.en & 1) && !(s.sts & 1) ? (s.epoch + 1) << 31 : 0;
        FUZZ_CHECK(acpi_pm_next_sci(pm) == next, "next SCI %#llx, expected %#llx",
                   (unsigned long long)acpi_pm_next_sci(pm), (unsigned long long)next);
    }
    free(pm);
    return 0;
}
