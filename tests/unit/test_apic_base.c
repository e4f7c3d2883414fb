/* IA32_APIC_BASE write rules (SDM 11.12.5 "x2APIC State Transitions"): every pair of states,
 * reserved bits, the BSP bit, relocation and the x2APIC policies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vlapic/mode.h"

/* Written out from the SDM bit positions: EN is bit 11, EXTD bit 10, BSP bit 8. */
#define BASE      0xfee00000ull
#define DISABLED  (BASE)
#define XAPIC     (BASE | 0x800)
#define X2APIC    (BASE | 0xc00)
#define INVALID   (BASE | 0x400)
#define BSP       0x100ull

#define MAXPHYADDR 39

static const uint64_t state_value[4] = {DISABLED, XAPIC, X2APIC, INVALID};

static void check_table(enum x2apic_policy policy, const char expected[4][5])
{
    for (int from = 0; from < 4; from++)
        for (int to = 0; to < 4; to++) {
            struct apic_base_write w = apic_base_check_write(state_value[from], state_value[to], MAXPHYADDR, policy);
            enum apic_base_verdict want = expected[from][to] == 'o' ? APIC_BASE_OK : APIC_BASE_GP;
            if (w.verdict != want)
                fail_msg("policy %d: %d -> %d gave %d", policy, from, to, w.verdict);
            assert_int_equal(w.old_mode, from);
            assert_int_equal(w.new_mode, want == APIC_BASE_OK ? to : from);
            assert_int_equal(w.new_value, want == APIC_BASE_OK ? state_value[to] : state_value[from]);
        }
}

/* Rows: from disabled, xAPIC, x2APIC, invalid; columns: to the same.  'o' OK, 'g' #GP. */
static void auto_policy_follows_the_sdm_state_diagram(void **state)
{
    (void)state;
    static const char expected[4][5] = {"oogg", "ooog", "ogog", "gggg"};
    check_table(X2APIC_AUTO, expected);
    check_table(X2APIC_ON, expected);
}

static void off_policy_makes_extd_reserved(void **state)
{
    (void)state;
    /* From x2APIC (reachable only before the policy was applied): even rewriting the same value
     * sets EXTD, now a reserved bit, so only the way out to disabled is accepted. */
    static const char expected[4][5] = {"oogg", "oogg", "oggg", "gggg"};
    check_table(X2APIC_OFF, expected);
}

static void only_policy_never_leaves_x2apic(void **state)
{
    (void)state;
    static const char expected[4][5] = {"oogg", "ooog", "ggog", "gggg"};
    check_table(X2APIC_ONLY, expected);
    struct apic_base_write w = apic_base_check_write(X2APIC, DISABLED, MAXPHYADDR, X2APIC_ONLY);
    assert_int_equal(w.reason, APIC_BASE_X2APIC_LOCKED);
    w = apic_base_check_write(X2APIC, XAPIC, MAXPHYADDR, X2APIC_ONLY);
    assert_int_equal(w.reason, APIC_BASE_X2APIC_LOCKED);
}

static void reasons_name_the_broken_rule(void **state)
{
    (void)state;
    assert_int_equal(apic_base_check_write(XAPIC, X2APIC, MAXPHYADDR, X2APIC_AUTO).reason, APIC_BASE_ACCEPTED);
    assert_int_equal(apic_base_check_write(X2APIC, XAPIC, MAXPHYADDR, X2APIC_AUTO).reason, APIC_BASE_BAD_TRANSITION);
    assert_int_equal(apic_base_check_write(DISABLED, X2APIC, MAXPHYADDR, X2APIC_AUTO).reason, APIC_BASE_BAD_TRANSITION);
    assert_int_equal(apic_base_check_write(XAPIC, INVALID, MAXPHYADDR, X2APIC_AUTO).reason, APIC_BASE_INVALID_STATE);
    assert_int_equal(apic_base_check_write(XAPIC, X2APIC, MAXPHYADDR, X2APIC_OFF).reason, APIC_BASE_RESERVED_BIT);
}

static void reserved_bits_fault(void **state)
{
    (void)state;
    static const unsigned reserved[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, MAXPHYADDR, 40, 51, 52, 63};
    for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        struct apic_base_write w = apic_base_check_write(XAPIC, XAPIC | (1ull << reserved[i]), MAXPHYADDR, X2APIC_AUTO);
        if (w.verdict != APIC_BASE_GP || w.reason != APIC_BASE_RESERVED_BIT)
            fail_msg("bit %u accepted", reserved[i]);
        assert_int_equal(w.new_value, XAPIC);
    }
    /* with MAXPHYADDR 52 bit 51 is an address bit (so a relocation), bit 52 reserved */
    assert_int_equal(apic_base_check_write(XAPIC, XAPIC | (1ull << 51), 52, X2APIC_AUTO).reason, APIC_BASE_ACCEPTED);
    assert_int_equal(apic_base_check_write(XAPIC, XAPIC | (1ull << 52), 52, X2APIC_AUTO).reason, APIC_BASE_RESERVED_BIT);
}

/* SDM 11.4.5: the base moves; where it may go is the caller's decision. */
static void relocation_is_accepted(void **state)
{
    (void)state;
    static const uint64_t moved[] = {0xfed00000ull | 0x800, 0xfee01000ull | 0x800, 0x800, (1ull << 38) | XAPIC};
    for (unsigned i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
        struct apic_base_write w = apic_base_check_write(XAPIC, moved[i], MAXPHYADDR, X2APIC_AUTO);
        assert_int_equal(w.verdict, APIC_BASE_OK);
        assert_int_equal(w.new_value, moved[i]);
    }
    assert_int_equal(apic_base_address(0xfed00900ull), 0xfed00000ull);
}

static void bsp_bit_is_read_only(void **state)
{
    (void)state;
    struct apic_base_write w = apic_base_check_write(XAPIC | BSP, X2APIC, MAXPHYADDR, X2APIC_AUTO);
    assert_int_equal(w.verdict, APIC_BASE_OK);
    assert_int_equal(w.new_value, X2APIC | BSP);
    w = apic_base_check_write(XAPIC, XAPIC | BSP, MAXPHYADDR, X2APIC_AUTO);
    assert_int_equal(w.verdict, APIC_BASE_OK);
    assert_int_equal(w.new_value, XAPIC);
}

static void mode_of_decodes_en_and_extd(void **state)
{
    (void)state;
    assert_int_equal(lapic_mode_of(0xfee00000), LAPIC_MODE_DISABLED);
    assert_int_equal(lapic_mode_of(0xfee00900), LAPIC_MODE_XAPIC);
    assert_int_equal(lapic_mode_of(0xfee00d00), LAPIC_MODE_X2APIC);
    assert_int_equal(lapic_mode_of(0x400), LAPIC_MODE_INVALID);
    assert_string_equal(lapic_mode_name(LAPIC_MODE_X2APIC), "x2APIC");
    assert_string_equal(lapic_mode_name(LAPIC_MODE_INVALID), "invalid");
}

static void reset_values(void **state)
{
    (void)state;
    assert_int_equal(apic_base_reset_value(true, X2APIC_AUTO), 0xfee00900ull);
    assert_int_equal(apic_base_reset_value(false, X2APIC_OFF), 0xfee00800ull);
    assert_int_equal(apic_base_reset_value(false, X2APIC_ON), 0xfee00c00ull);
    assert_int_equal(apic_base_reset_value(true, X2APIC_ONLY), 0xfee00d00ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_policy_follows_the_sdm_state_diagram),
        cmocka_unit_test(off_policy_makes_extd_reserved),
        cmocka_unit_test(only_policy_never_leaves_x2apic),
        cmocka_unit_test(reasons_name_the_broken_rule),
        cmocka_unit_test(reserved_bits_fault),
        cmocka_unit_test(relocation_is_accepted),
        cmocka_unit_test(bsp_bit_is_read_only),
        cmocka_unit_test(mode_of_decodes_en_and_extd),
        cmocka_unit_test(reset_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
