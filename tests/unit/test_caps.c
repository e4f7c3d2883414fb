/* Capability-MSR decoding: allowed-0/allowed-1 rules and the TRUE_* MSR selection (SDM A.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/msr.h"
#include "vmx/caps.h"
#include "vmx/vmcs_defs.h"

#define CAP(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

static uint64_t fake_msr[0x500];
static int reads_of_missing_msr;

static uint64_t fake_rdmsr(uint32_t msr)
{
    if (msr >= 0x500 || fake_msr[msr] == UINT64_MAX) {
        reads_of_missing_msr++;
        return 0;
    }
    return fake_msr[msr];
}

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 0x500; i++)
        fake_msr[i] = UINT64_MAX; /* "does not exist" */
    reads_of_missing_msr = 0;
    for (uint32_t m = MSR_IA32_VMX_BASIC; m <= MSR_IA32_VMX_VMCS_ENUM; m++)
        fake_msr[m] = 0;
    return 0;
}

static void can_be_0_and_1_follow_the_two_halves(void **state)
{
    (void)state;
    uint64_t cap = CAP(0x16, 0xff16); /* bits 1,2,4 forced on; bits 8-15 optional; bit 16+ forced off */
    assert_false(vmx_ctl_can_be_0(cap, 1u << 1));
    assert_true(vmx_ctl_can_be_1(cap, 1u << 1));
    assert_true(vmx_ctl_can_be_0(cap, 1u << 9));
    assert_true(vmx_ctl_can_be_1(cap, 1u << 9));
    assert_true(vmx_ctl_can_be_0(cap, 1u << 20));
    assert_false(vmx_ctl_can_be_1(cap, 1u << 20));
    /* several bits at once: can be 1 only if all can */
    assert_false(vmx_ctl_can_be_1(cap, (1u << 9) | (1u << 20)));
}

static void adjust_adds_forced_bits_and_drops_impossible_ones(void **state)
{
    (void)state;
    uint64_t cap = CAP(0x16, 0xff16);
    assert_int_equal(vmx_ctl_adjust(cap, 0), 0x16);
    assert_int_equal(vmx_ctl_adjust(cap, 1u << 9), 0x16 | (1u << 9));
    assert_int_equal(vmx_ctl_adjust(cap, 1u << 20), 0x16);
    assert_int_equal(vmx_ctl_missing(cap, (1u << 9) | (1u << 20) | (1u << 31)), (1u << 20) | (1u << 31));
    assert_int_equal(vmx_ctl_missing(cap, 1u << 9), 0);
}

static void true_msrs_are_used_when_basic_bit_55_is_set(void **state)
{
    (void)state;
    fake_msr[MSR_IA32_VMX_BASIC] = VMX_BASIC_TRUE_CTLS | 4;
    fake_msr[MSR_IA32_VMX_PINBASED_CTLS] = CAP(0x16, 0xff);
    fake_msr[MSR_IA32_VMX_TRUE_PINBASED_CTLS] = CAP(0x00, 0xff);
    fake_msr[MSR_IA32_VMX_PROCBASED_CTLS] = CAP(0x0401e172, 0xfff9fffe);
    fake_msr[MSR_IA32_VMX_TRUE_PROCBASED_CTLS] = CAP(0x04006172, 0xfff9fffe);
    fake_msr[MSR_IA32_VMX_EXIT_CTLS] = CAP(0x00036dff, 0x003fffff);
    fake_msr[MSR_IA32_VMX_TRUE_EXIT_CTLS] = CAP(0x00036dfb, 0x003fffff);
    fake_msr[MSR_IA32_VMX_ENTRY_CTLS] = CAP(0x000011ff, 0x0000ffff);
    fake_msr[MSR_IA32_VMX_TRUE_ENTRY_CTLS] = CAP(0x000011fb, 0x0000ffff);
    fake_msr[MSR_IA32_VMX_PROCBASED_CTLS2] = CAP(0, 0x3ff);
    fake_msr[MSR_IA32_VMX_EPT_VPID_CAP] = 0x123;
    struct vmx_caps caps;
    vmx_caps_read(&caps, fake_rdmsr);
    assert_true(caps.true_ctls);
    assert_int_equal(caps.ctl[VMX_CTL_PIN], fake_msr[MSR_IA32_VMX_TRUE_PINBASED_CTLS]);
    assert_int_equal(caps.ctl[VMX_CTL_PROC], fake_msr[MSR_IA32_VMX_TRUE_PROCBASED_CTLS]);
    assert_int_equal(caps.ctl[VMX_CTL_EXIT], fake_msr[MSR_IA32_VMX_TRUE_EXIT_CTLS]);
    assert_int_equal(caps.ctl[VMX_CTL_ENTRY], fake_msr[MSR_IA32_VMX_TRUE_ENTRY_CTLS]);
    assert_int_equal(caps.ctl[VMX_CTL_PROC2], fake_msr[MSR_IA32_VMX_PROCBASED_CTLS2]);
    assert_int_equal(caps.ept_vpid, 0x123);
    /* The TRUE MSR lets CR3-load exiting (bit 15), a default1 control, be 0. */
    assert_true(vmx_ctl_can_be_0(caps.ctl[VMX_CTL_PROC], CPU_CR3_LOAD_EXITING));
    assert_int_equal(reads_of_missing_msr, 0);
}

static void legacy_msrs_are_used_without_bit_55(void **state)
{
    (void)state;
    fake_msr[MSR_IA32_VMX_BASIC] = 4;
    fake_msr[MSR_IA32_VMX_PROCBASED_CTLS] = CAP(0x0401e172, 0xfff9fffe);
    fake_msr[MSR_IA32_VMX_PROCBASED_CTLS2] = CAP(0, 0x3ff);
    fake_msr[MSR_IA32_VMX_EPT_VPID_CAP] = 0x456;
    struct vmx_caps caps;
    vmx_caps_read(&caps, fake_rdmsr);
    assert_false(caps.true_ctls);
    assert_int_equal(caps.ept_vpid, 0x456);
    assert_int_equal(caps.ctl[VMX_CTL_PROC], fake_msr[MSR_IA32_VMX_PROCBASED_CTLS]);
    assert_false(vmx_ctl_can_be_0(caps.ctl[VMX_CTL_PROC], CPU_CR3_LOAD_EXITING));
    /* TRUE MSRs do not exist here and must not be read. */
    assert_int_equal(reads_of_missing_msr, 0);
}

static void secondary_controls_absent_when_they_cannot_be_activated(void **state)
{
    (void)state;
    fake_msr[MSR_IA32_VMX_BASIC] = 4;
    fake_msr[MSR_IA32_VMX_PROCBASED_CTLS] = CAP(0x0401e172, 0x7ff9fffe); /* bit 31 cannot be 1 */
    struct vmx_caps caps;
    vmx_caps_read(&caps, fake_rdmsr);
    assert_int_equal(caps.ctl[VMX_CTL_PROC2], 0);
    assert_int_equal(caps.ept_vpid, 0);
    assert_int_equal(reads_of_missing_msr, 0); /* neither PROCBASED_CTLS2 nor EPT_VPID_CAP was read */
    assert_false(vmx_ctl_can_be_1(caps.ctl[VMX_CTL_PROC2], CPU2_VIRTUALIZE_X2APIC_MODE));
}

struct text {
    char buf[8192];
    size_t len;
};

static void text_sink(void *ctx, const char *s, size_t n)
{
    struct text *t = ctx;
    assert_true(t->len + n < sizeof(t->buf));
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void report_and_required_check_name_missing_controls(void **state)
{
    (void)state;
    struct vmx_caps caps = { .basic = VMX_BASIC_TRUE_CTLS | 4, .true_ctls = true };
    for (int r = 0; r < VMX_CTL_COUNT; r++)
        caps.ctl[r] = CAP(0, 0xffffffff);
    caps.ctl[VMX_CTL_PIN] = CAP(0, 0xffffffff & ~PIN_PROCESS_POSTED_INTERRUPTS);
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0xffffffff & ~(CPU2_VIRTUAL_INTERRUPT_DELIVERY | CPU2_ENABLE_EPT));
    struct text t = { .len = 0 };
    vmx_caps_report(&caps, text_sink, &t);
    assert_non_null(strstr(t.buf, "process posted interrupts      pin-based bit 7   can be 0: yes  can be 1: no\n"));
    assert_non_null(strstr(t.buf, "virtualize x2APIC mode         secondary bit 4   can be 0: yes  can be 1: yes\n"));
    t.len = 0;
    t.buf[0] = '\0';
    /* Posted interrupts and virtual-interrupt delivery are for the apicv levels to decide
     * (test_apicv_level.c); EPT every level needs. */
    assert_int_equal(vmx_caps_check_required(&caps, text_sink, &t), 1);
    assert_string_equal(t.buf, "vmx: missing control: enable EPT (secondary bit 1)\n");
}

static void control_names_come_from_the_table(void **state)
{
    (void)state;
    assert_string_equal(vmx_ctl_name(VMX_CTL_PROC2, CPU2_VIRTUALIZE_X2APIC_MODE), "virtualize x2APIC mode");
    assert_null(vmx_ctl_name(VMX_CTL_PIN, 1u << 30));
    assert_string_equal(vmx_ctl_reg_name(VMX_CTL_EXIT), "exit");
    assert_string_equal(vmx_ctl_reg_name((enum vmx_ctl_reg)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(can_be_0_and_1_follow_the_two_halves),
        cmocka_unit_test(adjust_adds_forced_bits_and_drops_impossible_ones),
        cmocka_unit_test_setup(true_msrs_are_used_when_basic_bit_55_is_set, setup),
        cmocka_unit_test_setup(legacy_msrs_are_used_without_bit_55, setup),
        cmocka_unit_test_setup(secondary_controls_absent_when_they_cannot_be_activated, setup),
        cmocka_unit_test(report_and_required_check_name_missing_controls),
        cmocka_unit_test(control_names_come_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
