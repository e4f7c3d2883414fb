/* The VMCS dump against a fake VMCS: gating on capabilities, decoding, unavailable fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_vmcs.h"
#include "text_sink.h"
#include "vmm/vmcs_dump.h"
#include "vmx/vmcs_defs.h"

#define CAP(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

static struct fake_vmcs vmcs;
static struct vmcs_reader reader;
static struct vmx_caps caps;
static struct text out;

static int setup(void **state)
{
    (void)state;
    memset(&vmcs, 0, sizeof(vmcs));
    reader = fake_vmcs_reader(&vmcs);
    memset(&caps, 0, sizeof(caps));
    for (int r = 0; r < VMX_CTL_COUNT; r++)
        caps.ctl[r] = CAP(0, 0xffffffff);
    text_clear(&out);
    fake_vmcs_set(&vmcs, GUEST_CS_SELECTOR, 0x10);
    fake_vmcs_set(&vmcs, GUEST_RIP, 0xfffffff0);
    fake_vmcs_set(&vmcs, GUEST_RFLAGS, 0x2);
    fake_vmcs_set(&vmcs, EPT_POINTER, 0x1234505e);
    fake_vmcs_set(&vmcs, POSTED_INTR_DESC_ADDR, 0x7f000040);
    fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP0, 0x1);
    fake_vmcs_set(&vmcs, GUEST_INTR_STATUS, 0x31);
    fake_vmcs_set(&vmcs, GUEST_PML_INDEX, 0x1ff);
    fake_vmcs_set(&vmcs, TERTIARY_VM_EXEC_CONTROL, 0x10);
    fake_vmcs_set(&vmcs, PIN_BASED_VM_EXEC_CONTROL, 0x81);
    fake_vmcs_set(&vmcs, VM_EXIT_REASON, 0x80000021);
    fake_vmcs_set(&vmcs, VM_INSTRUCTION_ERROR, 7);
    fake_vmcs_set(&vmcs, VM_EXIT_INTR_INFO, 0x80000b0e);
    fake_vmcs_set(&vmcs, IDT_VECTORING_INFO, 0);
    return 0;
}

static void dump(void)
{
    vmcs_dump(&reader, &caps, NULL, text_sink, &out);
}

static void fields_print_with_their_width(void **state)
{
    (void)state;
    dump();
    assert_non_null(strstr(out.buf, "vmcs: --- guest state ---\n"));
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_CS_SELECTOR               0x0010\n"));
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_RIP                       0x00000000fffffff0\n"));
    assert_non_null(strstr(out.buf, "vmcs:   EPT_POINTER                     0x000000001234505e\n"));
    assert_non_null(strstr(out.buf, "vmcs:   VM_INSTRUCTION_ERROR            0x00000007\n"));
}

static void fields_hide_when_the_capability_is_absent(void **state)
{
    (void)state;
    caps.ctl[VMX_CTL_PROC2] = CAP(0, 0xffffffff & ~((1u << 1) | (1u << 9) | (1u << 17)));
    caps.ctl[VMX_CTL_PIN] = CAP(0, 0xffffffff & ~(1u << 7));
    caps.ctl[VMX_CTL_PROC] = CAP(0, 0xffffffff & ~(1u << 17));
    dump();
    assert_null(strstr(out.buf, "EPT_POINTER"));
    assert_null(strstr(out.buf, "GUEST_PDPTE0"));
    assert_null(strstr(out.buf, "GUEST_PHYSICAL_ADDRESS"));
    assert_null(strstr(out.buf, "POSTED_INTR"));
    assert_null(strstr(out.buf, "EOI_EXIT_BITMAP"));
    assert_null(strstr(out.buf, "GUEST_INTR_STATUS"));
    assert_null(strstr(out.buf, "GUEST_PML_INDEX"));
    assert_null(strstr(out.buf, "TERTIARY_VM_EXEC_CONTROL"));
    /* ungated neighbours are still there */
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_RFLAGS "));
    assert_non_null(strstr(out.buf, "vmcs:   PIN_BASED_VM_EXEC_CONTROL "));
}

static void gated_fields_show_when_the_capability_is_present(void **state)
{
    (void)state;
    dump();
    assert_non_null(strstr(out.buf, "vmcs:   POSTED_INTR_DESC_ADDR           0x000000007f000040\n"));
    assert_non_null(strstr(out.buf, "vmcs:   EOI_EXIT_BITMAP0                0x0000000000000001\n"));
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_INTR_STATUS               0x0031\n"));
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_PML_INDEX                 0x01ff\n"));
    assert_non_null(strstr(out.buf, "vmcs:   TERTIARY_VM_EXEC_CONTROL        0x0000000000000010\n"
                                    "vmcs:         IPI virtualization\n"));
}

static void control_bits_are_named(void **state)
{
    (void)state;
    fake_vmcs_set(&vmcs, CPU_BASED_VM_EXEC_CONTROL, 0x80000081); /* bit 0 is reserved */
    dump();
    assert_non_null(strstr(out.buf, "vmcs:   PIN_BASED_VM_EXEC_CONTROL       0x00000081\n"
                                    "vmcs:         external-interrupt exiting, process posted interrupts\n"));
    assert_non_null(strstr(out.buf, "vmcs:   CPU_BASED_VM_EXEC_CONTROL       0x80000081\n"
                                    "vmcs:         bit 0, HLT exiting, activate secondary controls\n"));
}

static void exit_information_is_decoded(void **state)
{
    (void)state;
    dump();
    assert_non_null(strstr(out.buf, "vmcs: --- VM-exit information ---\n"));
    assert_non_null(strstr(out.buf, "vmcs:   VM_EXIT_REASON                  0x80000021\n"
                                    "vmcs:         basic reason 33: VM-entry failure due to invalid guest state, "
                                    "VM-entry failure\n"));
    assert_non_null(strstr(out.buf, "vmcs:         VM entry with invalid control field(s)\n"));
    assert_non_null(strstr(out.buf, "vmcs:   VM_EXIT_INTR_INFO               0x80000b0e\n"
                                    "vmcs:         vector 14, hardware exception, error code valid\n"));
    assert_non_null(strstr(out.buf, "vmcs:   IDT_VECTORING_INFO              0x00000000\n"
                                    "vmcs:         not valid\n"));
}

static void failing_reads_print_unavailable_and_the_dump_goes_on(void **state)
{
    (void)state;
    vmcs.fail_enc = GUEST_RIP;
    dump();
    assert_non_null(strstr(out.buf, "vmcs:   GUEST_RIP                       unavailable\n"
                                    "vmcs:   GUEST_RFLAGS                    0x0000000000000002\n"));
    /* fields the fake never had are unavailable too, and the last group still prints */
    assert_non_null(strstr(out.buf, "vmcs:   HOST_CR0                        unavailable\n"));
    assert_non_null(strstr(out.buf, "vmcs:   IO_RIP                          unavailable\n"));
}

static void every_line_is_prefixed_and_at_most_100_columns(void **state)
{
    (void)state;
    /* every control bit set: the longest decoded lists */
    fake_vmcs_set(&vmcs, PIN_BASED_VM_EXEC_CONTROL, 0xffffffff);
    fake_vmcs_set(&vmcs, CPU_BASED_VM_EXEC_CONTROL, 0xffffffff);
    fake_vmcs_set(&vmcs, SECONDARY_VM_EXEC_CONTROL, 0xffffffff);
    fake_vmcs_set(&vmcs, TERTIARY_VM_EXEC_CONTROL, UINT64_MAX);
    fake_vmcs_set(&vmcs, VM_EXIT_CONTROLS, 0xffffffff);
    fake_vmcs_set(&vmcs, VM_ENTRY_CONTROLS, 0xffffffff);
    fake_vmcs_set(&vmcs, VM_EXIT_REASON, 0xbc000000u | 41);
    fake_vmcs_set(&vmcs, VM_INSTRUCTION_ERROR, 25);
    dump();
    unsigned lines = 0;
    for (char *line = out.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
        assert_true(nl - line <= 100);
        assert_memory_equal(line, "vmcs: ", 6);
    }
    assert_true(lines > 200);
    assert_int_equal(out.buf[out.len - 1], '\n');
    /* a wrapped list ends its line with a comma and goes on on the next */
    assert_non_null(strstr(out.buf, ",\nvmcs:         "));
    assert_non_null(strstr(out.buf, "conceal VMX from PT (exit)"));
    assert_non_null(strstr(out.buf, "bit 63"));
    assert_non_null(strstr(out.buf, "VM exit from VMX root operation, pending MTF VM exit, incident to enclave mode"));
}

static unsigned hook_calls;

static void apic_hook(void *hook_ctx, const struct vmcs_reader *r, const struct vmx_caps *c, fmt_sink_fn sink,
                      void *ctx)
{
    assert_ptr_equal(hook_ctx, &hook_calls);
    assert_ptr_equal(r, &reader);
    assert_ptr_equal(c, &caps);
    hook_calls++;
    fmt_format(sink, ctx, "vmcs: --- APIC ---\n");
}

static void apic_hook_runs_last(void **state)
{
    (void)state;
    const struct vmcs_dump_apic_hook hook = { apic_hook, &hook_calls };
    hook_calls = 0;
    vmcs_dump(&reader, &caps, &hook, text_sink, &out);
    assert_int_equal(hook_calls, 1);
    const char *tail = "vmcs: --- APIC ---\n";
    assert_string_equal(out.buf + out.len - strlen(tail), tail);
}

static void without_caps_every_field_shows(void **state)
{
    (void)state;
    vmcs_dump(&reader, NULL, NULL, text_sink, &out);
    assert_non_null(strstr(out.buf, "vmcs:   EPT_POINTER "));
    assert_non_null(strstr(out.buf, "vmcs:   PML_ADDRESS "));
    assert_non_null(strstr(out.buf, "vmcs:   HOST_IA32_PKRS "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(fields_print_with_their_width, setup),
        cmocka_unit_test_setup(fields_hide_when_the_capability_is_absent, setup),
        cmocka_unit_test_setup(gated_fields_show_when_the_capability_is_present, setup),
        cmocka_unit_test_setup(control_bits_are_named, setup),
        cmocka_unit_test_setup(exit_information_is_decoded, setup),
        cmocka_unit_test_setup(failing_reads_print_unavailable_and_the_dump_goes_on, setup),
        cmocka_unit_test_setup(every_line_is_prefixed_and_at_most_100_columns, setup),
        cmocka_unit_test_setup(apic_hook_runs_last, setup),
        cmocka_unit_test_setup(without_caps_every_field_shows, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
