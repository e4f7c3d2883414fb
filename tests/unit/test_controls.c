/* Control computation from capability MSRs, and the VM-entry control checks (SDM 27.2.1.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "text_sink.h"
#include "vmx/controls.h"
#include "vmx/vmcs_defs.h"

#define CAP(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

static struct text out;
static struct vmx_caps caps;
static const struct vmx_config x2apic_cfg = {
    .x2apic_mode = true, .tpr_shadow = true, .virtual_interrupts = true, .posted_interrupts = true,
    .hlt_exiting = true, .vpid = true, .ia32e_guest = true,
};

static int setup(void **state)
{
    (void)state;
    text_clear(&out);
    memset(&caps, 0, sizeof(caps));
    for (int r = 0; r < VMX_CTL_COUNT; r++)
        caps.ctl[r] = CAP(0, 0xffffffff);
    return 0;
}

static void everything_available_gives_exactly_the_wanted_bits(void **state)
{
    (void)state;
    struct vmx_controls c;
    assert_int_equal(vmx_compute_controls(&caps, &x2apic_cfg, &c, text_sink, &out), 0);
    assert_string_equal(out.buf, "");
    /* pin: bits 0, 3, 5, 7 */
    assert_int_equal(c.ctl[VMX_CTL_PIN], 0xa9);
    /* primary: bits 3 TSC offsetting, 7 HLT, 10 MWAIT, 21 TPR shadow, 25 I/O bitmaps, 28 MSR
     * bitmaps, 29 MONITOR, 31 secondary */
    assert_int_equal(c.ctl[VMX_CTL_PROC], 0xb2200488u);
    /* secondary: bits 1 EPT, 3 RDTSCP, 4 x2APIC, 5 VPID, 8 APIC-register, 9 VID, 12 INVPCID, 20 XSAVES */
    assert_int_equal(c.ctl[VMX_CTL_PROC2], 0x10133a);
    /* exit: bits 9, 15, 18, 19, 20, 21 */
    assert_int_equal(c.ctl[VMX_CTL_EXIT], 0x3c8200);
    /* entry: bits 9, 14, 15 */
    assert_int_equal(c.ctl[VMX_CTL_ENTRY], 0xc200);
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x7f000040, text_sink, &out), 0);
    assert_string_equal(out.buf, "");
}

static void forced_bits_are_applied(void **state)
{
    (void)state;
    /* The default1 controls of the legacy MSRs (SDM A.2) must be 1. */
    caps.ctl[VMX_CTL_PIN] = CAP(0x16, 0xffffffff);
    /* ...and an allowed-1 of 0 forces a bit off: no PAT loading on entry here. */
    caps.ctl[VMX_CTL_ENTRY] = CAP(0x11ff, 0xffffffff & ~(1u << 14));
    struct vmx_controls c;
    assert_int_equal(vmx_compute_controls(&caps, &x2apic_cfg, &c, text_sink, &out), 0);
    assert_int_equal(c.ctl[VMX_CTL_PIN], 0xa9 | 0x16);
    assert_int_equal(c.ctl[VMX_CTL_ENTRY], 0x11ff | 0x8200);
}

static void missing_needed_controls_are_named(void **state)
{
    (void)state;
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0xffffffff & ~((1u << 4) | (1u << 9)));
    struct vmx_controls c;
    assert_int_equal(vmx_compute_controls(&caps, &x2apic_cfg, &c, text_sink, &out), 2);
    assert_string_equal(out.buf, "vmx: missing control: virtualize x2APIC mode (secondary bit 4)\n"
                                 "vmx: missing control: virtual-interrupt delivery (secondary bit 9)\n");
    assert_int_equal(c.ctl[VMX_CTL_PROC2], 0x10133a & ~0x210u);
}

static void xapic_mode_uses_the_apic_access_page(void **state)
{
    (void)state;
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0xffffffff & ~(1u << 0));
    const struct vmx_config cfg = { .xapic_mode = true, .tpr_shadow = true, .virtual_interrupts = true,
                                    .hlt_exiting = true, .unrestricted_guest = true };
    struct vmx_controls c;
    assert_int_equal(vmx_compute_controls(&caps, &cfg, &c, text_sink, &out), 1);
    assert_string_equal(out.buf, "vmx: missing control: virtualize APIC accesses (secondary bit 0)\n");
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0xffffffff);
    assert_int_equal(vmx_compute_controls(&caps, &cfg, &c, text_sink, &out), 0);
    /* bits 0 APIC accesses, 1 EPT, 3, 7 unrestricted, 8, 9, 12, 20; no x2APIC (4), no VPID (5) */
    assert_int_equal(c.ctl[VMX_CTL_PROC2], 0x10138b);
    /* no IA-32e mode guest (bit 9), no posted interrupts (pin bit 7) */
    assert_int_equal(c.ctl[VMX_CTL_ENTRY], 0xc000);
    assert_int_equal(c.ctl[VMX_CTL_PIN], 0x29);
}

static void unavailable_optional_controls_are_silently_left_out(void **state)
{
    (void)state;
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0x3ff & ~((1u << 3) | (1u << 5))); /* no RDTSCP, no VPID */
    caps.ctl[VMX_CTL_PIN] = CAP(0, 0xff & ~(1u << 3));                   /* no NMI exiting */
    struct vmx_controls c;
    assert_int_equal(vmx_compute_controls(&caps, &x2apic_cfg, &c, text_sink, &out), 0);
    assert_string_equal(out.buf, "");
    assert_int_equal(c.ctl[VMX_CTL_PROC2], 0x312);
    /* virtual NMIs (bit 5) is available but needs NMI exiting: left out too */
    assert_int_equal(c.ctl[VMX_CTL_PIN], 0x81);
}

static struct vmx_controls good_controls(void)
{
    struct vmx_controls c = { { 0 } };
    c.ctl[VMX_CTL_PIN] = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_PROCESS_POSTED_INTERRUPTS;
    c.ctl[VMX_CTL_PROC] = CPU_USE_TPR_SHADOW | CPU_ACTIVATE_SECONDARY_CONTROLS;
    c.ctl[VMX_CTL_PROC2] = CPU2_ENABLE_EPT | CPU2_VIRTUALIZE_X2APIC_MODE | CPU2_APIC_REGISTER_VIRTUALIZATION |
                           CPU2_VIRTUAL_INTERRUPT_DELIVERY | CPU2_UNRESTRICTED_GUEST;
    c.ctl[VMX_CTL_EXIT] = EXIT_ACK_INTERRUPT_ON_EXIT;
    return c;
}

static void x2apic_and_apic_accesses_are_mutually_exclusive(void **state)
{
    (void)state;
    struct vmx_controls c = good_controls();
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x1000, text_sink, &out), 0);
    c.ctl[VMX_CTL_PROC2] |= CPU2_VIRTUALIZE_APIC_ACCESSES;
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x1000, text_sink, &out), 1);
    assert_string_equal(out.buf, "vmx: control check failed: virtualize x2APIC mode and virtualize APIC "
                                 "accesses are mutually exclusive (SDM 27.2.1.1)\n");
}

static void secondary_controls_count_only_when_activated(void **state)
{
    (void)state;
    struct vmx_controls c = good_controls();
    c.ctl[VMX_CTL_PROC2] |= CPU2_VIRTUALIZE_APIC_ACCESSES;
    c.ctl[VMX_CTL_PROC] &= ~CPU_ACTIVATE_SECONDARY_CONTROLS;
    c.ctl[VMX_CTL_PIN] &= ~PIN_PROCESS_POSTED_INTERRUPTS; /* it needs VID, which is now off */
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x1000, text_sink, &out), 0);
}

static void vid_needs_external_interrupt_exiting_and_tpr_shadow(void **state)
{
    (void)state;
    struct vmx_controls c = good_controls();
    c.ctl[VMX_CTL_PIN] &= ~PIN_EXTERNAL_INTERRUPT_EXITING;
    c.ctl[VMX_CTL_PROC] &= ~CPU_USE_TPR_SHADOW;
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x1000, text_sink, &out), 4);
    assert_string_equal(out.buf,
                        "vmx: control check failed: virtualize x2APIC mode requires use TPR shadow (SDM 27.2.1.1)\n"
                        "vmx: control check failed: APIC-register virtualization requires use TPR shadow "
                        "(SDM 27.2.1.1)\n"
                        "vmx: control check failed: virtual-interrupt delivery requires use TPR shadow "
                        "(SDM 27.2.1.1)\n"
                        "vmx: control check failed: virtual-interrupt delivery requires external-interrupt "
                        "exiting (SDM 27.2.1.1)\n");
}

static void posted_interrupt_rules(void **state)
{
    (void)state;
    struct vmx_controls c = good_controls();
    c.ctl[VMX_CTL_PROC2] &= ~CPU2_VIRTUAL_INTERRUPT_DELIVERY;
    c.ctl[VMX_CTL_EXIT] = 0;
    assert_int_equal(vmx_check_controls(&c, 0x100, 0x1020, text_sink, &out), 4);
    assert_string_equal(out.buf,
                        "vmx: control check failed: process posted interrupts requires virtual-interrupt "
                        "delivery (SDM 27.2.1.1)\n"
                        "vmx: control check failed: process posted interrupts requires acknowledge interrupt "
                        "on exit (SDM 27.2.1.1)\n"
                        "vmx: control check failed: posted-interrupt notification vector 0x100 has bits 15:8 "
                        "set (SDM 27.2.1.1)\n"
                        "vmx: control check failed: posted-interrupt descriptor address 0x1020 is not 64-byte "
                        "aligned (SDM 27.2.1.1)\n");
    /* Without posted interrupts the vector and descriptor do not matter. */
    c = good_controls();
    c.ctl[VMX_CTL_PIN] &= ~PIN_PROCESS_POSTED_INTERRUPTS;
    text_clear(&out);
    assert_int_equal(vmx_check_controls(&c, 0x100, 0x1020, text_sink, &out), 0);
}

static void unrestricted_guest_needs_ept_and_virtual_nmis_need_nmi_exiting(void **state)
{
    (void)state;
    struct vmx_controls c = good_controls();
    c.ctl[VMX_CTL_PROC2] &= ~CPU2_ENABLE_EPT;
    c.ctl[VMX_CTL_PIN] |= PIN_VIRTUAL_NMIS;
    assert_int_equal(vmx_check_controls(&c, 0xf2, 0x1000, text_sink, &out), 2);
    assert_non_null(strstr(out.buf, "unrestricted guest requires enable EPT (SDM 27.2.1.1)\n"));
    assert_non_null(strstr(out.buf, "virtual NMIs requires NMI exiting (SDM 27.2.1.1)\n"));
}

static void control_bit_names(void **state)
{
    (void)state;
    assert_string_equal(vmx_ctl_name(VMX_CTL_PROC2, 1u << 17), "enable PML");
    assert_string_equal(vmx_ctl_name(VMX_CTL_EXIT, 1u << 21), "load IA32_EFER (exit)");
    assert_string_equal(vmx_ctl_name(VMX_CTL_ENTRY, 1u << 15), "load IA32_EFER (entry)");
    assert_string_equal(vmx_ctl_name(VMX_CTL_PROC, 1u << 17), "activate tertiary controls");
    assert_null(vmx_ctl_name(VMX_CTL_PROC2, 0x3));  /* two bits */
    assert_null(vmx_ctl_name(VMX_CTL_PROC2, 0));
    assert_null(vmx_ctl_name(VMX_CTL_PROC, 1u << 0)); /* reserved */
    assert_null(vmx_ctl_name((enum vmx_ctl_reg)7, 1));
    assert_string_equal(vmx_tertiary_ctl_name(1ull << 4), "IPI virtualization");
    assert_null(vmx_tertiary_ctl_name(1ull << 40));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(everything_available_gives_exactly_the_wanted_bits, setup),
        cmocka_unit_test_setup(forced_bits_are_applied, setup),
        cmocka_unit_test_setup(missing_needed_controls_are_named, setup),
        cmocka_unit_test_setup(xapic_mode_uses_the_apic_access_page, setup),
        cmocka_unit_test_setup(unavailable_optional_controls_are_silently_left_out, setup),
        cmocka_unit_test_setup(x2apic_and_apic_accesses_are_mutually_exclusive, setup),
        cmocka_unit_test_setup(secondary_controls_count_only_when_activated, setup),
        cmocka_unit_test_setup(vid_needs_external_interrupt_exiting_and_tpr_shadow, setup),
        cmocka_unit_test_setup(posted_interrupt_rules, setup),
        cmocka_unit_test_setup(unrestricted_guest_needs_ept_and_virtual_nmis_need_nmi_exiting, setup),
        cmocka_unit_test(control_bit_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
