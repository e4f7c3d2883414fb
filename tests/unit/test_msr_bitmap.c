/* The MSR bitmap outside the x2APIC range.  Byte and bit positions are worked out by hand from
 * SDM 25.6.9 "MSR-Bitmap Address": four 1 KiB bitmaps, read-low (MSRs 0-1FFFH) at byte 0,
 * read-high (C0000000H-C0001FFFH) at byte 1024, write-low at byte 2048, write-high at byte 3072;
 * MSR n (relative to the range base) is bit n, i.e. byte n / 8, bit n % 8 of its bitmap.  An
 * MSR outside both ranges always causes a VM exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/msr_bitmap.h"

static uint8_t bitmap[4096];

static int clear_bits(const uint8_t *b)
{
    int n = 0;
    for (size_t i = 0; i < sizeof(bitmap); i++)
        n += 8 - __builtin_popcount(b[i]);
    return n;
}

static void bitmap_is_one_page(void **state)
{
    (void)state;
    assert_int_equal(MSR_BITMAP_SIZE, 4096);
}

static void intercept_all_sets_every_bit(void **state)
{
    (void)state;
    memset(bitmap, 0, sizeof(bitmap));
    msr_bitmap_intercept_all(bitmap);
    for (size_t i = 0; i < sizeof(bitmap); i++)
        assert_int_equal(bitmap[i], 0xff);
    assert_true(msr_bitmap_intercepts(bitmap, 0, false));
    assert_true(msr_bitmap_intercepts(bitmap, 0x1fff, true));
    assert_true(msr_bitmap_intercepts(bitmap, 0xc0000000u, false));
    assert_true(msr_bitmap_intercepts(bitmap, 0xc0001fffu, true));
}

/* SYSENTER_CS 0x174 = 372: byte 46 (0x2e), bit 4; write bitmap byte 2048 + 46 = 2094. */
static void sysenter_cs_clears_byte_46_and_2094_bit_4(void **state)
{
    (void)state;
    msr_bitmap_intercept_all(bitmap);
    msr_bitmap_pass_through(bitmap, 0x174);
    for (size_t i = 0; i < sizeof(bitmap); i++) {
        if (i == 46 || i == 2094)
            assert_int_equal(bitmap[i], 0xef);
        else
            assert_int_equal(bitmap[i], 0xff);
    }
    assert_false(msr_bitmap_intercepts(bitmap, 0x174, false));
    assert_false(msr_bitmap_intercepts(bitmap, 0x174, true));
    assert_true(msr_bitmap_intercepts(bitmap, 0x175, false));
    assert_true(msr_bitmap_intercepts(bitmap, 0x173, true));
}

/* FS_BASE 0xc0000100: offset 0x100 = 256 -> byte 32 bit 0 of the high bitmaps: 1024 + 32 = 1056
 * (read) and 3072 + 32 = 3104 (write). */
static void fs_base_clears_byte_1056_and_3104_bit_0(void **state)
{
    (void)state;
    msr_bitmap_intercept_all(bitmap);
    msr_bitmap_pass_through(bitmap, 0xc0000100u);
    for (size_t i = 0; i < sizeof(bitmap); i++) {
        if (i == 1056 || i == 3104)
            assert_int_equal(bitmap[i], 0xfe);
        else
            assert_int_equal(bitmap[i], 0xff);
    }
    /* MSR 0x100 (low range) shares the bit position but not the bitmap */
    assert_true(msr_bitmap_intercepts(bitmap, 0x100, false));
    assert_false(msr_bitmap_intercepts(bitmap, 0xc0000100u, false));
}

/* The last MSR of each range: bit 7 of byte 1023 / 2047 (read) and 3071 / 4095 (write). */
static void range_ends_map_to_last_bytes(void **state)
{
    (void)state;
    msr_bitmap_intercept_all(bitmap);
    msr_bitmap_pass_through(bitmap, 0x1fff);
    msr_bitmap_pass_through(bitmap, 0xc0001fffu);
    assert_int_equal(bitmap[1023], 0x7f);
    assert_int_equal(bitmap[2047], 0x7f);
    assert_int_equal(bitmap[3071], 0x7f);
    assert_int_equal(bitmap[4095], 0x7f);
    assert_int_equal(clear_bits(bitmap), 4);
    msr_bitmap_intercept_all(bitmap);
    msr_bitmap_pass_through(bitmap, 0);
    msr_bitmap_pass_through(bitmap, 0xc0000000u);
    assert_int_equal(bitmap[0], 0xfe);
    assert_int_equal(bitmap[1024], 0xfe);
    assert_int_equal(bitmap[2048], 0xfe);
    assert_int_equal(bitmap[3072], 0xfe);
    assert_int_equal(clear_bits(bitmap), 4);
}

/* intercepts() reads the bit the SDM names: set single bits in a clear bitmap by hand. */
static void intercepts_reads_the_sdm_bit(void **state)
{
    (void)state;
    memset(bitmap, 0, sizeof(bitmap));
    assert_false(msr_bitmap_intercepts(bitmap, 0x174, false));
    assert_false(msr_bitmap_intercepts(bitmap, 0xc0000100u, true));
    bitmap[46] = 1u << 4; /* read of 0x174 */
    assert_true(msr_bitmap_intercepts(bitmap, 0x174, false));
    assert_false(msr_bitmap_intercepts(bitmap, 0x174, true));
    assert_false(msr_bitmap_intercepts(bitmap, 0x175, false));
    bitmap[3104] = 1u << 0; /* write of 0xc0000100 */
    assert_true(msr_bitmap_intercepts(bitmap, 0xc0000100u, true));
    assert_false(msr_bitmap_intercepts(bitmap, 0xc0000100u, false));
    assert_false(msr_bitmap_intercepts(bitmap, 0x100, true));
}

/* Outside 0-1FFFH and C0000000H-C0001FFFH every access exits, whatever the bitmap holds, and
 * pass_through cannot change that (nor may it write anywhere). */
static void msrs_outside_both_ranges_always_exit(void **state)
{
    (void)state;
    static const uint32_t outside[] = { 0x2000, 0x40000000u, 0x4b564d00u, 0xbfffffffu, 0xc0002000u,
                                        0xc0010000u, 0xffffffffu };
    memset(bitmap, 0, sizeof(bitmap));
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        assert_true(msr_bitmap_intercepts(bitmap, outside[i], false));
        assert_true(msr_bitmap_intercepts(bitmap, outside[i], true));
    }
    msr_bitmap_intercept_all(bitmap);
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        msr_bitmap_pass_through(bitmap, outside[i]);
        assert_true(msr_bitmap_intercepts(bitmap, outside[i], false));
        assert_true(msr_bitmap_intercepts(bitmap, outside[i], true));
    }
    assert_int_equal(clear_bits(bitmap), 0);
}

static const uint32_t guest_only[] = {
    0xc0000100u, /* FS_BASE */
    0xc0000101u, /* GS_BASE */
    0xc0000102u, /* KERNEL_GS_BASE */
    0xc0000081u, /* STAR */
    0xc0000082u, /* LSTAR */
    0xc0000083u, /* CSTAR */
    0xc0000084u, /* SFMASK (FMASK) */
    0xc0000103u, /* TSC_AUX */
    0x174, 0x175, 0x176, /* SYSENTER_CS / ESP / EIP */
};

static void init_guest_passes_exactly_the_guest_only_msrs(void **state)
{
    (void)state;
    memset(bitmap, 0, sizeof(bitmap));
    msr_bitmap_init_guest(bitmap);
    size_t n = sizeof(guest_only) / sizeof(guest_only[0]);
    for (size_t i = 0; i < n; i++) {
        assert_false(msr_bitmap_intercepts(bitmap, guest_only[i], false));
        assert_false(msr_bitmap_intercepts(bitmap, guest_only[i], true));
    }
    /* a read and a write bit each, nothing else */
    assert_int_equal(clear_bits(bitmap), (int)(2 * n));
    /* by hand: LSTAR 0xc0000082 -> byte 1024 + 16 = 1040 bit 2; SYSENTER_EIP 0x176 -> byte 46 bit 6 */
    assert_int_equal(bitmap[1040] & (1u << 2), 0);
    assert_int_equal(bitmap[3088] & (1u << 2), 0);
    assert_int_equal(bitmap[46] & (1u << 6), 0);
    assert_int_equal(bitmap[2094] & (1u << 6), 0);
}

static void init_guest_keeps_efer_pat_apic_base_intercepted(void **state)
{
    (void)state;
    msr_bitmap_init_guest(bitmap);
    static const uint32_t kept[] = { 0xc0000080u /* EFER */, 0x277 /* PAT */, 0x1b /* APIC_BASE */,
                                     0x10 /* TSC */, 0x3a /* FEATURE_CONTROL */, 0x6e0 /* TSC_DEADLINE */,
                                     0x802 /* x2APIC ID */, 0x480 /* VMX_BASIC */ };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        assert_true(msr_bitmap_intercepts(bitmap, kept[i], false));
        assert_true(msr_bitmap_intercepts(bitmap, kept[i], true));
    }
    /* EFER 0xc0000080 -> byte 1024 + 16 = 1040 bit 0 / 3088 bit 0; PAT 0x277 -> byte 78 bit 7;
     * APIC_BASE 0x1b -> byte 3 bit 3. */
    assert_true(bitmap[1040] & (1u << 0));
    assert_true(bitmap[3088] & (1u << 0));
    assert_true(bitmap[78] & (1u << 7));
    assert_true(bitmap[2048 + 78] & (1u << 7));
    assert_true(bitmap[3] & (1u << 3));
    assert_true(bitmap[2048 + 3] & (1u << 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bitmap_is_one_page),
        cmocka_unit_test(intercept_all_sets_every_bit),
        cmocka_unit_test(sysenter_cs_clears_byte_46_and_2094_bit_4),
        cmocka_unit_test(fs_base_clears_byte_1056_and_3104_bit_0),
        cmocka_unit_test(range_ends_map_to_last_bytes),
        cmocka_unit_test(intercepts_reads_the_sdm_bit),
        cmocka_unit_test(msrs_outside_both_ranges_always_exit),
        cmocka_unit_test(init_guest_passes_exactly_the_guest_only_msrs),
        cmocka_unit_test(init_guest_keeps_efer_pat_apic_base_intercepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
