/* The command-line parser: values, defaults, and bad input named in the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/options.h"

static struct options opts;
static char err[160];

static int parse(const char *cmdline)
{
    options_defaults(&opts);
    return options_parse(&opts, cmdline, err, sizeof(err));
}

static void defaults(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(opts.vcpus, 0);
    assert_int_equal(opts.mem_mib, 128);
    assert_int_equal(opts.x2apic, X2APIC_AUTO);
    assert_int_equal(opts.dump, DUMP_NONE);
    assert_string_equal(opts.guest, "\\EFI\\BOOT\\guest.elf");
    assert_string_equal(err, "");
}

static void good_values(void **state)
{
    (void)state;
    assert_int_equal(parse("  vcpus=3 mem=0x80\tx2apic=only guest=\\k.elf guest_cmdline=\"lapic=x2apic ncpus=3\" "), 0);
    assert_int_equal(opts.vcpus, 3);
    assert_int_equal(opts.mem_mib, 128);
    assert_int_equal(opts.x2apic, X2APIC_ONLY);
    assert_string_equal(opts.guest, "\\k.elf");
    assert_string_equal(opts.guest_cmdline, "lapic=x2apic ncpus=3");
    assert_int_equal(parse("x2apic=off x2apic=on"), 0); /* the last one wins */
    assert_int_equal(opts.x2apic, X2APIC_ON);
    assert_int_equal(parse("dump=entry"), 0);
    assert_int_equal(opts.dump, DUMP_ENTRY);
    assert_int_equal(parse("dump=all dump=poweroff"), 0);
    assert_int_equal(opts.dump, DUMP_POWEROFF);
    assert_int_equal(parse("guest_cmdline=\"\""), 0);
    assert_string_equal(opts.guest_cmdline, "");
}

static void rejected(const char *cmdline, const char *message)
{
    assert_int_equal(parse(cmdline), -1);
    assert_string_equal(err, message);
}

static void bad_input_is_named(void **state)
{
    (void)state;
    rejected("vcpus=abc", "option 'vcpus': 'abc' is not a number");
    rejected("vcpus=", "option 'vcpus': '' is not a number");
    rejected("vcpus=-1", "option 'vcpus': '-1' is not a number");
    rejected("vcpus=0x", "option 'vcpus': '0x' is not a number");
    rejected("vcpus=0", "option 'vcpus': 0 is out of range 1..64");
    rejected("vcpus=65", "option 'vcpus': 65 is out of range 1..64");
    rejected("vcpus=99999999999999999999999", "option 'vcpus': '99999999999999999999999' is not a number");
    rejected("mem=8", "option 'mem': 8 is out of range 16..3072");
    rejected("vcpus=2 bogus=1", "unknown option 'bogus'");
    rejected("vcpus", "option 'vcpus' needs a value (vcpus=...)");
    rejected("=3", "unknown option ''");
    rejected("x2apic=ON", "option 'x2apic': 'ON' is not one of auto, on, off, only");
    rejected("dump=sometimes", "option 'dump': 'sometimes' is not one of none, entry, poweroff, all");
    rejected("guest_cmdline=\"open", "option 'guest_cmdline': missing closing quote");
    char longval[300] = "guest=";
    memset(longval + 6, 'a', 200);
    rejected(longval, "option 'guest': value longer than 127 characters");
}

static void error_message_is_truncated_not_overflowed(void **state)
{
    (void)state;
    options_defaults(&opts);
    char small[12];
    memset(small, 'x', sizeof(small));
    assert_int_equal(options_parse(&opts, "frobnicate=1", small, sizeof(small)), -1);
    assert_string_equal(small, "unknown opt");
}

struct text {
    char buf[512];
    size_t len;
};

static void text_sink(void *ctx, const char *s, size_t n)
{
    struct text *t = ctx;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void printed_options_parse_back_to_the_same(void **state)
{
    (void)state;
    assert_int_equal(parse("vcpus=2 mem=256 x2apic=off guest_cmdline=\"a b\""), 0);
    struct text t = { .len = 0 };
    options_print(&opts, text_sink, &t);
    assert_string_equal(t.buf, "vcpus=2 mem=256 guest=\\EFI\\BOOT\\guest.elf guest_cmdline=\"a b\" x2apic=off dump=none");
    struct options again;
    options_defaults(&again);
    assert_int_equal(options_parse(&again, t.buf, err, sizeof(err)), 0);
    assert_memory_equal(&again, &opts, sizeof(opts));
}

/* host_x2apic= (a test hook): off by default, printed only when on, and it parses back. */
static void host_x2apic_hook(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(opts.host_x2apic, HOST_X2APIC_OFF);
    assert_int_equal(parse("host_x2apic=on"), 0);
    assert_int_equal(opts.host_x2apic, HOST_X2APIC_ON);
    assert_int_equal(parse("host_x2apic=on host_x2apic=off"), 0);
    assert_int_equal(opts.host_x2apic, HOST_X2APIC_OFF);
    rejected("host_x2apic=yes", "option 'host_x2apic': 'yes' is not one of off, on");
    rejected("host_x2apic=", "option 'host_x2apic': '' is not one of off, on");

    struct text t = { .len = 0 };
    assert_int_equal(parse("vcpus=2 host_x2apic=off"), 0);
    options_print(&opts, text_sink, &t);
    assert_null(strstr(t.buf, "host_x2apic"));
    t.len = 0;
    assert_int_equal(parse("vcpus=2 host_x2apic=on"), 0);
    options_print(&opts, text_sink, &t);
    assert_string_equal(t.buf, "vcpus=2 mem=128 guest=\\EFI\\BOOT\\guest.elf guest_cmdline=\"\" x2apic=auto dump=none host_x2apic=on");
    struct options again;
    options_defaults(&again);
    assert_int_equal(options_parse(&again, t.buf, err, sizeof(err)), 0);
    assert_memory_equal(&again, &opts, sizeof(opts));
}

/* apicv=: auto by default and not printed then; each level parses, prints and parses back. */
static void apicv_levels(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(opts.apicv, APICV_AUTO);
    static const struct { const char *text; enum apicv_level level; } levels[] = {
        { "apicv=full", APICV_FULL }, { "apicv=vid", APICV_VID }, { "apicv=tpr", APICV_TPR }, { "apicv=off", APICV_OFF },
    };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(parse(levels[i].text), 0);
        assert_int_equal(opts.apicv, levels[i].level);
        struct text t = { .len = 0 };
        options_print(&opts, text_sink, &t);
        assert_non_null(strstr(t.buf, levels[i].text));
    }
    rejected("apicv=on", "option 'apicv': 'on' is not one of auto, full, vid, tpr, off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(good_values),
        cmocka_unit_test(bad_input_is_named),
        cmocka_unit_test(error_message_is_truncated_not_overflowed),
        cmocka_unit_test(printed_options_parse_back_to_the_same),
        cmocka_unit_test(host_x2apic_hook),
        cmocka_unit_test(apicv_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
