/* ICR decoding and the send/drop/ignore decision (SDM 11.6.1 "Interrupt Command Register
 * (ICR)", 11.12.9 "ICR Operation in x2APIC Mode").  ICR values are composed by hand from the
 * SDM bit positions: vector 7:0, delivery mode 10:8, logical 11, delivery status 12, level 14,
 * trigger 15, shorthand 19:18, destination ICR_HI[31:24] or ICR[63:32]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vlapic/icr.h"

static struct icr_decision xapic(uint32_t lo, uint32_t hi)
{
    return icr_decide(icr_xapic_value(lo, hi), false);
}

static void xapic_fixed_ipi_decodes_every_field(void **state)
{
    (void)state;
    assert_int_equal(icr_xapic_value(0x4031, 0x03000000), 0x0300000000004031ull);
    struct icr_decision d = xapic(0x00004031, 0x03000000);
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.esr, 0);
    assert_int_equal(d.ipi.vector, 0x31);
    assert_int_equal(d.ipi.delivery, APIC_DM_FIXED);
    assert_false(d.ipi.logical);
    assert_true(d.ipi.level_assert);
    assert_false(d.ipi.trigger_level);
    assert_int_equal(d.ipi.shorthand, APIC_SH_NONE);
    assert_int_equal(d.ipi.dest, 3);
    assert_false(d.ipi.x2apic);
    /* ICR_HI[23:0] are reserved and ignored; the delivery-status bit is read-only, ignored */
    d = xapic(0x00005831, 0x02abcdef);
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.dest, 2);
    assert_true(d.ipi.logical);
}

static void init_sipi_sequence(void **state)
{
    (void)state;
    struct icr_decision d = xapic(0x0000c500, 0x01000000); /* INIT, level, assert */
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.delivery, APIC_DM_INIT);
    assert_true(d.ipi.trigger_level);
    d = xapic(0x00008500, 0x01000000); /* INIT level de-assert */
    assert_int_equal(d.verdict, ICR_IGNORE);
    d = xapic(0x00000500, 0x01000000); /* INIT, edge, level flag 0: still an INIT */
    assert_int_equal(d.verdict, ICR_SEND);
    d = xapic(0x00004608, 0x01000000); /* start-up at 0x8000: vector 8 is a page number */
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.delivery, APIC_DM_STARTUP);
    assert_int_equal(d.ipi.vector, 8);
}

static void illegal_vectors_set_send_illegal_vector(void **state)
{
    (void)state;
    for (uint32_t v = 0; v < 16; v++) {
        struct icr_decision d = xapic(0x00004000 | v, 0);
        assert_int_equal(d.verdict, ICR_DROP_WITH_ESR);
        assert_int_equal(d.esr, 1u << 5);
        d = xapic(0x00004100 | v, 0); /* lowest priority */
        assert_int_equal(d.verdict, ICR_DROP_WITH_ESR);
        assert_int_equal(d.esr, 1u << 5);
    }
    assert_int_equal(xapic(0x00004010, 0).verdict, ICR_SEND);
    assert_int_equal(xapic(0x00004400, 0).verdict, ICR_SEND); /* NMI: vector unused */
    assert_int_equal(icr_decide(0x0000000100004002ull, true).esr, 1u << 5);
}

static void smi_and_reserved_modes_are_ignored(void **state)
{
    (void)state;
    assert_int_equal(xapic(0x00004200, 0x01000000).verdict, ICR_IGNORE); /* SMI */
    assert_int_equal(xapic(0x00004331, 0x01000000).verdict, ICR_IGNORE); /* 011 */
    assert_int_equal(xapic(0x00004731, 0x01000000).verdict, ICR_IGNORE); /* 111 */
    assert_int_equal(xapic(0x00004305, 0x01000000).esr, 0);              /* no ESR for those */
}

static void shorthand_combinations(void **state)
{
    (void)state;
    struct icr_decision d = xapic(0x00044031, 0); /* self, fixed */
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.shorthand, APIC_SH_SELF);
    d = xapic(0x00084031, 0); /* all including self, fixed */
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.shorthand, APIC_SH_ALL_INCLUDING_SELF);
    d = xapic(0x000c4500, 0); /* all excluding self, INIT: how Linux once woke APs */
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.shorthand, APIC_SH_ALL_EXCLUDING_SELF);
    assert_int_equal(xapic(0x000c4131, 0).verdict, ICR_SEND);   /* all-excl, lowest priority */
    assert_int_equal(xapic(0x00044131, 0).verdict, ICR_IGNORE); /* self, lowest priority */
    assert_int_equal(xapic(0x00044400, 0).verdict, ICR_IGNORE); /* self, NMI */
    assert_int_equal(xapic(0x00084500, 0).verdict, ICR_IGNORE); /* all-incl, INIT */
    assert_int_equal(xapic(0x00084608, 0).verdict, ICR_IGNORE); /* all-incl, start-up */
    assert_int_equal(xapic(0x00044005, 0).verdict, ICR_DROP_WITH_ESR); /* self, illegal vector */
}

static void x2apic_format(void **state)
{
    (void)state;
    struct icr_decision d = icr_decide(0x0000002500004031ull, true);
    assert_int_equal(d.verdict, ICR_SEND);
    assert_int_equal(d.ipi.dest, 0x25);
    assert_true(d.ipi.x2apic);
    d = icr_decide(0xffffffff00000831ull, true);
    assert_int_equal(d.ipi.dest, 0xffffffffu);
    assert_true(d.ipi.logical);
    /* delivery status (bit 12) does not exist in x2APIC mode and is ignored */
    assert_int_equal(icr_decide(0x0000000100005031ull, true).verdict, ICR_SEND);
    /* reserved bits 13, 16, 17, 20, 31: #GP; the same bits are ignored in xAPIC mode */
    static const unsigned reserved[] = {13, 16, 17, 20, 25, 31};
    for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        uint32_t lo = 0x00004031u | (1u << reserved[i]);
        assert_int_equal(icr_decide(0x0000000100000000ull | lo, true).verdict, ICR_GP);
        assert_int_equal(xapic(lo, 0x01000000).verdict, ICR_SEND);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xapic_fixed_ipi_decodes_every_field),
        cmocka_unit_test(init_sipi_sequence),
        cmocka_unit_test(illegal_vectors_set_send_illegal_vector),
        cmocka_unit_test(smi_and_reserved_modes_are_ignored),
        cmocka_unit_test(shorthand_combinations),
        cmocka_unit_test(x2apic_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
