/* Width-typed VMCS accessors: run-time checks against the encoding, and the host backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_vmcs.h"
#include "vmx/vmcs_access.h"

static struct fake_vmcs vmcs;
static const struct vmcs_backend fake_backend = { fake_vmcs_read, fake_vmcs_write, &vmcs };
static uint32_t last_enc;
static enum vmcs_access_error last_err;
static unsigned errors;

static void record_error(uint32_t enc, enum vmcs_access_error err)
{
    last_enc = enc;
    last_err = err;
    errors++;
}

static int setup(void **state)
{
    (void)state;
    memset(&vmcs, 0, sizeof(vmcs));
    errors = 0;
    last_enc = 0;
    last_err = VMCS_ACCESS_OK;
    vmcs_set_host_backend(&fake_backend);
    vmcs_set_error_handler(record_error);
    return 0;
}

/* Keeps the encoding from being a compile-time constant, which would be a build error. */
static uint32_t runtime(uint32_t enc)
{
    volatile uint32_t v = enc;
    return v;
}

static void matching_widths_read_and_write(void **state)
{
    (void)state;
    vmwrite16(GUEST_CS_SELECTOR, 0x10);
    vmwrite32(GUEST_CS_LIMIT, 0xffffffff);
    vmwrite64(EPT_POINTER, 0x123456789abcd05eull);
    vmwrite_natural(GUEST_RIP, 0xffffffff80001000ull);
    assert_int_equal(vmread16(GUEST_CS_SELECTOR), 0x10);
    assert_int_equal(vmread32(GUEST_CS_LIMIT), 0xffffffffu);
    assert_int_equal(vmread64(EPT_POINTER), 0x123456789abcd05eull);
    assert_int_equal(vmread_natural(GUEST_RIP), 0xffffffff80001000ull);
    /* The high half of a 64-bit field is a 32-bit access. */
    assert_int_equal(vmread32(EPT_POINTER | VMCS_ENC_ACCESS_HIGH), 0x12345678u);
    assert_int_equal(errors, 0);
}

static void narrow_read_of_a_wide_field_is_refused(void **state)
{
    (void)state;
    fake_vmcs_set(&vmcs, EPT_POINTER, 0x123456789abcd05eull);
    unsigned reads = vmcs.reads;
    assert_int_equal(vmread32(runtime(EPT_POINTER)), 0);
    assert_int_equal(errors, 1);
    assert_int_equal(last_enc, 0x201a);
    assert_int_equal(last_err, VMCS_ERR_WIDTH_MISMATCH);
    assert_string_equal(vmcs_access_error_name(last_err), "width mismatch");
    assert_int_equal(vmcs.reads, reads); /* the VMCS was not touched */
    assert_int_equal(vmread64(runtime(GUEST_RIP)), 0);
    assert_int_equal(last_err, VMCS_ERR_WIDTH_MISMATCH);
    assert_int_equal(errors, 2);
}

static void wide_write_to_a_narrow_field_is_refused(void **state)
{
    (void)state;
    vmwrite64(runtime(GUEST_CS_LIMIT), 1);
    assert_int_equal(last_err, VMCS_ERR_WIDTH_MISMATCH);
    assert_int_equal(vmcs.writes, 0);
}

static void write_to_exit_information_is_refused(void **state)
{
    (void)state;
    vmwrite32(runtime(VM_EXIT_REASON), 12);
    assert_int_equal(last_err, VMCS_ERR_READ_ONLY);
    assert_int_equal(last_enc, 0x4402);
    assert_int_equal(vmcs.writes, 0);
}

static void reserved_bits_and_bad_high_access_are_bad_encodings(void **state)
{
    (void)state;
    vmread32(runtime(0x00014402u)); /* bit 16 set */
    assert_int_equal(last_err, VMCS_ERR_BAD_ENCODING);
    vmread32(runtime(0x00005402u)); /* bit 12 set */
    assert_int_equal(last_err, VMCS_ERR_BAD_ENCODING);
    vmread32(runtime(GUEST_CS_LIMIT | 1)); /* high access to a 32-bit field */
    assert_int_equal(last_err, VMCS_ERR_BAD_ENCODING);
    assert_int_equal(errors, 3);
}

static void failing_vmread_is_reported(void **state)
{
    (void)state;
    assert_int_equal(vmread_natural(GUEST_CR3), 0); /* absent from the fake */
    assert_int_equal(last_err, VMCS_ERR_ACCESS_FAILED);
    assert_int_equal(last_enc, 0x6802);
    vmcs_set_host_backend(NULL);
    fake_vmcs_set(&vmcs, GUEST_CR3, 0x1000);
    assert_int_equal(vmread_natural(GUEST_CR3), 0);
    assert_int_equal(errors, 2);
}

static void current_reader_uses_the_backend(void **state)
{
    (void)state;
    fake_vmcs_set(&vmcs, GUEST_RSP, 0x7000);
    uint64_t v = 0;
    assert_true(vmcs_current_reader.read(vmcs_current_reader.ctx, GUEST_RSP, &v));
    assert_int_equal(v, 0x7000);
    assert_false(vmcs_current_reader.read(vmcs_current_reader.ctx, GUEST_RIP, &v));
}

static void error_names(void **state)
{
    (void)state;
    assert_string_equal(vmcs_access_error_name(VMCS_ERR_READ_ONLY), "write to read-only field");
    assert_string_equal(vmcs_access_error_name(VMCS_ERR_BAD_ENCODING), "bad encoding");
    assert_string_equal(vmcs_access_error_name((enum vmcs_access_error)42), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(matching_widths_read_and_write, setup),
        cmocka_unit_test_setup(narrow_read_of_a_wide_field_is_refused, setup),
        cmocka_unit_test_setup(wide_write_to_a_narrow_field_is_refused, setup),
        cmocka_unit_test_setup(write_to_exit_information_is_refused, setup),
        cmocka_unit_test_setup(reserved_bits_and_bad_high_access_are_bad_encodings, setup),
        cmocka_unit_test_setup(failing_vmread_is_reported, setup),
        cmocka_unit_test_setup(current_reader_uses_the_backend, setup),
        cmocka_unit_test(error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
