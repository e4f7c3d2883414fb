/* The 8259A pair (vmm/dev/pic.c), driven through its ports the way Linux's arch/x86/kernel/i8259.c
 * does (probe_8259A, init_8259A, mask_and_ack_8259A with its OCW3 ISR read and specific EOIs) and
 * the way an ExtINT guest takes its interrupts (INTA).  Command bytes are written out from the
 * 8259A datasheet's ICW and OCW formats; vectors are ICW2 plus the IR number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/pic.h"

#define M_CMD  0x20
#define M_DATA 0x21
#define S_CMD  0xa0
#define S_DATA 0xa1
#define ELCR_M 0x4d0
#define ELCR_S 0x4d1

#define ICW1_EDGE_ICW4   0x11 /* D4: ICW1, IC4: ICW4 follows (cascade mode, edge) */
#define ICW4_8086        0x01
#define ICW4_8086_AEOI   0x03
#define OCW2_EOI         0x20
#define OCW2_SPECIFIC(l) (0x60 | (l))
#define OCW2_ROTATE_EOI  0xa0
#define OCW3_READ_IRR    0x0a
#define OCW3_READ_ISR    0x0b
#define OCW3_POLL        0x0c
#define OCW3_SET_SMM     0x68

#define LINUX_MASTER_BASE 0x30 /* ISA_IRQ_VECTOR(0) */
#define LINUX_SLAVE_BASE  0x38

static struct pic pic;

static void out(uint16_t port, uint8_t value) { pic_write(&pic, port, value); }
static uint8_t in(uint16_t port) { return pic_read(&pic, port); }

static void pulse(unsigned irq)
{
    pic_set_irq(&pic, irq, true);
    pic_set_irq(&pic, irq, false);
}

static int setup(void **state)
{
    (void)state;
    pic_init(&pic);
    return 0;
}

/* init_8259A(0): both chips masked, initialised, then the masks restored. */
static void linux_init(uint8_t master_mask, uint8_t slave_mask)
{
    out(M_DATA, 0xff);
    out(S_DATA, 0xff);
    out(M_CMD, ICW1_EDGE_ICW4);
    out(M_DATA, LINUX_MASTER_BASE);
    out(M_DATA, 1u << 2);          /* ICW3: slave on IR2 */
    out(M_DATA, ICW4_8086);
    out(S_CMD, ICW1_EDGE_ICW4);
    out(S_DATA, LINUX_SLAVE_BASE);
    out(S_DATA, 2);                /* ICW3: slave ID 2 */
    out(S_DATA, ICW4_8086);
    out(M_DATA, master_mask);
    out(S_DATA, slave_mask);
}

static void linux_probe_sees_a_pic(void **state)
{
    (void)state;
    out(S_DATA, 0xff);
    out(M_DATA, 0xfb); /* probe_8259A: all but the cascade */
    assert_int_equal(in(M_DATA), 0xfb);
    out(M_DATA, 0xff);
    assert_int_equal(in(M_DATA), 0xff);
    assert_int_equal(in(S_DATA), 0xff);
    out(M_DATA, 0x5a); /* the IMR is plain storage: any value reads back */
    assert_int_equal(in(M_DATA), 0x5a);
}

static void power_on_state_is_masked(void **state)
{
    (void)state;
    assert_int_equal(in(M_DATA), 0xff);
    assert_int_equal(in(S_DATA), 0xff);
    pulse(0);
    assert_int_equal(pic_pending_vector(&pic), -1);
    assert_int_equal(pic_ack(&pic), -1);
    out(M_DATA, 0xfe);
    assert_int_equal(pic_ack(&pic), 0x08); /* the BIOS's vector for IRQ0 */
}

/* After the ICWs, requests go by priority, IR0 highest; each waits for the EOI of any higher or
 * equal level in service. */
static void delivery_order_and_eoi(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pulse(4);
    pulse(1);
    pulse(3);
    assert_int_equal(in(M_CMD), 0x1a); /* reads select the IRR after ICW1 */
    assert_int_equal(pic_pending_vector(&pic), LINUX_MASTER_BASE + 1);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 1);
    /* IR1 in service blocks IR3 and IR4 but not IR0 */
    assert_int_equal(pic_pending_vector(&pic), -1);
    pulse(0);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 0);
    out(M_CMD, OCW3_READ_ISR);
    assert_int_equal(in(M_CMD), 0x03);
    out(M_CMD, OCW2_EOI); /* non-specific: the highest in service, IR0 */
    assert_int_equal(in(M_CMD), 0x02);
    assert_int_equal(pic_ack(&pic), -1);
    out(M_CMD, OCW2_EOI);
    assert_int_equal(in(M_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 3);
    out(M_CMD, OCW2_SPECIFIC(3));
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 4);
    out(M_CMD, OCW2_SPECIFIC(4));
    out(M_CMD, OCW3_READ_IRR);
    assert_int_equal(in(M_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), -1);
}

static void imr_masks_requests_not_irr(void **state)
{
    (void)state;
    linux_init(0xff & ~(1u << 2), 0xff);
    pulse(5);
    assert_int_equal(in(M_CMD), 0x20);
    assert_int_equal(pic_pending_vector(&pic), -1);
    out(M_DATA, 0xff & ~(1u << 2) & ~(1u << 5));
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 5);
    /* masking an in-service level does not unblock the lower ones (not special mask mode) */
    pulse(6);
    out(M_DATA, 0x00 | (1u << 5));
    assert_int_equal(pic_ack(&pic), -1);
    out(M_CMD, OCW3_SET_SMM); /* special mask mode: a masked in-service level blocks nothing */
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 6);
}

/* IRQ8-15 reach the CPU through the master's IR2; Linux acknowledges with a specific EOI to the
 * slave, then one for IR2 to the master. */
static void cascade_through_the_slave(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pulse(12);
    pulse(8);
    out(M_CMD, OCW3_READ_IRR);
    assert_int_equal(in(M_CMD), 0x04);
    assert_int_equal(in(S_CMD), 0x11);
    assert_int_equal(pic_pending_vector(&pic), LINUX_SLAVE_BASE + 0);
    assert_int_equal(pic_ack(&pic), LINUX_SLAVE_BASE + 0);
    out(M_CMD, OCW3_READ_ISR);
    out(S_CMD, OCW3_READ_ISR);
    assert_int_equal(in(M_CMD), 0x04);
    assert_int_equal(in(S_CMD), 0x01);
    /* IR2 in service on the master holds back the whole slave, and IR3-7 */
    pulse(3);
    assert_int_equal(pic_ack(&pic), -1);
    pulse(1);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 1);
    out(M_CMD, OCW2_SPECIFIC(1));
    out(S_CMD, OCW2_SPECIFIC(0));
    assert_int_equal(pic_ack(&pic), -1); /* IR12 waits for the master's EOI of IR2 */
    out(M_CMD, OCW2_SPECIFIC(2));
    assert_int_equal(pic_ack(&pic), LINUX_SLAVE_BASE + 4);
    out(S_CMD, OCW2_SPECIFIC(4));
    out(M_CMD, OCW2_SPECIFIC(2));
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 3);
    assert_int_equal(in(S_CMD), 0x00);
    /* a slave request masked after the master saw it: the slave's INT falls, and with it the
     * master's request on IR2 */
    pulse(9);
    out(M_CMD, OCW3_READ_IRR);
    assert_int_equal(in(M_CMD), 0x04);
    out(S_DATA, 1u << 1);
    assert_int_equal(in(M_CMD), 0x00);
    out(M_CMD, OCW2_SPECIFIC(3));
    assert_int_equal(pic_ack(&pic), -1);
}

static void irq2_and_out_of_range_are_ignored(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pulse(2);
    pulse(16);
    pulse(1000);
    assert_int_equal(in(M_CMD), 0x00);
    assert_int_equal(in(S_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), -1);
}

/* An edge-triggered input requests once per rising edge; a level-triggered one (ELCR) while high. */
static void edge_and_level_triggering(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pic_set_irq(&pic, 5, true);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 5);
    out(M_CMD, OCW2_EOI);
    assert_int_equal(pic_ack(&pic), -1); /* still high, no new edge */
    pic_set_irq(&pic, 5, true);
    assert_int_equal(pic_ack(&pic), -1);
    pulse(5);
    pic_set_irq(&pic, 5, true);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 5);
    out(M_CMD, OCW2_EOI);
    pic_set_irq(&pic, 5, false);

    out(ELCR_S, 0xff); /* IRQ8 and IRQ13 stay edge-only */
    out(ELCR_M, 0xff); /* and IRQ0-2 */
    assert_int_equal(in(ELCR_S), 0xde);
    assert_int_equal(in(ELCR_M), 0xf8);
    pic_set_irq(&pic, 9, true);
    assert_int_equal(pic_ack(&pic), LINUX_SLAVE_BASE + 1);
    out(S_CMD, OCW2_EOI);
    out(M_CMD, OCW2_EOI);
    assert_int_equal(pic_ack(&pic), LINUX_SLAVE_BASE + 1); /* still high: requests again */
    out(S_CMD, OCW2_EOI);
    out(M_CMD, OCW2_EOI);
    pic_set_irq(&pic, 9, false);
    assert_int_equal(in(S_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), -1);
}

static void auto_eoi(void **state)
{
    (void)state;
    out(M_CMD, ICW1_EDGE_ICW4);
    out(M_DATA, 0x40);
    out(M_DATA, 1u << 2);
    out(M_DATA, ICW4_8086_AEOI);
    assert_int_equal(in(M_DATA), 0x00); /* ICW1 cleared the IMR */
    pulse(3);
    pulse(6);
    assert_int_equal(pic_ack(&pic), 0x43);
    out(M_CMD, OCW3_READ_ISR);
    assert_int_equal(in(M_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), 0x46); /* nothing in service to block it */
}

/* Rotation: after a rotating EOI the level just served has the lowest priority. */
static void rotate_on_eoi(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pulse(1);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 1);
    out(M_CMD, OCW2_ROTATE_EOI); /* IR1 lowest: IR2 highest, then 3 ... 7, 0, 1 */
    pulse(0);
    pulse(4);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 4);
}

static void poll_command(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    out(M_CMD, OCW3_POLL);
    assert_int_equal(in(M_CMD), 0x00); /* nothing requesting */
    pulse(6);
    out(M_CMD, OCW3_POLL);
    assert_int_equal(in(M_DATA), 0x86); /* I and W = 6; the read was the acknowledge */
    out(M_CMD, OCW3_READ_ISR);
    assert_int_equal(in(M_CMD), 0x40);
    assert_int_equal(in(M_DATA), 0x00); /* the poll is over: the IMR again */
}

/* ICW1 resets the edge sense circuit: an input already high must fall and rise again. */
static void icw1_resets_edge_sense(void **state)
{
    (void)state;
    linux_init(0x00, 0x00);
    pic_set_irq(&pic, 4, true);
    linux_init(0x00, 0x00);
    assert_int_equal(in(M_CMD), 0x00);
    assert_int_equal(pic_ack(&pic), -1);
    pic_set_irq(&pic, 4, true); /* still high: no edge */
    assert_int_equal(pic_ack(&pic), -1);
    pic_set_irq(&pic, 4, false);
    pic_set_irq(&pic, 4, true);
    assert_int_equal(pic_ack(&pic), LINUX_MASTER_BASE + 4);
}

static void ports(void **state)
{
    (void)state;
    for (unsigned port = 0; port < 0x10000; port++)
        assert_int_equal(pic_claims((uint16_t)port), port == 0x20 || port == 0x21 || port == 0xa0 ||
                                                         port == 0xa1 || port == 0x4d0 || port == 0x4d1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(linux_probe_sees_a_pic, setup),
        cmocka_unit_test_setup(power_on_state_is_masked, setup),
        cmocka_unit_test_setup(delivery_order_and_eoi, setup),
        cmocka_unit_test_setup(imr_masks_requests_not_irr, setup),
        cmocka_unit_test_setup(cascade_through_the_slave, setup),
        cmocka_unit_test_setup(irq2_and_out_of_range_are_ignored, setup),
        cmocka_unit_test_setup(edge_and_level_triggering, setup),
        cmocka_unit_test_setup(auto_eoi, setup),
        cmocka_unit_test_setup(rotate_on_eoi, setup),
        cmocka_unit_test_setup(poll_command, setup),
        cmocka_unit_test_setup(icw1_resets_edge_sense, setup),
        cmocka_unit_test_setup(ports, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
