/* xAPIC MMIO reads that reach the hypervisor (vlapic/mmio.c): any size at any offset, each byte
 * from its register (SDM Vol. 3A 11.4.1: 32-bit registers on 16-byte boundaries), reserved bytes
 * reading 0.  The page holds made-up register values so every byte is distinguishable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/mmio.h"
#include "vlapic/vapic_page.h"

static struct vapic_page page;
static struct vlapic vl;

static void poke(unsigned offset, uint32_t v)
{
    memcpy((uint8_t *)&page + offset, &v, 4);
}

static int setup(void **state)
{
    (void)state;
    vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC);
    vlapic_init(&vl, &page, 3, LAPIC_MODE_XAPIC);
    poke(0x030, 0x00050014); /* version */
    poke(0x080, 0x000000a0); /* TPR */
    poke(0x0d0, 0x44332211); /* LDR, four distinct bytes */
    poke(0x0e0, 0x88776655); /* DFR, the next register */
    poke(0x0d4, 0xdeadbeef); /* a reserved byte range that must never be returned */
    return 0;
}

static void whole_register_reads_like_the_cpu(void **state)
{
    (void)state;
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d0, 4, 0), 0x44332211);
    assert_int_equal(vlapic_mmio_read(&vl, 0x080, 4, 0), 0xa0);
}

/* The example: a byte at 0x31 is bits 15:8 of the version register, not all of it. */
static void bytes_inside_a_register_are_shifted_to_their_place(void **state)
{
    (void)state;
    assert_int_equal(vlapic_mmio_read(&vl, 0x031, 1, 0), 0x00);
    assert_int_equal(vlapic_mmio_read(&vl, 0x030, 1, 0), 0x14);
    assert_int_equal(vlapic_mmio_read(&vl, 0x032, 2, 0), 0x0005);
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d1, 1, 0), 0x22);
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d1, 2, 0), 0x3322);
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d3, 1, 0), 0x44);
}

static void reserved_bytes_read_zero(void **state)
{
    (void)state;
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d4, 4, 0), 0);
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d2, 4, 0), 0x4433); /* two register bytes, two reserved */
    assert_int_equal(vlapic_mmio_read(&vl, 0x0d0, 8, 0), 0x44332211); /* the high half is reserved */
}

static void a_read_across_two_registers_takes_each_byte_from_its_own(void **state)
{
    (void)state;
    /* 0xdc-0xe3: four reserved bytes of the LDR slot, then DFR bytes 0-3 */
    assert_int_equal(vlapic_mmio_read(&vl, 0x0dc, 8, 0), 0x8877665500000000ull);
}

static void bytes_beyond_the_page_read_zero(void **state)
{
    (void)state;
    poke(0xff0, 0x12345678);
    assert_int_equal(vlapic_mmio_read(&vl, 0xffe, 4, 0), 0);
    assert_int_equal(vlapic_mmio_read(&vl, 0xff2, 2, 0), 0x1234);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(whole_register_reads_like_the_cpu, setup),
        cmocka_unit_test_setup(bytes_inside_a_register_are_shifted_to_their_place, setup),
        cmocka_unit_test_setup(reserved_bytes_read_zero, setup),
        cmocka_unit_test_setup(a_read_across_two_registers_takes_each_byte_from_its_own, setup),
        cmocka_unit_test_setup(bytes_beyond_the_page_read_zero, setup),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
