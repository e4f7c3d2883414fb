/* Virtual-APIC page seeding (SDM 11.4.7.1 "Local APIC State After Power-Up or Reset"), mode
 * switches (SDM 11.12.5.1) and the register model helpers (IRR/ISR/TMR, PPR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/vapic_page.h"

static struct vapic_page page, other;

/* Reads a register straight from the page bytes, independent of vapic_read. */
static uint32_t raw(const struct vapic_page *p, unsigned offset)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)p + offset, 4);
    return v;
}

static void xapic_seed_has_reset_values(void **state)
{
    (void)state;
    memset(&page, 0x5a, sizeof(page));
    assert_true(vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC));
    assert_int_equal(raw(&page, 0x20), 0x03000000);
    assert_int_equal(raw(&page, 0x30), 0x00050014);
    assert_int_equal(raw(&page, 0x80), 0);
    assert_int_equal(raw(&page, 0xd0), 0);
    assert_int_equal(raw(&page, 0xe0), 0xffffffff);
    assert_int_equal(raw(&page, 0xf0), 0xff);
    for (unsigned lvt = 0x320; lvt <= 0x370; lvt += 0x10)
        assert_int_equal(raw(&page, lvt), 0x00010000);
    /* everything else is zero: IRR/ISR/TMR, ICR, timer, ESR, and the padding between registers */
    for (unsigned off = 0; off < 0x1000; off += 4) {
        int seeded = off == 0x20 || off == 0x30 || off == 0xe0 || off == 0xf0 || (off >= 0x320 && off <= 0x370 && off % 16 == 0);
        if (!seeded && raw(&page, off) != 0)
            fail_msg("offset 0x%x = 0x%x", off, raw(&page, off));
    }
}

static void x2apic_seed_has_full_id_and_derived_ldr(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 0x25, LAPIC_MODE_X2APIC));
    assert_int_equal(raw(&page, 0x20), 0x25);
    assert_int_equal(raw(&page, 0xd0), 0x00020020);
    assert_int_equal(raw(&page, 0xe0), 0);
    assert_int_equal(raw(&page, 0xf0), 0xff);
    assert_true(vapic_page_seed(&page, 0x1234, LAPIC_MODE_X2APIC));
    assert_int_equal(raw(&page, 0x20), 0x1234);
    assert_int_equal(raw(&page, 0xd0), 0x01230010);
}

static void two_vcpus_get_distinct_ids(void **state)
{
    (void)state;
    /* seeds/001: RDMSR 0x802 reads 8 bytes at offset 0x20; each vCPU must see its own ID */
    assert_true(vapic_page_seed(&page, 0, LAPIC_MODE_X2APIC));
    assert_true(vapic_page_seed(&other, 1, LAPIC_MODE_X2APIC));
    assert_int_equal(raw(&page, 0x20), 0);
    assert_int_equal(raw(&other, 0x20), 1);
    assert_int_equal(raw(&page, 0x24), 0); /* high half of the 64-bit MSR read */
}

static void bad_inputs_leave_the_page_alone(void **state)
{
    (void)state;
    memset(&page, 0x5a, sizeof(page));
    assert_false(vapic_page_seed(&page, 0xff, LAPIC_MODE_XAPIC));
    assert_false(vapic_page_seed(&page, 0x100, LAPIC_MODE_DISABLED));
    assert_false(vapic_page_seed(&page, 1, LAPIC_MODE_INVALID));
    assert_false(vapic_page_switch_mode(&page, 0x100, LAPIC_MODE_XAPIC));
    assert_int_equal(raw(&page, 0x20), 0x5a5a5a5a);
    assert_int_equal(vapic_read(&page, 0x1000), 0);
    vapic_write(&page, 0x1000, 1); /* dropped, ASan would catch an overflow */
    vapic_write(&page, 0x22, 1);   /* misaligned: dropped */
    assert_int_equal(raw(&page, 0x20), 0x5a5a5a5a);
}

static void switch_to_x2apic_keeps_state_but_rewrites_identity(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 5, LAPIC_MODE_XAPIC));
    vapic_write(&page, APIC_LDR, 0x01000000);
    vapic_write(&page, APIC_DFR, 0x0fffffff);
    vapic_write(&page, APIC_TPR, 0x20);
    vapic_write(&page, APIC_SVR, 0x1ff);
    vapic_write(&page, APIC_ICR_HI, 0x05000000);
    vapic_write(&page, APIC_LVT_TIMER, 0x30);
    vapic_vector_set(&page, APIC_IRR, 49);
    assert_true(vapic_page_switch_mode(&page, 5, LAPIC_MODE_X2APIC));
    assert_int_equal(raw(&page, 0x20), 5);
    assert_int_equal(raw(&page, 0xd0), 0x00000020);
    assert_int_equal(raw(&page, 0xe0), 0);
    assert_int_equal(raw(&page, 0x310), 0);
    assert_int_equal(raw(&page, 0x304), 0);
    assert_int_equal(raw(&page, 0x80), 0x20);
    assert_int_equal(raw(&page, 0xf0), 0x1ff);
    assert_int_equal(raw(&page, 0x320), 0x30);
    assert_int_equal(raw(&page, 0x210), 1u << 17); /* vector 49 = register 1 (0x210), bit 17 */
}

static void switch_to_disabled_or_xapic_resets(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 5, LAPIC_MODE_X2APIC));
    vapic_write(&page, APIC_TPR, 0x20);
    assert_true(vapic_page_switch_mode(&page, 5, LAPIC_MODE_DISABLED));
    assert_int_equal(raw(&page, 0x80), 0);
    assert_true(vapic_page_switch_mode(&page, 5, LAPIC_MODE_XAPIC));
    assert_int_equal(raw(&page, 0x20), 0x05000000);
    assert_int_equal(raw(&page, 0xe0), 0xffffffff);
    assert_int_equal(raw(&page, 0xd0), 0);
}

static void vector_registers_use_16_byte_stride(void **state)
{
    (void)state;
    memset(&page, 0, sizeof(page));
    vapic_vector_set(&page, APIC_IRR, 0x31);  /* IRR register 1 (0x210), bit 17 */
    vapic_vector_set(&page, APIC_ISR, 0xff);  /* ISR register 7 (0x170), bit 31 */
    vapic_vector_set(&page, APIC_TMR, 0x20);  /* TMR register 1 (0x190), bit 0 */
    assert_int_equal(raw(&page, 0x210), 1u << 17);
    assert_int_equal(raw(&page, 0x170), 1u << 31);
    assert_int_equal(raw(&page, 0x190), 1u);
    assert_true(vapic_vector_test(&page, APIC_IRR, 0x31));
    assert_false(vapic_vector_test(&page, APIC_IRR, 0x30));
    assert_int_equal(vapic_highest_vector(&page, APIC_IRR), 0x31);
    assert_int_equal(vapic_highest_vector(&page, APIC_ISR), 0xff);
    vapic_vector_clear(&page, APIC_IRR, 0x31);
    assert_int_equal(raw(&page, 0x210), 0);
    assert_int_equal(vapic_highest_vector(&page, APIC_IRR), -1);
}

static void posted_bits_merge_into_irr(void **state)
{
    (void)state;
    memset(&page, 0, sizeof(page));
    vapic_vector_set(&page, APIC_IRR, 0x22);
    const uint64_t pir[4] = {1ull << 48, 1ull << 63, 0, 1ull << 0}; /* vectors 48, 127, 192 */
    vapic_vectors_or(&page, APIC_IRR, pir);
    assert_int_equal(raw(&page, 0x210), (1u << 16) | (1u << 2)); /* 48 and 0x22 */
    assert_int_equal(raw(&page, 0x230), 1u << 31);               /* 127 */
    assert_int_equal(raw(&page, 0x260), 1u);                     /* 192 */
    assert_int_equal(vapic_highest_vector(&page, APIC_IRR), 192);
}

static void ppr_follows_sdm_11_8_3_1(void **state)
{
    (void)state;
    assert_int_equal(apic_ppr(0x00, 0x00), 0x00);
    assert_int_equal(apic_ppr(0x35, 0x31), 0x35); /* TPR class 3 >= ISRV class 3 */
    assert_int_equal(apic_ppr(0x25, 0x31), 0x30); /* ISRV class wins, low nibble 0 */
    assert_int_equal(apic_ppr(0x4f, 0x00), 0x4f);
    assert_int_equal(apic_ppr(0x00, 0xfe), 0xf0);
    memset(&page, 0, sizeof(page));
    vapic_write(&page, APIC_TPR, 0x21);
    vapic_vector_set(&page, APIC_ISR, 0x45);
    vapic_vector_set(&page, APIC_ISR, 0x31);
    assert_int_equal(vapic_compute_ppr(&page), 0x40);
    vapic_vector_clear(&page, APIC_ISR, 0x45);
    vapic_vector_clear(&page, APIC_ISR, 0x31);
    assert_int_equal(vapic_compute_ppr(&page), 0x21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xapic_seed_has_reset_values),
        cmocka_unit_test(x2apic_seed_has_full_id_and_derived_ldr),
        cmocka_unit_test(two_vcpus_get_distinct_ids),
        cmocka_unit_test(bad_inputs_leave_the_page_alone),
        cmocka_unit_test(switch_to_x2apic_keeps_state_but_rewrites_identity),
        cmocka_unit_test(switch_to_disabled_or_xapic_resets),
        cmocka_unit_test(vector_registers_use_16_byte_stride),
        cmocka_unit_test(posted_bits_merge_into_irr),
        cmocka_unit_test(ppr_follows_sdm_11_8_3_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
