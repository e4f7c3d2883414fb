/* x2APIC MSR access classes (SDM 11.12.1.2, table "Local APIC Register Address Map Supported by
 * x2APIC") and the MSR-bitmap policy; bit positions come from the layout of SDM 25.6.9
 * "MSR-Bitmap Address", not from the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/x2apic_msr.h"

/* Hand-copied from the SDM table: the registers that exist in x2APIC mode (minus CMCI 0x82F). */
static const uint32_t readable[] = {
    0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f,
    0x810, 0x811, 0x812, 0x813, 0x814, 0x815, 0x816, 0x817,
    0x818, 0x819, 0x81a, 0x81b, 0x81c, 0x81d, 0x81e, 0x81f,
    0x820, 0x821, 0x822, 0x823, 0x824, 0x825, 0x826, 0x827,
    0x828, 0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e,
};
static const uint32_t writable[] = {
    0x808, 0x80b, 0x80f, 0x828, 0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x83e, 0x83f,
};

static int listed(const uint32_t *list, size_t n, uint32_t msr)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == msr)
            return 1;
    return 0;
}
#define IS_READABLE(m) listed(readable, sizeof(readable) / sizeof(readable[0]), m)
#define IS_WRITABLE(m) listed(writable, sizeof(writable) / sizeof(writable[0]), m)

static void access_classes_match_the_sdm_table(void **state)
{
    (void)state;
    for (uint32_t msr = 0x7f0; msr <= 0x910; msr++) {
        enum x2apic_msr_access want = IS_READABLE(msr) ? (IS_WRITABLE(msr) ? X2APIC_MSR_RW : X2APIC_MSR_RO)
                                                       : (IS_WRITABLE(msr) ? X2APIC_MSR_WO : X2APIC_MSR_INVALID);
        if (x2apic_msr_access(msr) != want)
            fail_msg("MSR 0x%x: got %d, want %d", msr, x2apic_msr_access(msr), want);
    }
    /* the ones people get wrong, named */
    assert_int_equal(x2apic_msr_access(0x80e), X2APIC_MSR_INVALID); /* DFR */
    assert_int_equal(x2apic_msr_access(0x831), X2APIC_MSR_INVALID); /* ICR_HI */
    assert_int_equal(x2apic_msr_access(0x809), X2APIC_MSR_INVALID); /* APR */
    assert_int_equal(x2apic_msr_access(0x80c), X2APIC_MSR_INVALID); /* RRD */
    assert_int_equal(x2apic_msr_access(0x80b), X2APIC_MSR_WO);      /* EOI */
    assert_int_equal(x2apic_msr_access(0x83f), X2APIC_MSR_WO);      /* SELF IPI */
    assert_int_equal(x2apic_msr_access(0x802), X2APIC_MSR_RO);      /* ID */
    assert_int_equal(x2apic_msr_access(0xffffffff), X2APIC_MSR_INVALID);
    assert_int_equal(x2apic_msr_access(0), X2APIC_MSR_INVALID);
}

static int bit(const uint8_t *bm, unsigned byte, unsigned b)
{
    return (bm[byte] >> b) & 1;
}

static void x2apic_policy_sets_the_documented_bits(void **state)
{
    (void)state;
    static uint8_t bm[MSR_BITMAP_SIZE];
    memset(bm, 0, sizeof(bm));
    msr_bitmap_apply_apic_policy(bm, LAPIC_MODE_X2APIC, APICV_FULL);
    /* ID 0x802: read bitmap byte 0x802/8 = 0x100, bit 2: pass through (seeds/001) */
    assert_int_equal(bit(bm, 0x100, 2), 0);
    /* ID write: write bitmap 0x800 + 0x100, bit 2: exit */
    assert_int_equal(bit(bm, 0x900, 2), 1);
    /* TPR 0x808 write: byte 0x901 bit 0; EOI 0x80B: byte 0x901 bit 3; SELF IPI 0x83F: 0x907 bit 7 */
    assert_int_equal(bit(bm, 0x901, 0), 0);
    assert_int_equal(bit(bm, 0x901, 3), 0);
    assert_int_equal(bit(bm, 0x907, 7), 0);
    /* EOI read (write-only register): byte 0x101 bit 3 exits; SELF IPI read 0x107 bit 7 */
    assert_int_equal(bit(bm, 0x101, 3), 1);
    assert_int_equal(bit(bm, 0x107, 7), 1);
    /* DFR 0x80E read: 0x101 bit 6; ICR_HI 0x831 read: 0x106 bit 1; ICR 0x830 read: 0x106 bit 0 */
    assert_int_equal(bit(bm, 0x101, 6), 1);
    assert_int_equal(bit(bm, 0x106, 1), 1);
    assert_int_equal(bit(bm, 0x106, 0), 0);
    /* timer current count 0x839 read: 0x107 bit 1 exits (not live in the page) */
    assert_int_equal(bit(bm, 0x107, 1), 1);
    /* ICR write 0x830: 0x906 bit 0 exits (IPIs are sent by the hypervisor) */
    assert_int_equal(bit(bm, 0x906, 0), 1);
    /* IA32_APIC_BASE 0x1B: read byte 3 bit 3, write byte 0x803 bit 3 */
    assert_int_equal(bit(bm, 3, 3), 1);
    assert_int_equal(bit(bm, 0x803, 3), 1);
    for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
        int read_exit = !IS_READABLE(msr) || msr == 0x839;
        int write_exit = msr != 0x808 && msr != 0x80b && msr != 0x83f;
        assert_int_equal(bit(bm, msr / 8, msr % 8), read_exit);
        assert_int_equal(bit(bm, 0x800 + msr / 8, msr % 8), write_exit);
    }
}

static void xapic_and_disabled_intercept_the_whole_range(void **state)
{
    (void)state;
    static uint8_t bm[MSR_BITMAP_SIZE];
    for (int mode = LAPIC_MODE_DISABLED; mode <= LAPIC_MODE_XAPIC; mode++) {
        memset(bm, 0, sizeof(bm));
        msr_bitmap_apply_apic_policy(bm, LAPIC_MODE_X2APIC, APICV_FULL); /* coming back from x2APIC */
        msr_bitmap_apply_apic_policy(bm, (enum lapic_mode)mode, APICV_FULL);
        for (unsigned byte = 0x100; byte < 0x120; byte++) {
            assert_int_equal(bm[byte], 0xff);
            assert_int_equal(bm[0x800 + byte], 0xff);
        }
        assert_int_equal(bm[3], 0x08);
        assert_int_equal(bm[0x803], 0x08);
    }
}

/* apicv=tpr: only TPR 0x808 (byte 0x101 bit 0) passes, both ways; apicv=off: nothing does. */
static void software_levels_intercept_all_but_the_shadowed_tpr(void **state)
{
    (void)state;
    static uint8_t bm[MSR_BITMAP_SIZE];
    for (int level = APICV_OFF; level <= APICV_TPR; level++) {
        memset(bm, 0, sizeof(bm));
        msr_bitmap_apply_apic_policy(bm, LAPIC_MODE_X2APIC, (enum apicv_level)level);
        for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
            int passes = level == APICV_TPR && msr == 0x808;
            assert_int_equal(bit(bm, msr / 8, msr % 8), !passes);
            assert_int_equal(bit(bm, 0x800 + msr / 8, msr % 8), !passes);
        }
    }
    /* apicv=vid is the full policy: EOI 0x80B write passes */
    msr_bitmap_apply_apic_policy(bm, LAPIC_MODE_X2APIC, APICV_VID);
    assert_int_equal(bit(bm, 0x901, 3), 0);
}

static void other_bits_are_left_alone(void **state)
{
    (void)state;
    static uint8_t bm[MSR_BITMAP_SIZE];
    memset(bm, 0xa5, sizeof(bm));
    msr_bitmap_apply_apic_policy(bm, LAPIC_MODE_X2APIC, APICV_FULL);
    for (unsigned byte = 0; byte < MSR_BITMAP_SIZE; byte++) {
        int ours = (byte >= 0x100 && byte < 0x120) || (byte >= 0x900 && byte < 0x920);
        if (byte == 3 || byte == 0x803)
            assert_int_equal(bm[byte], 0xa5 | 0x08);
        else if (!ours)
            assert_int_equal(bm[byte], 0xa5);
    }
    /* the high-MSR halves (0x400, 0xC00) are untouched even for MSR 0xC0000800 */
    assert_int_equal(bm[0x400 + 0x100], 0xa5);
    assert_int_equal(bm[0xc00 + 0x100], 0xa5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(access_classes_match_the_sdm_table),
        cmocka_unit_test(x2apic_policy_sets_the_documented_bits),
        cmocka_unit_test(xapic_and_disabled_intercept_the_whole_range),
        cmocka_unit_test(software_levels_intercept_all_but_the_shadowed_tpr),
        cmocka_unit_test(other_bits_are_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
