/* VMCS field encodings: the SDM Appendix B values and the width/type bits derived from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/vmcs_defs.h"

/* Raw encodings typed from SDM Appendix B, with the width the appendix lists them under. */
static const struct {
    uint32_t enc;
    enum vmcs_width width;
    enum vmcs_field_type type;
} sdm_samples[] = {
    { 0x0000, VMCS_WIDTH_16, VMCS_TYPE_CONTROL },      /* virtual-processor identifier */
    { 0x0002, VMCS_WIDTH_16, VMCS_TYPE_CONTROL },      /* posted-interrupt notification vector */
    { 0x0810, VMCS_WIDTH_16, VMCS_TYPE_GUEST },        /* guest interrupt status */
    { 0x0c0c, VMCS_WIDTH_16, VMCS_TYPE_HOST },         /* host TR selector */
    { 0x201a, VMCS_WIDTH_64, VMCS_TYPE_CONTROL },      /* EPT pointer (full) */
    { 0x201b, VMCS_WIDTH_64, VMCS_TYPE_CONTROL },      /* EPT pointer (high) */
    { 0x2400, VMCS_WIDTH_64, VMCS_TYPE_EXIT_INFO },    /* guest-physical address */
    { 0x2800, VMCS_WIDTH_64, VMCS_TYPE_GUEST },        /* VMCS link pointer */
    { 0x2c02, VMCS_WIDTH_64, VMCS_TYPE_HOST },         /* host IA32_EFER */
    { 0x401e, VMCS_WIDTH_32, VMCS_TYPE_CONTROL },      /* secondary processor-based controls */
    { 0x4402, VMCS_WIDTH_32, VMCS_TYPE_EXIT_INFO },    /* exit reason */
    { 0x4826, VMCS_WIDTH_32, VMCS_TYPE_GUEST },        /* guest activity state */
    { 0x4c00, VMCS_WIDTH_32, VMCS_TYPE_HOST },         /* host IA32_SYSENTER_CS */
    { 0x6000, VMCS_WIDTH_NATURAL, VMCS_TYPE_CONTROL }, /* CR0 guest/host mask */
    { 0x6400, VMCS_WIDTH_NATURAL, VMCS_TYPE_EXIT_INFO }, /* exit qualification */
    { 0x681e, VMCS_WIDTH_NATURAL, VMCS_TYPE_GUEST },   /* guest RIP */
    { 0x6c16, VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST },    /* host RIP */
};

static void width_and_type_come_from_bits_14_13_and_11_10(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sdm_samples) / sizeof(sdm_samples[0]); i++) {
        assert_int_equal(vmcs_field_width(sdm_samples[i].enc), sdm_samples[i].width);
        assert_int_equal(vmcs_field_type(sdm_samples[i].enc), sdm_samples[i].type);
    }
}

static void named_encodings_match_appendix_b(void **state)
{
    (void)state;
    assert_int_equal(VIRTUAL_PROCESSOR_ID, 0x0000);
    assert_int_equal(POSTED_INTR_NOTIFICATION_VECTOR, 0x0002);
    assert_int_equal(EPTP_INDEX, 0x0004);
    assert_int_equal(GUEST_TR_SELECTOR, 0x080e);
    assert_int_equal(GUEST_INTR_STATUS, 0x0810);
    assert_int_equal(GUEST_PML_INDEX, 0x0812);
    assert_int_equal(HOST_TR_SELECTOR, 0x0c0c);
    assert_int_equal(MSR_BITMAP, 0x2004);
    assert_int_equal(VIRTUAL_APIC_PAGE_ADDR, 0x2012);
    assert_int_equal(APIC_ACCESS_ADDR, 0x2014);
    assert_int_equal(POSTED_INTR_DESC_ADDR, 0x2016);
    assert_int_equal(EPT_POINTER, 0x201a);
    assert_int_equal(EOI_EXIT_BITMAP3, 0x2022);
    assert_int_equal(XSS_EXIT_BITMAP, 0x202c);
    assert_int_equal(TSC_MULTIPLIER, 0x2032);
    assert_int_equal(TERTIARY_VM_EXEC_CONTROL, 0x2034);
    assert_int_equal(GUEST_PDPTE3, 0x2810);
    assert_int_equal(HOST_IA32_PERF_GLOBAL_CTRL, 0x2c04);
    assert_int_equal(VM_ENTRY_INTR_INFO, 0x4016);
    assert_int_equal(TPR_THRESHOLD, 0x401c);
    assert_int_equal(PLE_WINDOW, 0x4022);
    assert_int_equal(VM_INSTRUCTION_ERROR, 0x4400);
    assert_int_equal(VMX_INSTRUCTION_INFO, 0x440e);
    assert_int_equal(GUEST_TR_AR_BYTES, 0x4822);
    assert_int_equal(VMX_PREEMPTION_TIMER_VALUE, 0x482e);
    assert_int_equal(GUEST_LINEAR_ADDRESS, 0x640a);
    assert_int_equal(GUEST_SYSENTER_EIP, 0x6826);
    assert_int_equal(HOST_RIP, 0x6c16);
}

static void exit_reasons_and_errors_match_the_sdm(void **state)
{
    (void)state;
    assert_int_equal(EXIT_REASON_EXCEPTION_NMI, 0);
    assert_int_equal(EXIT_REASON_INVALID_GUEST_STATE, 33);
    assert_int_equal(EXIT_REASON_TPR_BELOW_THRESHOLD, 43);
    assert_int_equal(EXIT_REASON_VIRTUALIZED_EOI, 45);
    assert_int_equal(EXIT_REASON_EPT_VIOLATION, 48);
    assert_int_equal(EXIT_REASON_APIC_WRITE, 56);
    assert_int_equal(EXIT_REASON_LOADIWKEY, 69);
    assert_int_equal(EXIT_REASON_ENTRY_FAILURE, 0x80000000u);
    assert_int_equal(VMXERR_ENTRY_INVALID_CONTROL_FIELD, 7);
    assert_int_equal(VMXERR_INVALID_INVEPT_INVVPID_OPERAND, 28);
}

static void ept_pointer_fields(void **state)
{
    (void)state;
    /* WB (6) in bits 2:0, walk length 4 as 3 in bits 5:3, A/D in bit 6: 0x5e with A/D. */
    assert_int_equal(EPTP_MEMTYPE_WB | EPTP_PAGE_WALK_4, 0x1e);
    assert_int_equal(EPTP_MEMTYPE_WB | EPTP_PAGE_WALK_4 | EPTP_ENABLE_AD, 0x5e);
    assert_int_equal(EPT_LARGE_PAGE | ((uint64_t)EPT_MEMTYPE_WB << EPT_MEMTYPE_SHIFT) | EPT_RWX, 0xb7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(width_and_type_come_from_bits_14_13_and_11_10),
        cmocka_unit_test(named_encodings_match_appendix_b),
        cmocka_unit_test(exit_reasons_and_errors_match_the_sdm),
        cmocka_unit_test(ept_pointer_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
