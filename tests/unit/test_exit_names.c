/* Exit-reason and VM-instruction-error names (SDM Appendix C, SDM 31.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/exit_names.h"

static void exit_reasons_by_number(void **state)
{
    (void)state;
    assert_string_equal(vmx_exit_reason_name(0), "exception or NMI");
    assert_string_equal(vmx_exit_reason_name(1), "external interrupt");
    assert_string_equal(vmx_exit_reason_name(12), "HLT");
    assert_string_equal(vmx_exit_reason_name(18), "VMCALL");
    assert_string_equal(vmx_exit_reason_name(33), "VM-entry failure due to invalid guest state");
    assert_string_equal(vmx_exit_reason_name(44), "APIC access");
    assert_string_equal(vmx_exit_reason_name(45), "virtualized EOI");
    assert_string_equal(vmx_exit_reason_name(48), "EPT violation");
    assert_string_equal(vmx_exit_reason_name(56), "APIC write");
    assert_string_equal(vmx_exit_reason_name(69), "LOADIWKEY");
    assert_string_equal(vmx_exit_reason_name(79), "WRMSRLIST");
}

static void flag_bits_do_not_change_the_name(void **state)
{
    (void)state;
    /* A failed VM entry reports 0x80000021: bit 31 plus basic reason 33. */
    assert_string_equal(vmx_exit_reason_name(0x80000021u), "VM-entry failure due to invalid guest state");
    assert_string_equal(vmx_exit_reason_name(0x10000000u | 37), "monitor trap flag");
}

static void gaps_and_out_of_range_are_unknown(void **state)
{
    (void)state;
    assert_string_equal(vmx_exit_reason_name(35), "unknown");
    assert_string_equal(vmx_exit_reason_name(38), "unknown");
    assert_string_equal(vmx_exit_reason_name(42), "unknown");
    assert_string_equal(vmx_exit_reason_name(80), "unknown");
    assert_string_equal(vmx_exit_reason_name(0xffff), "unknown");
}

static void instruction_errors(void **state)
{
    (void)state;
    assert_string_equal(vmx_instruction_error_name(7), "VM entry with invalid control field(s)");
    assert_string_equal(vmx_instruction_error_name(8), "VM entry with invalid host-state field(s)");
    assert_string_equal(vmx_instruction_error_name(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
    assert_string_equal(vmx_instruction_error_name(26), "VM entry with events blocked by MOV SS");
    assert_string_equal(vmx_instruction_error_name(28), "invalid operand to INVEPT/INVVPID");
    assert_string_equal(vmx_instruction_error_name(0), "unknown");
    assert_string_equal(vmx_instruction_error_name(14), "unknown");
    assert_string_equal(vmx_instruction_error_name(29), "unknown");
    assert_string_equal(vmx_instruction_error_name(UINT32_MAX), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_reasons_by_number),
        cmocka_unit_test(flag_bits_do_not_change_the_name),
        cmocka_unit_test(gaps_and_out_of_range_are_unknown),
        cmocka_unit_test(instruction_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
