/* Load options and the command-line file turned into ASCII, and IA32_FEATURE_CONTROL decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"
#include "lib/msr.h"
#include "vmx/feature_control.h"

static size_t to_ucs2(const char *s, uint16_t *out, int nul)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i];
    if (nul)
        out[n++] = 0;
    return n * 2;
}

static void shell_load_options_drop_the_program_path(void **state)
{
    (void)state;
    uint16_t w[64];
    char out[64];
    size_t bytes = to_ucs2("fs0:\\EFI\\BOOT\\apicvisor.efi vcpus=2 x2apic=on", w, 1);
    assert_int_equal(cmdline_from_load_options(w, bytes, out, sizeof(out)), 17);
    assert_string_equal(out, "vcpus=2 x2apic=on");
    bytes = to_ucs2("apicvisor.efi", w, 1);
    assert_int_equal(cmdline_from_load_options(w, bytes, out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

static void boot_entry_options_without_program_path_are_kept(void **state)
{
    (void)state;
    uint16_t w[64];
    char out[64];
    size_t bytes = to_ucs2("  vcpus=2 mem=128", w, 0); /* no terminating NUL: the size bounds it */
    assert_int_equal(cmdline_from_load_options(w, bytes, out, sizeof(out)), 15);
    assert_string_equal(out, "vcpus=2 mem=128");
}

static void binary_load_options_are_not_a_command_line(void **state)
{
    (void)state;
    /* OVMF gives auto-created boot entries a 16-byte GUID as optional data. */
    const uint8_t guid[16] = { 0x4e, 0xac, 0x08, 0x81, 0x11, 0x9f, 0x59, 0x4d,
                               0x85, 0x0e, 0xe2, 0x1a, 0x52, 0x2c, 0x59, 0xb2 };
    uint16_t w[8];
    memcpy(w, guid, sizeof(guid));
    char out[64];
    assert_int_equal(cmdline_from_load_options(w, sizeof(guid), out, sizeof(out)), -1);
    assert_int_equal(cmdline_from_load_options(NULL, 0, out, sizeof(out)), -1);
    assert_int_equal(cmdline_from_load_options(w, 3, out, sizeof(out)), -1); /* odd size */
    uint16_t nonascii[] = { 'a', '=', 0x263a, 0 };
    assert_int_equal(cmdline_from_load_options(nonascii, sizeof(nonascii), out, sizeof(out)), -1);
}

static void too_long_is_an_error(void **state)
{
    (void)state;
    uint16_t w[64];
    char out[8];
    size_t bytes = to_ucs2("vcpus=1234567", w, 1);
    assert_int_equal(cmdline_from_load_options(w, bytes, out, sizeof(out)), -1);
    assert_int_equal(cmdline_from_file("vcpus=1234567", 13, out, sizeof(out)), -1);
}

static void file_stops_at_the_first_line_end(void **state)
{
    (void)state;
    char out[64];
    const char text[] = "vcpus=2 mem=64\r\nignored=1\n";
    assert_int_equal(cmdline_from_file(text, sizeof(text) - 1, out, sizeof(out)), 14);
    assert_string_equal(out, "vcpus=2 mem=64");
    assert_int_equal(cmdline_from_file("", 0, out, sizeof(out)), 0);
    assert_int_equal(cmdline_from_file("a\x01", 2, out, sizeof(out)), -1);
}

static void feature_control_decisions(void **state)
{
    (void)state;
    uint64_t v;
    /* SDM 24.7: bit 0 lock, bit 2 VMX outside SMX */
    assert_int_equal(feature_control_decide(0x5, &v), FC_READY);
    assert_int_equal(v, 0x5);
    assert_int_equal(feature_control_decide(0x1, &v), FC_DISABLED);
    assert_int_equal(feature_control_decide(0x3, &v), FC_DISABLED); /* inside SMX only */
    assert_int_equal(feature_control_decide(0x0, &v), FC_WRITE_LOCK);
    assert_int_equal(v, 0x5);
    assert_int_equal(feature_control_decide(0x100000, &v), FC_WRITE_LOCK); /* other bits kept */
    assert_int_equal(v, 0x100005);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shell_load_options_drop_the_program_path),
        cmocka_unit_test(boot_entry_options_without_program_path_are_kept),
        cmocka_unit_test(binary_load_options_are_not_a_command_line),
        cmocka_unit_test(too_long_is_an_error),
        cmocka_unit_test(file_stops_at_the_first_line_end),
        cmocka_unit_test(feature_control_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
