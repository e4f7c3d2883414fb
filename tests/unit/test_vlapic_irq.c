/* Software interrupt acceptance (vlapic/irq.c) against SDM Vol. 3A 11.8.3-11.8.5, and the paths
 * that use it at apicv=tpr/off: EOI, TPR and SELF IPI writes through the register model, and
 * xAPIC stores through vlapic_mmio_write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/irq.h"
#include "vlapic/mmio.h"
#include "vlapic/vapic_page.h"
#include "vlapic/vlapic.h"

static struct vapic_page page;
static struct vlapic vl;

static int setup(void **state)
{
    (void)state;
    memset(&page, 0, sizeof(page));
    vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC);
    vlapic_init(&vl, &page, 3, LAPIC_MODE_XAPIC);
    return 0;
}

/* The raw 32-bit register at offset, read without the model. */
static uint32_t raw(unsigned offset)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)&page + offset, 4);
    return v;
}

static void request(uint8_t vector)
{
    ((uint32_t *)&page)[(0x200 + vector / 32 * 16) / 4] |= 1u << (vector % 32);
}

static void test_tpr_holds_back_its_own_class_and_below(void **state)
{
    (void)state;
    request(0x41);
    vlapic_set_tpr(&page, 0x40);
    assert_int_equal(vlapic_deliverable(&page), -1); /* class 4 is not above TPR class 4 */
    assert_int_equal(raw(0x0a0), 0x40);
    vlapic_set_tpr(&page, 0x3f);
    assert_int_equal(vlapic_deliverable(&page), 0x41);
    assert_int_equal(raw(0x0a0), 0x3f);
    vlapic_set_tpr(&page, 0x1ff); /* bits 31:8 reserved */
    assert_int_equal(raw(0x080), 0xff);
}

static void test_ack_moves_irr_to_isr_and_raises_ppr(void **state)
{
    (void)state;
    request(0x41);
    request(0x45);
    request(0x51);
    vlapic_ack(&page, 0x51);
    assert_int_equal(raw(0x200 + 2 * 16) & (1u << (0x51 % 32)), 0); /* IRR bit gone */
    assert_int_not_equal(raw(0x100 + 2 * 16) & (1u << (0x51 % 32)), 0); /* ISR bit set */
    assert_int_equal(raw(0x0a0), 0x50);
    assert_int_equal(vlapic_deliverable(&page), -1); /* 0x45 is below class 5 in service */
    request(0x61);
    assert_int_equal(vlapic_deliverable(&page), 0x61); /* a higher class nests */
}

static void test_eoi_ends_the_highest_in_service_first(void **state)
{
    (void)state;
    request(0x41);
    request(0x91);
    vlapic_ack(&page, 0x41);
    vlapic_ack(&page, 0x91);
    assert_int_equal(raw(0x0a0), 0x90);
    assert_int_equal(vlapic_eoi(&page), 0x91);
    assert_int_equal(raw(0x0a0), 0x40);
    assert_int_equal(vlapic_eoi(&page), 0x41);
    assert_int_equal(raw(0x0a0), 0x00);
    assert_int_equal(vlapic_eoi(&page), -1);
}

static void test_ppr_keeps_tpr_low_nibble_when_tpr_wins(void **state)
{
    (void)state;
    request(0x31);
    vlapic_ack(&page, 0x31);
    vlapic_set_tpr(&page, 0x47);
    assert_int_equal(raw(0x0a0), 0x47);
    vlapic_set_tpr(&page, 0x27);
    assert_int_equal(raw(0x0a0), 0x30);
}

static void test_tpr_threshold_only_when_the_tpr_blocks(void **state)
{
    (void)state;
    assert_int_equal(vlapic_tpr_threshold(&page), 0); /* nothing requested */
    request(0x41);
    vlapic_set_tpr(&page, 0x50);
    assert_int_equal(vlapic_tpr_threshold(&page), 4);
    vlapic_set_tpr(&page, 0x40);
    assert_int_equal(vlapic_tpr_threshold(&page), 4);
    vlapic_set_tpr(&page, 0x30);
    assert_int_equal(vlapic_tpr_threshold(&page), 0); /* deliverable: no exit needed */
}

static void test_model_writes_eoi_tpr_and_self_ipi(void **state)
{
    (void)state;
    request(0x52);
    vlapic_ack(&page, 0x52);
    struct vlapic_outcome o = vlapic_write(&vl, 0x0b0, 0, 0);
    assert_int_equal(o.result, VLAPIC_EOI);
    assert_int_equal(o.eoi_vector, 0x52);
    assert_int_equal(raw(0x100 + 2 * 16), 0);
    assert_int_equal(vlapic_write(&vl, 0x0b0, 0, 0).result, VLAPIC_DONE); /* nothing in service */
    vlapic_write(&vl, 0x080, 0x20, 0);
    assert_int_equal(raw(0x080), 0x20);
    assert_int_equal(raw(0x0a0), 0x20);
    vlapic_write(&vl, 0x3f0, 0x66, 0); /* no SELF IPI register in xAPIC mode */
    assert_int_equal(raw(0x200 + 3 * 16), 0);
    vapic_page_switch_mode(&page, 3, LAPIC_MODE_X2APIC);
    vlapic_set_mode(&vl, LAPIC_MODE_X2APIC);
    assert_int_equal(vlapic_write(&vl, 0x3f0, 0x66, 0).result, VLAPIC_DONE);
    assert_int_equal(raw(0x200 + 3 * 16), 1u << (0x66 % 32));
    assert_int_equal(vlapic_write(&vl, 0x0b0, 1, 0).result, VLAPIC_GP); /* x2APIC EOI takes only 0 */
}

static void test_ppr_read_follows_a_tpr_shadow_write(void **state)
{
    (void)state;
    uint32_t tpr = 0x70;
    memcpy((uint8_t *)&page + 0x080, &tpr, 4); /* as a CR8 write does with a TPR shadow */
    uint64_t v = 0;
    assert_true(vlapic_read(&vl, 0x0a0, 0, &v));
    assert_int_equal(v, 0x70);
}

static void test_mmio_write_stores_only_aligned_dwords_to_writable_registers(void **state)
{
    (void)state;
    vlapic_mmio_write(&vl, 0x080, 4, 0x30, 0);
    assert_int_equal(raw(0x080), 0x30);
    assert_int_equal(raw(0x0a0), 0x30);
    vlapic_mmio_write(&vl, 0x080, 1, 0x50, 0);
    assert_int_equal(raw(0x080), 0x30);
    vlapic_mmio_write(&vl, 0x200, 4, 0xffffffff, 0); /* IRR: read-only */
    assert_int_equal(raw(0x200), 0);
    vlapic_mmio_write(&vl, 0x030, 4, 0, 0); /* version: read-only */
    assert_int_equal(raw(0x030), VAPIC_VERSION);
    vlapic_mmio_write(&vl, 0x310, 4, 0x07000000, 0);
    struct vlapic_outcome o = vlapic_mmio_write(&vl, 0x300, 4, 0x4061, 0);
    assert_int_equal(o.result, VLAPIC_SEND_IPI);
    assert_int_equal(o.ipi.ipi.vector, 0x61);
    assert_int_equal(o.ipi.ipi.dest, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tpr_holds_back_its_own_class_and_below, setup),
        cmocka_unit_test_setup(test_ack_moves_irr_to_isr_and_raises_ppr, setup),
        cmocka_unit_test_setup(test_eoi_ends_the_highest_in_service_first, setup),
        cmocka_unit_test_setup(test_ppr_keeps_tpr_low_nibble_when_tpr_wins, setup),
        cmocka_unit_test_setup(test_tpr_threshold_only_when_the_tpr_blocks, setup),
        cmocka_unit_test_setup(test_model_writes_eoi_tpr_and_self_ipi, setup),
        cmocka_unit_test_setup(test_ppr_read_follows_a_tpr_shadow_write, setup),
        cmocka_unit_test_setup(test_mmio_write_stores_only_aligned_dwords_to_writable_registers, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
