/* The emulated part of a vCPU's LAPIC (vlapic.c) against the SDM Vol. 3A chapter "Advanced
 * Programmable Interrupt Controller (APIC)": register write rules in xAPIC mode (11.4-11.6),
 * x2APIC MSR rules (11.12.1.2-3), the timer (11.5.4, 11.5.4.1), errors (11.5.3) and mode changes.
 *
 * In xAPIC mode an APIC-write VM exit is trap-like: the CPU has already stored the guest's value
 * in the virtual-APIC page when vlapic_write runs (Vol. 3C "APIC-Write Emulation").  xw() does
 * the same for the offsets whose writes the CPU virtualizes with APIC-register virtualization
 * (Vol. 3C "Determining Whether a Write Access is Virtualized"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/vapic_page.h"
#include "vlapic/vlapic.h"

static struct vapic_page page, snapshot;
static struct vlapic vl;

static uint32_t raw(unsigned offset)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)&page + offset, 4);
    return v;
}

static void poke(unsigned offset, uint32_t v)
{
    memcpy((uint8_t *)&page + offset, &v, 4);
}

static int cpu_virtualizes_write(uint32_t offset)
{
    static const uint32_t list[] = {0x020, 0x080, 0x0b0, 0x0d0, 0x0e0, 0x0f0, 0x280, 0x300,
                                    0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x3e0};
    for (unsigned i = 0; i < sizeof(list) / sizeof(list[0]); i++)
        if (list[i] == offset)
            return 1;
    return 0;
}

/* A guest xAPIC MMIO write as it reaches the model. */
static struct vlapic_outcome xw(uint32_t offset, uint32_t value, uint64_t now)
{
    if (cpu_virtualizes_write(offset))
        poke(offset, value);
    return vlapic_write(&vl, offset, value, now);
}

/* A guest WRMSR to the x2APIC MSR for offset. */
static struct vlapic_outcome x2w(uint32_t offset, uint64_t value, uint64_t now)
{
    return vlapic_write(&vl, offset, value, now);
}

static uint64_t rd(uint32_t offset, uint64_t now)
{
    uint64_t v = 0xdeadbeefdeadbeefull;
    assert_true(vlapic_read(&vl, offset, now, &v));
    return v;
}

/* xAPIC ID 3, software-enabled (SVR 0x1FF). */
static int setup_xapic(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC));
    vlapic_init(&vl, &page, 3, LAPIC_MODE_XAPIC);
    assert_int_equal(xw(0x0f0, 0x1ff, 0).result, VLAPIC_DONE);
    return 0;
}

/* x2APIC ID 0x25, software-enabled. */
static int setup_x2apic(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 0x25, LAPIC_MODE_X2APIC));
    vlapic_init(&vl, &page, 0x25, LAPIC_MODE_X2APIC);
    assert_int_equal(x2w(0x0f0, 0x1ff, 0).result, VLAPIC_DONE);
    return 0;
}

/* --- xAPIC registers ------------------------------------------------------------------------- */

static void xapic_icr_hi_keeps_destination_byte(void **state)
{
    (void)state;
    assert_int_equal(xw(0x310, 0x02abcdef, 0).result, VLAPIC_DONE);
    assert_int_equal(raw(0x310), 0x02000000); /* 23:0 reserved (SDM 11.6.1) */
}

static void xapic_icr_lo_sends_to_icr_hi_destination(void **state)
{
    (void)state;
    xw(0x310, 0x05000000, 0);
    /* fixed, vector 0x31, level assert; the guest wrote the delivery-status bit 12 */
    struct vlapic_outcome o = xw(0x300, 0x00005031, 0);
    assert_int_equal(o.result, VLAPIC_SEND_IPI);
    assert_int_equal(o.ipi.verdict, ICR_SEND);
    assert_int_equal(o.ipi.ipi.dest, 5);
    assert_int_equal(o.ipi.ipi.vector, 0x31);
    assert_int_equal(o.ipi.ipi.delivery, APIC_DM_FIXED);
    assert_false(o.ipi.ipi.x2apic);
    assert_int_equal(raw(0x300), 0x00004031); /* delivery status reads idle */
    assert_int_equal(raw(0x310), 0x05000000);
}

static void xapic_illegal_vector_reaches_esr_after_next_esr_write(void **state)
{
    (void)state;
    struct vlapic_outcome o = xw(0x300, 0x00004005, 0);
    assert_int_equal(o.result, VLAPIC_SEND_IPI);
    assert_int_equal(o.ipi.verdict, ICR_DROP_WITH_ESR);
    assert_int_equal(o.ipi.esr, 1u << 5);
    assert_int_equal(raw(0x280), 0); /* not visible until the ESR is written (SDM 11.5.3) */
    xw(0x280, 0, 0);
    assert_int_equal(raw(0x280), 1u << 5); /* send illegal vector */
    assert_int_equal(rd(0x280, 0), 1u << 5);
    xw(0x280, 0, 0);
    assert_int_equal(raw(0x280), 0); /* the write cleared the accumulator */
    /* errors accumulate between writes */
    xw(0x300, 0x00004001, 0);
    assert_false(vlapic_accept(&vl, 2));
    xw(0x280, 0x12345678, 0); /* the value written does not matter */
    assert_int_equal(raw(0x280), (1u << 5) | (1u << 6));
}

static void xapic_svr_software_disable_masks_every_lvt(void **state)
{
    (void)state;
    xw(0x320, 0x00000030, 0);
    xw(0x330, 0x00000031, 0);
    xw(0x340, 0x00000032, 0);
    xw(0x350, 0x00000700, 0);
    xw(0x360, 0x00000400, 0);
    xw(0x370, 0x00000033, 0);
    assert_int_equal(raw(0x320), 0x30); /* unmasked while enabled */
    xw(0x0f0, 0x000000ff, 0);
    assert_int_equal(raw(0x0f0), 0xff);
    assert_int_equal(raw(0x320), 0x00010030);
    assert_int_equal(raw(0x330), 0x00010031);
    assert_int_equal(raw(0x340), 0x00010032);
    assert_int_equal(raw(0x350), 0x00010700);
    assert_int_equal(raw(0x360), 0x00010400);
    assert_int_equal(raw(0x370), 0x00010033);
    /* SVR: vector 7:0, enable 8, focus 9; 12 (EOI-broadcast suppression) is not offered
     * (version bit 24 clear) and 31:13, 11:10 are reserved */
    xw(0x0f0, 0xffffffff, 0);
    assert_int_equal(raw(0x0f0), 0x000003ff);
}

static void xapic_lvt_writes_keep_writable_bits(void **state)
{
    (void)state;
    /* SDM figure "Local Vector Table (LVT)": delivery status (12) and remote IRR (14) are
     * read-only; timer: vector, mask, mode 18:17; LINT0/1: vector, delivery mode 10:8,
     * polarity 13, trigger 15, mask; thermal, perf: vector, delivery mode, mask; error: vector,
     * mask.  Bits 31:19 (31:17 outside the timer) are reserved. */
    xw(0x320, 0xfffbffff, 0); /* timer mode 01b (periodic) */
    assert_int_equal(raw(0x320), 0x000300ff);
    xw(0x320, 0x00041030, 0); /* TSC-deadline, with the delivery-status bit */
    assert_int_equal(raw(0x320), 0x00040030);
    xw(0x330, 0xffffffff, 0);
    assert_int_equal(raw(0x330), 0x000107ff);
    xw(0x340, 0xffffffff, 0);
    assert_int_equal(raw(0x340), 0x000107ff);
    xw(0x350, 0xffffffff, 0);
    assert_int_equal(raw(0x350), 0x0001a7ff);
    xw(0x360, 0x0000f7ff, 0);
    assert_int_equal(raw(0x360), 0x0000a7ff);
    xw(0x370, 0xffffffff, 0);
    assert_int_equal(raw(0x370), 0x000100ff);
}

static void xapic_lvt_writes_are_masked_while_software_disabled(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC)); /* SVR 0xFF: disabled */
    vlapic_init(&vl, &page, 3, LAPIC_MODE_XAPIC);
    xw(0x320, 0x00000030, 0);
    assert_int_equal(raw(0x320), 0x00010030);
    xw(0x350, 0x00008700, 0);
    assert_int_equal(raw(0x350), 0x00018700);
    xw(0x370, 0x00000033, 0);
    assert_int_equal(raw(0x370), 0x00010033);
    xw(0x0f0, 0x1ff, 0);
    xw(0x320, 0x00000030, 0);
    assert_int_equal(raw(0x320), 0x00000030);
}

static void xapic_dfr_and_ldr(void **state)
{
    (void)state;
    xw(0x0e0, 0x00000000, 0); /* cluster model; 27:0 reserved, read as ones (SDM 11.6.2.2) */
    assert_int_equal(raw(0x0e0), 0x0fffffff);
    xw(0x0e0, 0xf0000000, 0); /* flat model */
    assert_int_equal(raw(0x0e0), 0xffffffff);
    xw(0x0d0, 0x12345678, 0); /* logical APIC ID in 31:24, 23:0 reserved */
    assert_int_equal(raw(0x0d0), 0x12000000);
}

static void xapic_read_only_registers_ignore_writes(void **state)
{
    (void)state;
    memcpy(&snapshot, &page, sizeof(page));
    assert_int_equal(xw(0x030, 0x12345678, 0).result, VLAPIC_DONE); /* version */
    assert_int_equal(xw(0x0a0, 0x000000f0, 0).result, VLAPIC_DONE); /* PPR */
    assert_memory_equal(&page, &snapshot, sizeof(page));
}

/* SDM 11.4.6: the xAPIC ID is writable, bits 31:24; bits 23:0 are reserved. */
static void xapic_id_write_keeps_bits_31_24(void **state)
{
    (void)state;
    assert_int_equal(xw(0x020, 0x07abcdef, 0).result, VLAPIC_DONE);
    assert_int_equal(raw(0x020), 0x07000000);
}

static void xapic_timer_runs_and_reads_current_count(void **state)
{
    (void)state;
    xw(0x320, 0x00000030, 0);
    xw(0x3e0, 0x0000000b, 0); /* divide by 1 */
    xw(0x380, 500, 1000);
    assert_int_equal(raw(0x380), 500);
    assert_int_equal(rd(0x390, 1200), 300);
    assert_int_equal(vlapic_timer_poll(&vl, 1499), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 1500), 0x30);
}

/* --- x2APIC registers -------------------------------------------------------------------------- */

static void x2apic_icr_write_stores_both_halves_and_sends(void **state)
{
    (void)state;
    struct vlapic_outcome o = x2w(0x300, 0x0000000700004031ull, 0);
    assert_int_equal(o.result, VLAPIC_SEND_IPI);
    assert_int_equal(o.ipi.verdict, ICR_SEND);
    assert_int_equal(o.ipi.ipi.dest, 7);
    assert_int_equal(o.ipi.ipi.vector, 0x31);
    assert_true(o.ipi.ipi.x2apic);
    /* A passed-through RDMSR 0x830 reads the 8 bytes at offset 0x300 of the virtual-APIC page
     * (Vol. 3C "Virtualizing MSR-Based APIC Accesses"): the high half is at 0x304. */
    assert_int_equal(raw(0x300), 0x00004031);
    assert_int_equal(raw(0x304), 0x00000007);
    assert_int_equal(rd(0x300, 0), 0x0000000700004031ull);
    o = x2w(0x300, 0xffffffff00000832ull, 0); /* logical broadcast */
    assert_int_equal(o.ipi.ipi.dest, 0xffffffffu);
    assert_true(o.ipi.ipi.logical);
    assert_int_equal(raw(0x304), 0xffffffffu);
}

static void x2apic_icr_reserved_bits_gp_without_effect(void **state)
{
    (void)state;
    x2w(0x300, 0x0000000200004031ull, 0);
    memcpy(&snapshot, &page, sizeof(page));
    static const unsigned reserved[] = {13, 16, 17, 20, 31};
    for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        struct vlapic_outcome o = x2w(0x300, 0x0000000500004032ull | (1ull << reserved[i]), 0);
        assert_int_equal(o.result, VLAPIC_GP);
        assert_memory_equal(&page, &snapshot, sizeof(page)); /* a faulting WRMSR changes nothing */
    }
}

static void x2apic_esr_write_must_be_zero(void **state)
{
    (void)state;
    /* a fixed IPI with vector 5: not sent, "send illegal vector" (ESR bit 5, SDM 11.5.3) */
    assert_int_equal(x2w(0x300, 0x0000000100000005ull, 0).ipi.verdict, ICR_DROP_WITH_ESR);
    assert_int_equal(x2w(0x280, 1, 0).result, VLAPIC_GP);
    assert_int_equal(raw(0x280), 0);
    assert_int_equal(x2w(0x280, 0, 0).result, VLAPIC_DONE);
    assert_int_equal(rd(0x280, 0), 1u << 5);
    assert_int_equal(x2w(0x280, 0, 0).result, VLAPIC_DONE);
    assert_int_equal(rd(0x280, 0), 0);
}

/* SDM 11.5.3: an unmasked LVT error entry raises its vector when an error is recorded. */
static void errors_raise_the_lvt_error_interrupt_when_unmasked(void **state)
{
    (void)state;
    assert_int_equal(x2w(0x300, 0x0000000100000005ull, 0).ipi.verdict, ICR_DROP_WITH_ESR);
    assert_int_equal(raw(0x200 + 0x70), 0); /* LVT error masked at reset: IRR 224-255 empty */
    assert_int_equal(x2w(0xf0, 0x1ff, 0).result, VLAPIC_DONE);  /* software enable */
    assert_int_equal(x2w(0x370, 0xfe, 0).result, VLAPIC_DONE);  /* LVT error: vector 0xfe, unmasked */
    assert_int_equal(x2w(0x300, 0x0000000100000005ull, 0).ipi.verdict, ICR_DROP_WITH_ESR);
    assert_int_equal(raw(0x200 + 0x70), 1u << (0xfe - 224)); /* IRR bit 254 */
    assert_false(vlapic_accept(&vl, 3));                     /* receive illegal vector: an error too */
    assert_int_equal(x2w(0x280, 0, 0).result, VLAPIC_DONE);
    assert_int_equal(rd(0x280, 0), (1u << 5) | (1u << 6));
}

static void x2apic_read_only_and_invalid_writes_gp(void **state)
{
    (void)state;
    memcpy(&snapshot, &page, sizeof(page));
    static const uint32_t offsets[] = {
        0x0d0, 0x030, 0x020, 0x0a0, /* read-only: LDR, version, ID, PPR */
        0x0e0, 0x310, 0x090, 0x0c0, /* no such register in x2APIC mode: DFR, ICR_HI, APR, RRD */
        0x100, 0x200, 0x390,        /* ISR, IRR, current count: read-only */
    };
    for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
        if (x2w(offsets[i], 0, 0).result != VLAPIC_GP)
            fail_msg("WRMSR 0x%x did not #GP", 0x800 + offsets[i] / 16);
    assert_memory_equal(&page, &snapshot, sizeof(page));
    /* bits 63:32 of every x2APIC register but the ICR are reserved */
    assert_int_equal(x2w(0x320, 0x100000030ull, 0).result, VLAPIC_GP);
    assert_int_equal(raw(0x320), 0x00010000);
}

static void x2apic_reads(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_false(vlapic_read(&vl, 0x0b0, 0, &v)); /* EOI: write-only */
    assert_false(vlapic_read(&vl, 0x3f0, 0, &v)); /* SELF IPI: write-only */
    assert_false(vlapic_read(&vl, 0x0e0, 0, &v)); /* DFR */
    assert_false(vlapic_read(&vl, 0x310, 0, &v)); /* ICR_HI */
    assert_false(vlapic_read(&vl, 0x090, 0, &v)); /* APR */
    assert_false(vlapic_read(&vl, 0x400, 0, &v)); /* MSR 0x840 */
    assert_int_equal(rd(0x020, 0), 0x25);
    assert_int_equal(rd(0x0d0, 0), 0x00020020); /* SDM 11.12.10.2: cluster 2, bit 5 */
    assert_int_equal(rd(0x030, 0), 0x00050014);
}

/* --- timer ---------------------------------------------------------------------------------- */

static void oneshot_counts_down_and_fires_once(void **state)
{
    (void)state;
    x2w(0x320, 0x30, 0);   /* one-shot, vector 0x30 */
    /* DCR 0 after reset: divide by 2 */
    x2w(0x380, 1000, 10000);
    assert_int_equal(vl.timer_deadline, 12000);
    assert_int_equal(rd(0x390, 10000), 1000);
    assert_int_equal(rd(0x390, 10001), 999);
    assert_int_equal(rd(0x390, 11000), 500);
    assert_int_equal(vlapic_timer_poll(&vl, 11999), -1);
    assert_int_equal(rd(0x390, 12000), 0);
    assert_int_equal(rd(0x390, 13000), 0);
    assert_int_equal(vlapic_timer_poll(&vl, 12000), 0x30);
    assert_int_equal(vlapic_timer_poll(&vl, 12001), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 50000), -1);
    assert_int_equal(rd(0x390, 50000), 0);
    /* the initial count keeps its value (SDM 11.5.4) */
    assert_int_equal(rd(0x380, 50000), 1000);
}

static void masked_timer_raises_nothing(void **state)
{
    (void)state;
    x2w(0x320, 0x00010030, 0);
    x2w(0x3e0, 0xb, 0);
    x2w(0x380, 100, 1000);
    assert_int_equal(vlapic_timer_poll(&vl, 1100), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 1200), -1);
}

static void periodic_rearms_and_skips_missed_periods(void **state)
{
    (void)state;
    x2w(0x320, 0x00020040, 0); /* periodic, vector 0x40 */
    x2w(0x3e0, 0x1, 0);        /* divide by 4 */
    x2w(0x380, 25, 1000);      /* period 100 TSC ticks */
    assert_int_equal(vl.timer_deadline, 1100);
    assert_int_equal(vlapic_timer_poll(&vl, 1099), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 1100), 0x40);
    assert_int_equal(vl.timer_deadline, 1200);
    assert_int_equal(rd(0x390, 1150), 12); /* 50 ticks / 4 */
    assert_int_equal(vlapic_timer_poll(&vl, 1150), -1);
    /* 2.5 periods late: one interrupt, next expiry at the following period boundary */
    assert_int_equal(vlapic_timer_poll(&vl, 1450), 0x40);
    assert_int_equal(vl.timer_deadline, 1500);
    assert_int_equal(vlapic_timer_poll(&vl, 1450), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 1499), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 1500), 0x40);
    assert_int_equal(vl.timer_deadline, 1600);
}

static void initial_count_zero_stops(void **state)
{
    (void)state;
    x2w(0x320, 0x00020040, 0);
    x2w(0x380, 100, 1000);
    x2w(0x380, 0, 1050);
    assert_int_equal(vl.timer_deadline, 0);
    assert_int_equal(vlapic_timer_poll(&vl, 100000), -1);
    assert_int_equal(rd(0x390, 1060), 0);
}

/* SDM 11.5.4.1: only TSC-deadline transitions disarm; one-shot -> periodic keeps counting and
 * then reloads (this test said the opposite before: the rule was wrong). */
static void timer_mode_change_stops(void **state)
{
    (void)state;
    x2w(0x320, 0x30, 0);
    x2w(0x380, 100, 1000);
    x2w(0x320, 0x00020030, 1010); /* to periodic, DCR 0: divide by 2 */
    assert_int_equal(vl.timer_deadline, 1200);
    assert_int_equal(vlapic_timer_poll(&vl, 1200), 0x30);
    assert_int_equal(vl.timer_deadline, 1400); /* reloaded */
    x2w(0x320, 0x00000030, 1300); /* back to one-shot: this count is the last */
    assert_int_equal(vlapic_timer_poll(&vl, 1400), 0x30);
    assert_int_equal(vlapic_timer_poll(&vl, 1600), -1);
    assert_int_equal(rd(0x390, 1600), 0);
    x2w(0x320, 0x00040030, 1700); /* into TSC-deadline mode: disarmed */
    x2w(0x320, 0x00000030, 1710);
    x2w(0x380, 100, 1720);
    x2w(0x320, 0x00040030, 1730);
    assert_int_equal(vl.timer_deadline, 0);
    assert_int_equal(vlapic_timer_poll(&vl, 5000), -1);
    x2w(0x320, 0x00000030, 1740);
    /* changing only the vector or the mask does not stop it */
    x2w(0x380, 100, 2000);
    x2w(0x320, 0x00020031, 2010);
    x2w(0x320, 0x00030031, 2020);
    x2w(0x320, 0x00020031, 2030);
    assert_int_equal(vl.timer_deadline, 2200);
    assert_int_equal(vlapic_timer_poll(&vl, 2200), 0x31);
}

static void divide_configuration_encodings(void **state)
{
    (void)state;
    /* SDM figure "Divide Configuration Register": bits 3, 1:0 */
    static const struct {
        uint32_t dcr;
        uint64_t divisor;
    } table[] = {
        {0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1},
    };
    x2w(0x320, 0x30, 0);
    for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        assert_int_equal(x2w(0x3e0, table[i].dcr, 0).result, VLAPIC_DONE);
        x2w(0x380, 10, 1000);
        if (vl.timer_deadline != 1000 + 10 * table[i].divisor)
            fail_msg("DCR 0x%x: deadline %llu, expected %llu", table[i].dcr,
                     (unsigned long long)vl.timer_deadline, (unsigned long long)(1000 + 10 * table[i].divisor));
        assert_int_equal(rd(0x390, 1000), 10);
    }
}

static void tsc_deadline_mode(void **state)
{
    (void)state;
    x2w(0x320, 0x00040050, 0); /* TSC-deadline, vector 0x50 */
    vlapic_write_tsc_deadline(&vl, 5000, 1000);
    assert_int_equal(vl.tsc_deadline, 5000);
    assert_int_equal(rd(0x390, 1000), 0); /* SDM 11.5.4.1: the current count reads 0 */
    assert_int_equal(vlapic_timer_poll(&vl, 4999), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 5000), 0x50);
    assert_int_equal(vl.tsc_deadline, 0); /* the MSR reads 0 after it fired */
    assert_int_equal(vlapic_timer_poll(&vl, 6000), -1);
    /* 0 disarms */
    vlapic_write_tsc_deadline(&vl, 7000, 6000);
    vlapic_write_tsc_deadline(&vl, 0, 6001);
    assert_int_equal(vlapic_timer_poll(&vl, 8000), -1);
    /* a deadline in the past fires at once */
    vlapic_write_tsc_deadline(&vl, 100, 8000);
    assert_int_equal(vlapic_timer_poll(&vl, 8000), 0x50);
}

static void tsc_deadline_mode_ignores_initial_count(void **state)
{
    (void)state;
    x2w(0x320, 0x00040050, 0);
    vlapic_write_tsc_deadline(&vl, 5000, 1000);
    assert_int_equal(x2w(0x380, 10, 1000).result, VLAPIC_DONE);
    assert_int_equal(rd(0x380, 1000), 0);
    assert_int_equal(vlapic_timer_poll(&vl, 1020), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 5000), 0x50);
}

static void oneshot_mode_ignores_tsc_deadline(void **state)
{
    (void)state;
    x2w(0x320, 0x30, 0);
    vlapic_write_tsc_deadline(&vl, 5000, 1000);
    assert_int_equal(vl.tsc_deadline, 0); /* SDM 11.5.4.1: reads 0, writes ignored */
    assert_int_equal(vlapic_timer_poll(&vl, 5000), -1);
    x2w(0x3e0, 0xb, 0);
    x2w(0x380, 100, 6000);
    vlapic_write_tsc_deadline(&vl, 6010, 6000);
    assert_int_equal(vlapic_timer_poll(&vl, 6010), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 6100), 0x30);
}

/* A write of IA32_TSC moves the guest's TSC, the model's clock: a count-down keeps its remaining
 * count, a TSC deadline stays put on the TSC (SDM 11.5.4.1). */
static void a_tsc_jump_keeps_count_downs_and_deadlines(void **state)
{
    (void)state;
    x2w(0x3e0, 0xb, 0);          /* divide by 1 */
    x2w(0x320, 0x30, 0);         /* one-shot */
    x2w(0x380, 100, 1000);
    vlapic_tsc_moved(&vl, 5000);
    assert_int_equal(rd(0x390, 6050), 50);
    assert_int_equal(vlapic_timer_poll(&vl, 6099), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 6100), 0x30);
    x2w(0x320, 0x00040031, 7000); /* TSC-deadline */
    vlapic_write_tsc_deadline(&vl, 9000, 7000);
    vlapic_tsc_moved(&vl, -1000);
    assert_int_equal(vlapic_timer_poll(&vl, 8999), -1);
    assert_int_equal(vlapic_timer_poll(&vl, 9000), 0x31);
}

static void leaving_tsc_deadline_mode_disarms(void **state)
{
    (void)state;
    x2w(0x320, 0x00040050, 0);
    vlapic_write_tsc_deadline(&vl, 5000, 1000);
    x2w(0x320, 0x00000050, 1000); /* back to one-shot */
    assert_int_equal(vl.tsc_deadline, 0);
    assert_int_equal(vlapic_timer_poll(&vl, 5000), -1);
}

/* --- accepting interrupts, mode changes --------------------------------------------------------- */

static void accept_sets_irr_and_refuses_illegal_vectors(void **state)
{
    (void)state;
    assert_true(vlapic_accept(&vl, 0x31));
    assert_int_equal(raw(0x210), 1u << 17);
    assert_true(vlapic_accept(&vl, 0xff));
    assert_int_equal(raw(0x270), 1u << 31);
    for (unsigned v = 0; v < 16; v++)
        assert_false(vlapic_accept(&vl, (uint8_t)v));
    assert_int_equal(raw(0x200), 0);
    assert_int_equal(vl.esr_pending, 1u << 6); /* receive illegal vector */
    assert_true(vlapic_accept(&vl, 16));
    assert_int_equal(raw(0x200), 1u << 16);
}

static void set_mode_clears_timer_and_errors_unless_x2apic(void **state)
{
    (void)state;
    static const enum lapic_mode resets[] = {LAPIC_MODE_XAPIC, LAPIC_MODE_DISABLED};
    for (unsigned i = 0; i < 2; i++) {
        setup_x2apic(NULL);
        x2w(0x320, 0x00020030, 0);
        x2w(0x380, 100, 1000);
        vlapic_accept(&vl, 3);
        vlapic_set_mode(&vl, resets[i]);
        assert_int_equal(vl.mode, resets[i]);
        assert_int_equal(vl.timer_deadline, 0);
        assert_int_equal(vl.timer_period, 0);
        assert_int_equal(vl.esr_pending, 0);
        setup_x2apic(NULL);
        x2w(0x320, 0x00040030, 0);
        vlapic_write_tsc_deadline(&vl, 5000, 1000);
        assert_int_equal(vl.tsc_deadline, 5000);
        vlapic_set_mode(&vl, resets[i]);
        assert_int_equal(vl.timer_deadline, 0);
        assert_int_equal(vl.tsc_deadline, 0); /* the LVT timer is one-shot again after the reset */
    }
    /* xAPIC -> x2APIC keeps the register state (SDM 11.12.5.1) */
    setup_xapic(NULL);
    xw(0x320, 0x00020030, 0);
    xw(0x380, 100, 1000);
    vlapic_accept(&vl, 3);
    uint64_t deadline = vl.timer_deadline, period = vl.timer_period;
    assert_true(deadline != 0);
    vlapic_set_mode(&vl, LAPIC_MODE_X2APIC);
    assert_int_equal(vl.mode, LAPIC_MODE_X2APIC);
    assert_int_equal(vl.timer_deadline, deadline);
    assert_int_equal(vl.timer_period, period);
    assert_int_equal(vl.esr_pending, 1u << 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(xapic_icr_hi_keeps_destination_byte, setup_xapic),
        cmocka_unit_test_setup(xapic_icr_lo_sends_to_icr_hi_destination, setup_xapic),
        cmocka_unit_test_setup(xapic_illegal_vector_reaches_esr_after_next_esr_write, setup_xapic),
        cmocka_unit_test_setup(xapic_svr_software_disable_masks_every_lvt, setup_xapic),
        cmocka_unit_test_setup(xapic_lvt_writes_keep_writable_bits, setup_xapic),
        cmocka_unit_test_setup(xapic_lvt_writes_are_masked_while_software_disabled, setup_xapic),
        cmocka_unit_test_setup(xapic_dfr_and_ldr, setup_xapic),
        cmocka_unit_test_setup(xapic_read_only_registers_ignore_writes, setup_xapic),
        cmocka_unit_test_setup(xapic_timer_runs_and_reads_current_count, setup_xapic),
        cmocka_unit_test_setup(x2apic_icr_write_stores_both_halves_and_sends, setup_x2apic),
        cmocka_unit_test_setup(x2apic_icr_reserved_bits_gp_without_effect, setup_x2apic),
        cmocka_unit_test_setup(x2apic_esr_write_must_be_zero, setup_x2apic),
        cmocka_unit_test_setup(errors_raise_the_lvt_error_interrupt_when_unmasked, setup_x2apic),
        cmocka_unit_test_setup(x2apic_read_only_and_invalid_writes_gp, setup_x2apic),
        cmocka_unit_test_setup(xapic_id_write_keeps_bits_31_24, setup_xapic),
        cmocka_unit_test_setup(x2apic_reads, setup_x2apic),
        cmocka_unit_test_setup(oneshot_counts_down_and_fires_once, setup_x2apic),
        cmocka_unit_test_setup(masked_timer_raises_nothing, setup_x2apic),
        cmocka_unit_test_setup(periodic_rearms_and_skips_missed_periods, setup_x2apic),
        cmocka_unit_test_setup(initial_count_zero_stops, setup_x2apic),
        cmocka_unit_test_setup(timer_mode_change_stops, setup_x2apic),
        cmocka_unit_test_setup(divide_configuration_encodings, setup_x2apic),
        cmocka_unit_test_setup(tsc_deadline_mode, setup_x2apic),
        cmocka_unit_test_setup(tsc_deadline_mode_ignores_initial_count, setup_x2apic),
        cmocka_unit_test_setup(oneshot_mode_ignores_tsc_deadline, setup_x2apic),
        cmocka_unit_test_setup(leaving_tsc_deadline_mode_disarms, setup_x2apic),
        cmocka_unit_test_setup(a_tsc_jump_keeps_count_downs_and_deadlines, setup_x2apic),
        cmocka_unit_test_setup(accept_sets_irr_and_refuses_illegal_vectors, setup_x2apic),
        cmocka_unit_test_setup(set_mode_clears_timer_and_errors_unless_x2apic, setup_x2apic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
