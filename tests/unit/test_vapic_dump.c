/* The decoded dumps: exact text for known states, and the 100-column limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/vapic_dump.h"
#include "vlapic/vapic_page.h"

static struct {
    char buf[8192];
    size_t len;
} out;

static void sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    assert_true(out.len + n < sizeof(out.buf));
    memcpy(out.buf + out.len, s, n);
    out.len += n;
    out.buf[out.len] = 0;
}

static int reset_out(void **state)
{
    (void)state;
    out.len = 0;
    out.buf[0] = 0;
    return 0;
}

static void assert_lines_fit(void)
{
    size_t col = 0;
    for (size_t i = 0; i < out.len; i++) {
        col = out.buf[i] == '\n' ? 0 : col + 1;
        if (col > 100)
            fail_msg("line longer than 100 columns:\n%s", out.buf);
    }
    assert_int_equal(out.buf[out.len - 1], '\n');
}

static void x2apic_page_dump(void **state)
{
    (void)state;
    static struct vapic_page page;
    vapic_page_seed(&page, 0x25, LAPIC_MODE_X2APIC);
    vapic_write(&page, APIC_SVR, 0x1ff);
    vapic_write(&page, APIC_TPR, 0x10);
    vapic_write(&page, APIC_LVT_TIMER, 0x00020030);  /* periodic, unmasked, vector 48 */
    vapic_write(&page, APIC_LVT_LINT0, 0x00008700);  /* ExtINT, level, unmasked */
    vapic_write(&page, APIC_ICR_LO, 0x00004031);
    vapic_write(&page, APIC_ICR_LO + 4, 0x00000001);
    vapic_write(&page, APIC_TIMER_ICR, 1000000);
    vapic_write(&page, APIC_TIMER_DCR, 0xb);
    vapic_vector_set(&page, APIC_IRR, 49);
    vapic_vector_set(&page, APIC_IRR, 48);
    vapic_vector_set(&page, APIC_ISR, 0xef);
    vapic_dump_page(sink, NULL, &page, LAPIC_MODE_X2APIC);
    static const char expected[] =
        "vAPIC (x2APIC) ID 0x00000025 VERSION 0x00050014 LDR 0x00020020 DFR 0x00000000\n"
        "TPR 0x10 PPR 0x00 SVR 0x000001ff (enabled, spurious 255) ESR 0x00000000\n"
        "ISR: 239\n"
        "TMR: -\n"
        "IRR: 49 48\n"
        "LVT timer   0x00020030 unmasked fixed vector 48 periodic\n"
        "LVT thermal 0x00010000 masked fixed vector 0\n"
        "LVT perf    0x00010000 masked fixed vector 0\n"
        "LVT LINT0   0x00008700 unmasked ExtINT vector 0 level\n"
        "LVT LINT1   0x00010000 masked fixed vector 0 edge\n"
        "LVT error   0x00010000 masked fixed vector 0\n"
        "ICR 0x00000001:00004031 timer ICR 0x000f4240 CCR 0x00000000 DCR 0x0000000b\n";
    assert_string_equal(out.buf, expected);
    assert_lines_fit();
}

static void xapic_page_shows_icr_hi_register(void **state)
{
    (void)state;
    static struct vapic_page page;
    vapic_page_seed(&page, 3, LAPIC_MODE_XAPIC);
    vapic_write(&page, APIC_ICR_LO, 0x000c4500);
    vapic_write(&page, APIC_ICR_HI, 0x02000000);
    vapic_dump_page(sink, NULL, &page, LAPIC_MODE_XAPIC);
    assert_non_null(strstr(out.buf, "vAPIC (xAPIC) ID 0x03000000 VERSION 0x00050014 LDR 0x00000000 DFR 0xffffffff\n"));
    assert_non_null(strstr(out.buf, "TPR 0x00 PPR 0x00 SVR 0x000000ff (disabled, spurious 255)"));
    assert_non_null(strstr(out.buf, "LVT timer   0x00010000 masked fixed vector 0 one-shot\n"));
    assert_non_null(strstr(out.buf, "ICR 0x02000000:000c4500 "));
}

static void full_vector_lists_wrap_within_100_columns(void **state)
{
    (void)state;
    static struct vapic_page page;
    vapic_page_seed(&page, 0, LAPIC_MODE_X2APIC);
    for (int v = 16; v < 256; v++)
        vapic_vector_set(&page, APIC_IRR, (uint8_t)v);
    vapic_dump_page(sink, NULL, &page, LAPIC_MODE_X2APIC);
    assert_lines_fit();
    assert_non_null(strstr(out.buf, "IRR: 255 254 253 "));
    assert_non_null(strstr(out.buf, "\n     ")); /* a continuation line, indented */
    assert_non_null(strstr(out.buf, " 17 16\nLVT timer"));
    /* every vector is printed exactly once */
    int count = 0;
    for (const char *p = strstr(out.buf, "IRR:") + 4; *p != 'L'; p++)
        count += p[0] == ' ' && p[1] >= '0' && p[1] <= '9';
    assert_int_equal(count, 240);
}

static void pi_desc_dump(void **state)
{
    (void)state;
    static struct pi_desc desc;
    pi_desc_init(&desc, 0xf2, 0x0102, true);
    pi_post(&desc, 0x31);
    pi_post(&desc, 0xff);
    pi_set_sn(&desc);
    vapic_dump_pi_desc(sink, NULL, &desc);
    assert_string_equal(out.buf, "PI desc ON 1 SN 1 NV 242 NDST 0x00000102\nPIR: 255 49\n");
}

static void intr_status_dump(void **state)
{
    (void)state;
    const uint64_t eoi_exit[4] = {0, 1ull << 0x30, 0, 1ull << 63};
    vapic_dump_intr_status(sink, NULL, 0x3140, eoi_exit);
    assert_string_equal(out.buf, "RVI 64 SVI 49\nEOI-exit: 255 112\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(x2apic_page_dump, reset_out),
        cmocka_unit_test_setup(xapic_page_shows_icr_hi_register, reset_out),
        cmocka_unit_test_setup(full_vector_lists_wrap_within_100_columns, reset_out),
        cmocka_unit_test_setup(pi_desc_dump, reset_out),
        cmocka_unit_test_setup(intr_status_dump, reset_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
