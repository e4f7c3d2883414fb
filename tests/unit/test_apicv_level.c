/* apicv_choose (vmm/apicv_level.c): the level auto takes on CPUs that lack one APIC
 * virtualization control after another (the Bochs models of PLATFORM.md), the controls each
 * level runs with, and a named level the CPU cannot give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "text_sink.h"
#include "vmm/apicv_level.h"
#include "vmx/vmcs_defs.h"

#define CAP(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

static struct vmx_caps caps;
static struct vmx_controls c;
static struct text out;

static int setup(void **state)
{
    (void)state;
    memset(&caps, 0, sizeof(caps));
    for (int r = 0; r < VMX_CTL_COUNT; r++)
        caps.ctl[r] = CAP(0, 0xffffffff);
    text_clear(&out);
    return 0;
}

static void lack(enum vmx_ctl_reg reg, uint32_t bits)
{
    caps.ctl[reg] &= ~((uint64_t)bits << 32);
}

static bool hlt_in_guest;

static int choose(enum apicv_level asked, enum lapic_mode mode)
{
    text_clear(&out);
    return apicv_choose(&caps, asked, mode, hlt_in_guest, &c, text_sink, &out);
}

static void everything_gives_full_and_hlt_exits_by_default(void **state)
{
    (void)state;
    hlt_in_guest = false;
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_XAPIC), APICV_FULL);
    assert_string_equal(out.buf, "apicv: full\n");
    assert_int_equal(c.ctl[VMX_CTL_PROC] & CPU_HLT_EXITING, CPU_HLT_EXITING);
}

static void hlt_guest_gives_full_with_hlt_in_the_guest(void **state)
{
    (void)state;
    hlt_in_guest = true;
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_XAPIC), APICV_FULL);
    hlt_in_guest = false;
    assert_string_equal(out.buf, "apicv: full (HLT without an exit)\n");
    assert_int_equal(c.ctl[VMX_CTL_PIN] & PIN_PROCESS_POSTED_INTERRUPTS, PIN_PROCESS_POSTED_INTERRUPTS);
    assert_int_equal(c.ctl[VMX_CTL_PROC] & CPU_HLT_EXITING, 0);
    assert_int_equal(c.ctl[VMX_CTL_PROC2] & CPU2_VIRTUALIZE_APIC_ACCESSES, CPU2_VIRTUALIZE_APIC_ACCESSES);
}

static void full_without_nmi_exiting_keeps_the_hlt_exit(void **state)
{
    (void)state;
    lack(VMX_CTL_PIN, PIN_NMI_EXITING);
    hlt_in_guest = true;
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_X2APIC), APICV_FULL);
    hlt_in_guest = false;
    assert_string_equal(out.buf, "apicv: full\n");
    assert_int_equal(c.ctl[VMX_CTL_PROC] & CPU_HLT_EXITING, CPU_HLT_EXITING);
}

/* Haswell/Broadwell models: no posted interrupts. */
static void no_posted_interrupts_gives_vid(void **state)
{
    (void)state;
    lack(VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS);
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_XAPIC), APICV_VID);
    assert_string_equal(out.buf, "apicv: vid (no process posted interrupts)\n");
    assert_int_equal(c.ctl[VMX_CTL_PIN] & PIN_PROCESS_POSTED_INTERRUPTS, 0);
    assert_int_equal(c.ctl[VMX_CTL_PROC2] & CPU2_VIRTUAL_INTERRUPT_DELIVERY, CPU2_VIRTUAL_INTERRUPT_DELIVERY);
    assert_int_equal(c.ctl[VMX_CTL_PROC] & CPU_HLT_EXITING, CPU_HLT_EXITING);
}

/* Sandy Bridge model: no virtual-interrupt delivery. */
static void no_virtual_interrupt_delivery_gives_tpr(void **state)
{
    (void)state;
    lack(VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS);
    lack(VMX_CTL_PROC2, CPU2_VIRTUAL_INTERRUPT_DELIVERY);
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_XAPIC), APICV_TPR);
    assert_string_equal(out.buf, "apicv: tpr (no virtual-interrupt delivery)\n");
    assert_int_equal(c.ctl[VMX_CTL_PROC] & (CPU_USE_TPR_SHADOW | CPU_CR8_LOAD_EXITING), CPU_USE_TPR_SHADOW);
    assert_int_equal(c.ctl[VMX_CTL_PROC2] & (CPU2_VIRTUAL_INTERRUPT_DELIVERY | CPU2_APIC_REGISTER_VIRTUALIZATION), 0);
}

static void no_tpr_shadow_gives_off_with_cr8_exits(void **state)
{
    (void)state;
    lack(VMX_CTL_PROC, CPU_USE_TPR_SHADOW);
    assert_int_equal(choose(APICV_AUTO, LAPIC_MODE_X2APIC), APICV_OFF);
    assert_string_equal(out.buf, "apicv: off (no use TPR shadow)\n");
    assert_int_equal(c.ctl[VMX_CTL_PROC] & (CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING),
                     CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING);
}

static void a_named_level_is_taken_even_below_what_the_cpu_has(void **state)
{
    (void)state;
    assert_int_equal(choose(APICV_TPR, LAPIC_MODE_X2APIC), APICV_TPR);
    assert_string_equal(out.buf, "apicv: tpr\n");
    assert_int_equal(c.ctl[VMX_CTL_PIN] & PIN_PROCESS_POSTED_INTERRUPTS, 0);
}

static void a_named_level_the_cpu_lacks_names_the_controls(void **state)
{
    (void)state;
    lack(VMX_CTL_PIN, PIN_PROCESS_POSTED_INTERRUPTS);
    assert_int_equal(choose(APICV_FULL, LAPIC_MODE_XAPIC), -1);
    assert_string_equal(out.buf, "vmx: missing control: process posted interrupts (pin-based bit 7)\n"
                                 "apicv=full needs controls this CPU lacks\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(everything_gives_full_and_hlt_exits_by_default, setup),
        cmocka_unit_test_setup(hlt_guest_gives_full_with_hlt_in_the_guest, setup),
        cmocka_unit_test_setup(full_without_nmi_exiting_keeps_the_hlt_exit, setup),
        cmocka_unit_test_setup(no_posted_interrupts_gives_vid, setup),
        cmocka_unit_test_setup(no_virtual_interrupt_delivery_gives_tpr, setup),
        cmocka_unit_test_setup(no_tpr_shadow_gives_off_with_cr8_exits, setup),
        cmocka_unit_test_setup(a_named_level_is_taken_even_below_what_the_cpu_has, setup),
        cmocka_unit_test_setup(a_named_level_the_cpu_lacks_names_the_controls, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
