/* The I/O APIC model (vmm/dev/ioapic.c), driven the way a guest drives it: through IOREGSEL and
 * IOWIN at their MMIO offsets, with devices raising and lowering pins and the local APIC sending
 * EOIs.  Register values and bit positions below are written from the 82093AA datasheet
 * (290566-001, section 3), not taken from the model; each delivered message is recorded and
 * compared field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/dev/ioapic.h"

/* MMIO offsets (3.1) and the version 0x20 EOI register */
enum { SEL = 0x00, WIN = 0x10, EOI = 0x40 };
/* Redirection entry bits (3.2.4) */
#define MASKED    0x10000u
#define LEVEL     0x8000u
#define RIRR      0x4000u
#define POL_LOW   0x2000u
#define DELIVS    0x1000u
#define LOGICAL   0x800u
#define DM(m)     ((uint32_t)(m) << 8)
#define DEST(d)   ((uint32_t)(d) << 24) /* bits 63:56, in the high half */
#define RESET_LO  0x00010000u

static struct ioapic io;
static struct ioapic_msg sent[16];
static unsigned nsent;
static int ctx_token;

static void record(void *ctx, const struct ioapic_msg *m)
{
    assert_ptr_equal(ctx, &ctx_token);
    assert_true(nsent < sizeof(sent) / sizeof(sent[0]));
    sent[nsent++] = *m;
}

static int setup(void **state)
{
    (void)state;
    ioapic_init(&io, 2);
    io.deliver = record;
    io.ctx = &ctx_token;
    nsent = 0;
    memset(sent, 0, sizeof(sent));
    return 0;
}

static uint32_t reg_read(uint32_t reg)
{
    ioapic_mmio_write(&io, SEL, reg);
    return ioapic_mmio_read(&io, WIN);
}

static void reg_write(uint32_t reg, uint32_t value)
{
    ioapic_mmio_write(&io, SEL, reg);
    ioapic_mmio_write(&io, WIN, value);
}

/* High half first, then low, as Linux's ioapic_write_entry does. */
static void set_entry(unsigned pin, uint32_t lo, uint32_t hi)
{
    reg_write(0x11 + 2 * pin, hi);
    reg_write(0x10 + 2 * pin, lo);
}

static uint32_t entry_lo(unsigned pin) { return reg_read(0x10 + 2 * pin); }
static uint32_t entry_hi(unsigned pin) { return reg_read(0x11 + 2 * pin); }

static void assert_msg(unsigned i, uint32_t dest, bool logical, uint8_t dm, uint8_t vector,
                       bool level)
{
    assert_true(i < nsent);
    assert_int_equal(sent[i].dest, dest);
    assert_int_equal(sent[i].logical, logical);
    assert_int_equal(sent[i].delivery_mode, dm);
    assert_int_equal(sent[i].vector, vector);
    assert_int_equal(sent[i].level, level);
}

static void reset_state(void **state)
{
    (void)state;
    assert_int_equal(reg_read(0x00), 0x02000000);
    assert_int_equal(reg_read(0x01), 0x00170020); /* max entry 23 in 23:16, version 0x20 */
    assert_int_equal(reg_read(0x02), 0x02000000);
    for (unsigned pin = 0; pin < 24; pin++) {
        assert_int_equal(entry_lo(pin), RESET_LO);
        assert_int_equal(entry_hi(pin), 0);
    }
    ioapic_mmio_write(&io, SEL, 0);
    assert_int_equal(ioapic_mmio_read(&io, SEL), 0);
    assert_int_equal(ioapic_eoi_exit_generation(&io), 0);
    uint64_t bm[4] = {0};
    ioapic_eoi_exit_bitmap(&io, bm);
    assert_true(!bm[0] && !bm[1] && !bm[2] && !bm[3]);
    ioapic_init(&io, 0x1a); /* four ID bits only */
    assert_int_equal(reg_read(0x00), 0x0a000000);
}

static void ioregsel_keeps_eight_bits(void **state)
{
    (void)state;
    ioapic_mmio_write(&io, SEL, 0xfffffea3);
    assert_int_equal(ioapic_mmio_read(&io, SEL), 0xa3);
    ioapic_mmio_write(&io, 0x11, 0x10); /* inside IOWIN, misaligned: no register */
    assert_int_equal(ioapic_mmio_read(&io, SEL), 0xa3);
}

static void id_is_bits_27_to_24_and_ver_arb_are_read_only(void **state)
{
    (void)state;
    reg_write(0x00, 0xffffffff);
    assert_int_equal(reg_read(0x00), 0x0f000000);
    assert_int_equal(reg_read(0x02), 0x0f000000);
    reg_write(0x00, 0x05000000);
    assert_int_equal(reg_read(0x02), 0x05000000);
    reg_write(0x01, 0);
    assert_int_equal(reg_read(0x01), 0x00170020);
    reg_write(0x02, 0x0c000000);
    assert_int_equal(reg_read(0x02), 0x05000000);
    assert_int_equal(reg_read(0x00), 0x05000000);
}

static void redirection_entries_keep_their_writable_bits(void **state)
{
    (void)state;
    set_entry(3, 0xffffffff, 0xffffffff);
    /* vector 7:0, mode 10:8, destmode 11, polarity 13, trigger 15, mask 16 */
    assert_int_equal(entry_lo(3), 0x0001afff);
    assert_int_equal(entry_hi(3), 0xff000000);
    set_entry(3, 0x00000000, 0x00ffffff);
    assert_int_equal(entry_lo(3), 0);
    assert_int_equal(entry_hi(3), 0);
    set_entry(23, MASKED | 0x3c, DEST(0x81)); /* the last entry, 0x3e/0x3f */
    assert_int_equal(reg_read(0x3e), MASKED | 0x3c);
    assert_int_equal(reg_read(0x3f), 0x81000000);
    assert_int_equal(entry_lo(2), RESET_LO);
    assert_int_equal(entry_lo(4), RESET_LO);
    assert_int_equal(entry_hi(22), 0);
    assert_int_equal(nsent, 0);
}

static void remote_irr_and_delivery_status_are_read_only(void **state)
{
    (void)state;
    set_entry(5, MASKED | LEVEL | RIRR | DELIVS | 0x45, 0);
    assert_int_equal(entry_lo(5), MASKED | LEVEL | 0x45);
    set_entry(5, LEVEL | 0x45, 0);
    ioapic_set_irq(&io, 5, true);
    assert_int_equal(nsent, 1);
    assert_int_equal(entry_lo(5), RIRR | LEVEL | 0x45);
    set_entry(5, LEVEL | 0x45, 0); /* Remote IRR written 0: stays set */
    assert_int_equal(entry_lo(5), RIRR | LEVEL | 0x45);
    assert_int_equal(nsent, 1);
}

static void unknown_registers_and_offsets(void **state)
{
    (void)state;
    static const uint32_t regs[] = {0x03, 0x0f, 0x40, 0x41, 0xff};
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        reg_write(regs[i], 0xffffffff);
        assert_int_equal(reg_read(regs[i]), 0);
    }
    static const uint32_t offsets[] = {0x04, 0x0c, 0x14, 0x20, 0x3c, 0x44, 0xffc};
    ioapic_mmio_write(&io, SEL, 0x10);
    for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        ioapic_mmio_write(&io, offsets[i], 0);
        assert_int_equal(ioapic_mmio_read(&io, offsets[i]), 0);
    }
    assert_int_equal(ioapic_mmio_read(&io, SEL), 0x10);
    assert_int_equal(ioapic_mmio_read(&io, WIN), RESET_LO);
    assert_int_equal(ioapic_mmio_read(&io, EOI), 0); /* write-only */
    assert_int_equal(reg_read(0x00), 0x02000000);
}

static void edge_delivers_on_rising_edges_only(void **state)
{
    (void)state;
    set_entry(1, 0x31, DEST(3));
    ioapic_set_irq(&io, 1, true);
    assert_int_equal(nsent, 1);
    assert_msg(0, 3, false, 0, 0x31, false);
    ioapic_set_irq(&io, 1, true);
    ioapic_set_irq(&io, 1, false);
    assert_int_equal(nsent, 1);
    ioapic_set_irq(&io, 1, true);
    assert_int_equal(nsent, 2);
    assert_msg(1, 3, false, 0, 0x31, false);
    assert_int_equal(entry_lo(1), 0x31); /* no Remote IRR for edge */
}

static void masked_edges_are_lost(void **state)
{
    (void)state;
    set_entry(4, MASKED | 0x34, DEST(1));
    ioapic_set_irq(&io, 4, true);
    assert_int_equal(nsent, 0);
    set_entry(4, 0x34, DEST(1)); /* unmasked with the line high: no edge, nothing */
    assert_int_equal(nsent, 0);
    ioapic_set_irq(&io, 4, false);
    ioapic_set_irq(&io, 4, true);
    assert_int_equal(nsent, 1);
    assert_msg(0, 1, false, 0, 0x34, false);
}

static void level_sets_remote_irr_until_eoi(void **state)
{
    (void)state;
    set_entry(9, LEVEL | 0x41, DEST(0));
    ioapic_set_irq(&io, 9, true);
    assert_int_equal(nsent, 1);
    assert_msg(0, 0, false, 0, 0x41, true);
    assert_int_equal(entry_lo(9), RIRR | LEVEL | 0x41);
    ioapic_set_irq(&io, 9, true);
    ioapic_set_irq(&io, 9, false);
    ioapic_set_irq(&io, 9, true);
    assert_int_equal(nsent, 1);
    ioapic_eoi(&io, 0x42); /* another vector */
    assert_int_equal(nsent, 1);
    assert_int_equal(entry_lo(9), RIRR | LEVEL | 0x41);
    ioapic_eoi(&io, 0x41); /* still asserted: delivered again */
    assert_int_equal(nsent, 2);
    assert_msg(1, 0, false, 0, 0x41, true);
    assert_int_equal(entry_lo(9), RIRR | LEVEL | 0x41);
}

static void eoi_after_the_line_dropped_delivers_nothing(void **state)
{
    (void)state;
    set_entry(9, LEVEL | 0x41, DEST(0));
    ioapic_set_irq(&io, 9, true);
    ioapic_set_irq(&io, 9, false);
    ioapic_eoi(&io, 0x41);
    assert_int_equal(nsent, 1);
    assert_int_equal(entry_lo(9), LEVEL | 0x41);
    ioapic_set_irq(&io, 9, true);
    assert_int_equal(nsent, 2);
}

static void eoi_ends_every_level_entry_with_the_vector(void **state)
{
    (void)state;
    set_entry(10, LEVEL | 0x61, DEST(0));
    set_entry(11, LEVEL | 0x61, DEST(1));
    set_entry(12, 0x61, DEST(2)); /* edge, same vector: untouched by EOIs */
    ioapic_set_irq(&io, 10, true);
    ioapic_set_irq(&io, 11, true);
    ioapic_set_irq(&io, 12, true);
    assert_int_equal(nsent, 3);
    ioapic_eoi(&io, 0x61);
    assert_int_equal(nsent, 5);
    assert_msg(3, 0, false, 0, 0x61, true);
    assert_msg(4, 1, false, 0, 0x61, true);
}

static void unmasking_an_asserted_level_line_delivers(void **state)
{
    (void)state;
    set_entry(7, MASKED | LEVEL | 0x57, DEST(2));
    ioapic_set_irq(&io, 7, true);
    assert_int_equal(nsent, 0);
    assert_int_equal(entry_lo(7), MASKED | LEVEL | 0x57);
    set_entry(7, LEVEL | 0x57, DEST(2));
    assert_int_equal(nsent, 1);
    assert_msg(0, 2, false, 0, 0x57, true);
    assert_int_equal(entry_lo(7), RIRR | LEVEL | 0x57);
}

static void eoi_register_at_0x40(void **state)
{
    (void)state;
    set_entry(9, LEVEL | 0x41, DEST(0));
    ioapic_set_irq(&io, 9, true);
    ioapic_mmio_write(&io, EOI, 0xffffff41); /* the vector is bits 7:0 */
    assert_int_equal(nsent, 2);
    ioapic_set_irq(&io, 9, false);
    ioapic_mmio_write(&io, EOI, 0x41);
    assert_int_equal(entry_lo(9), LEVEL | 0x41);
    assert_int_equal(nsent, 2);
}

/* Linux's EOI for I/O APICs before version 0x20: switch the entry to edge and back. */
static void rewriting_as_edge_clears_remote_irr(void **state)
{
    (void)state;
    set_entry(9, LEVEL | 0x41, DEST(0));
    ioapic_set_irq(&io, 9, true);
    set_entry(9, MASKED | 0x41, DEST(0));
    assert_int_equal(entry_lo(9), MASKED | 0x41);
    set_entry(9, LEVEL | 0x41, DEST(0));
    assert_int_equal(nsent, 2);
    assert_int_equal(entry_lo(9), RIRR | LEVEL | 0x41);
}

static void polarity_is_not_applied_to_the_line(void **state)
{
    (void)state;
    set_entry(13, POL_LOW | LEVEL | 0x71, DEST(0));
    ioapic_set_irq(&io, 13, false);
    assert_int_equal(nsent, 0);
    ioapic_set_irq(&io, 13, true);
    assert_int_equal(nsent, 1);
    assert_int_equal(entry_lo(13), RIRR | POL_LOW | LEVEL | 0x71);
}

static void destinations_and_delivery_modes(void **state)
{
    (void)state;
    set_entry(0, 0x20, DEST(0xfe) | 0x00ffffff); /* 55:32 reserved: dropped */
    set_entry(1, LOGICAL | 0x21, DEST(0x0f));
    set_entry(2, LOGICAL | DM(1) | 0x22, DEST(0xff));
    set_entry(3, LEVEL | DM(4), DEST(5));          /* NMI: edge whatever the trigger bit */
    set_entry(4, DM(7), DEST(0));                  /* ExtINT */
    set_entry(5, LEVEL | DM(5), DEST(0xff));       /* INIT */
    set_entry(6, DM(2), DEST(6));                  /* SMI */
    for (unsigned pin = 0; pin <= 6; pin++)
        ioapic_set_irq(&io, pin, true);
    assert_int_equal(nsent, 7);
    assert_msg(0, 0xfe, false, 0, 0x20, false);
    assert_msg(1, 0x0f, true, 0, 0x21, false);
    assert_msg(2, 0xff, true, 1, 0x22, false);
    assert_msg(3, 5, false, 4, 0, false);
    assert_msg(4, 0, false, 7, 0, false);
    assert_msg(5, 0xff, false, 5, 0, false);
    assert_msg(6, 6, false, 2, 0, false);
    assert_int_equal(entry_lo(3), LEVEL | DM(4)); /* no Remote IRR: it would never see an EOI */
    for (unsigned pin = 0; pin <= 6; pin++) {      /* rising edges again: no Remote IRR held */
        ioapic_set_irq(&io, pin, false);
        ioapic_set_irq(&io, pin, true);
    }
    assert_int_equal(nsent, 14);
}

static void reserved_delivery_modes_send_nothing(void **state)
{
    (void)state;
    set_entry(0, DM(3) | 0x30, 0);
    set_entry(1, DM(6) | 0x31, 0);
    set_entry(2, LEVEL | DM(3) | 0x32, 0);
    for (unsigned pin = 0; pin <= 2; pin++)
        ioapic_set_irq(&io, pin, true);
    assert_int_equal(nsent, 0);
    assert_int_equal(entry_lo(2), LEVEL | DM(3) | 0x32);
}

static void pins_past_23_are_ignored(void **state)
{
    (void)state;
    set_entry(0, 0x30, 0);
    ioapic_set_irq(&io, 24, true);
    ioapic_set_irq(&io, 32, true);
    assert_int_equal(nsent, 0);
    ioapic_set_irq(&io, 0, true);
    assert_int_equal(nsent, 1);
}

static void eoi_exit_bitmap_holds_level_fixed_and_lowest(void **state)
{
    (void)state;
    set_entry(0, LEVEL | 0x30, 0);                /* vector 48 */
    set_entry(1, LEVEL | DM(1) | 0x81, 0);        /* lowest priority, vector 129 */
    set_entry(2, 0x40, 0);                        /* edge */
    set_entry(3, MASKED | LEVEL | 0x50, 0);       /* masked, nothing pending */
    set_entry(4, LEVEL | DM(4) | 0x60, 0);        /* NMI */
    set_entry(5, LEVEL | DM(7) | 0x70, 0);        /* ExtINT */
    set_entry(6, LEVEL | DM(2) | 0x71, 0);        /* SMI */
    set_entry(7, LEVEL | 0xff, 0);                /* vector 255 */
    uint64_t bm[4] = {1ull << 3, 1ull << 5, 0, 0}; /* bits already there stay */
    ioapic_eoi_exit_bitmap(&io, bm);
    assert_int_equal(bm[0], 1ull << 48 | 1ull << 3);
    assert_int_equal(bm[1], 1ull << 5);
    assert_int_equal(bm[2], 1ull << 1);
    assert_int_equal(bm[3], 1ull << 63);
}

/* Linux masks a level line while its threaded handler runs and EOIs meanwhile: that EOI must
 * still exit and clear Remote IRR, or the line never fires again once unmasked. */
static void masked_entry_awaiting_eoi_stays_in_the_bitmap(void **state)
{
    (void)state;
    set_entry(8, LEVEL | 0x55, 0);
    ioapic_set_irq(&io, 8, true);
    uint32_t gen = ioapic_eoi_exit_generation(&io);
    set_entry(8, MASKED | LEVEL | 0x55, 0);
    assert_int_equal(ioapic_eoi_exit_generation(&io), gen);
    uint64_t bm[4] = {0};
    ioapic_eoi_exit_bitmap(&io, bm);
    assert_int_equal(bm[1], 1ull << (0x55 - 64));
    ioapic_eoi(&io, 0x55);
    assert_int_equal(nsent, 1); /* masked: no delivery though asserted */
    assert_int_equal(entry_lo(8), MASKED | LEVEL | 0x55);
    assert_int_not_equal(ioapic_eoi_exit_generation(&io), gen);
    memset(bm, 0, sizeof(bm));
    ioapic_eoi_exit_bitmap(&io, bm);
    assert_int_equal(bm[1], 0);
    set_entry(8, LEVEL | 0x55, 0);
    assert_int_equal(nsent, 2);
    assert_msg(1, 0, false, 0, 0x55, true);
}

static void generation_moves_when_the_bitmap_may_change(void **state)
{
    (void)state;
    uint32_t gen = ioapic_eoi_exit_generation(&io);
    set_entry(0, 0x30, DEST(1));                     /* unmasked edge: not in the bitmap */
    reg_write(0x11, DEST(2));                        /* destination only */
    assert_int_equal(ioapic_eoi_exit_generation(&io), gen);
    set_entry(0, LEVEL | 0x30, DEST(2));             /* now in */
    assert_int_not_equal(ioapic_eoi_exit_generation(&io), gen);
    gen = ioapic_eoi_exit_generation(&io);
    set_entry(0, LEVEL | 0x30, DEST(2));             /* the same again */
    set_entry(0, POL_LOW | LEVEL | 0x30, DEST(2));   /* polarity: same vector in the bitmap */
    assert_int_equal(ioapic_eoi_exit_generation(&io), gen);
    set_entry(0, POL_LOW | LEVEL | 0x31, DEST(2));   /* vector changed */
    assert_int_not_equal(ioapic_eoi_exit_generation(&io), gen);
    gen = ioapic_eoi_exit_generation(&io);
    set_entry(0, MASKED | POL_LOW | LEVEL | 0x31, DEST(2)); /* masked, nothing pending: out */
    assert_int_not_equal(ioapic_eoi_exit_generation(&io), gen);
    gen = ioapic_eoi_exit_generation(&io);
    set_entry(0, LEVEL | DM(4) | 0x31, DEST(2));     /* NMI: out, still */
    assert_int_equal(ioapic_eoi_exit_generation(&io), gen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(reset_state, setup),
        cmocka_unit_test_setup(ioregsel_keeps_eight_bits, setup),
        cmocka_unit_test_setup(id_is_bits_27_to_24_and_ver_arb_are_read_only, setup),
        cmocka_unit_test_setup(redirection_entries_keep_their_writable_bits, setup),
        cmocka_unit_test_setup(remote_irr_and_delivery_status_are_read_only, setup),
        cmocka_unit_test_setup(unknown_registers_and_offsets, setup),
        cmocka_unit_test_setup(edge_delivers_on_rising_edges_only, setup),
        cmocka_unit_test_setup(masked_edges_are_lost, setup),
        cmocka_unit_test_setup(level_sets_remote_irr_until_eoi, setup),
        cmocka_unit_test_setup(eoi_after_the_line_dropped_delivers_nothing, setup),
        cmocka_unit_test_setup(eoi_ends_every_level_entry_with_the_vector, setup),
        cmocka_unit_test_setup(unmasking_an_asserted_level_line_delivers, setup),
        cmocka_unit_test_setup(eoi_register_at_0x40, setup),
        cmocka_unit_test_setup(rewriting_as_edge_clears_remote_irr, setup),
        cmocka_unit_test_setup(polarity_is_not_applied_to_the_line, setup),
        cmocka_unit_test_setup(destinations_and_delivery_modes, setup),
        cmocka_unit_test_setup(reserved_delivery_modes_send_nothing, setup),
        cmocka_unit_test_setup(pins_past_23_are_ignored, setup),
        cmocka_unit_test_setup(eoi_exit_bitmap_holds_level_fixed_and_lowest, setup),
        cmocka_unit_test_setup(masked_entry_awaiting_eoi_stays_in_the_bitmap, setup),
        cmocka_unit_test_setup(generation_moves_when_the_bitmap_may_change, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
