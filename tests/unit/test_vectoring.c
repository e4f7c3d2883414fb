/* Re-injecting an event whose delivery a VM exit interrupted (vmx/vectoring.c; SDM 28.2.4 and
 * 26.3.1.5), against a fake VMCS.  Before this, no exit handler looked at the IDT-vectoring
 * information: an external interrupt or NMI exit during the delivery of a guest exception lost it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_vmcs.h"
#include "vmx/vectoring.h"

static struct fake_vmcs vmcs;
static const struct vmcs_backend fake_backend = { fake_vmcs_read, fake_vmcs_write, &vmcs };

#define VALID (1u << 31)
#define ERRCODE (1u << 11)
#define TYPE(t) ((uint32_t)(t) << 8)

static int setup(void **state)
{
    (void)state;
    memset(&vmcs, 0, sizeof(vmcs));
    vmcs_set_host_backend(&fake_backend);
    fake_vmcs_set(&vmcs, VM_ENTRY_INTR_INFO, 0);
    fake_vmcs_set(&vmcs, VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
    fake_vmcs_set(&vmcs, VM_ENTRY_INSTRUCTION_LEN, 0);
    fake_vmcs_set(&vmcs, IDT_VECTORING_ERROR_CODE, 0x18);
    fake_vmcs_set(&vmcs, VM_EXIT_INSTRUCTION_LEN, 2);
    fake_vmcs_set(&vmcs, GUEST_INTERRUPTIBILITY_INFO, 0x8 | 0x1); /* NMI and STI blocking */
    return 0;
}

static uint64_t get(uint32_t enc)
{
    uint64_t v = 0;
    assert_true(fake_vmcs_read(&vmcs, enc, &v));
    return v;
}

static void nothing_to_do_without_a_valid_event(void **state)
{
    (void)state;
    vmx_reinject_vectoring_event(TYPE(3) | 14);
    assert_int_equal(get(VM_ENTRY_INTR_INFO), 0);
}

static void a_page_fault_comes_back_with_its_error_code(void **state)
{
    (void)state;
    vmx_reinject_vectoring_event(VALID | ERRCODE | TYPE(3) | 14);
    assert_int_equal(get(VM_ENTRY_INTR_INFO), VALID | ERRCODE | TYPE(3) | 14);
    assert_int_equal(get(VM_ENTRY_EXCEPTION_ERROR_CODE), 0x18);
    assert_int_equal(get(VM_ENTRY_INSTRUCTION_LEN), 0);
    assert_int_equal(get(GUEST_INTERRUPTIBILITY_INFO), 0x9);
}

static void an_external_interrupt_comes_back(void **state)
{
    (void)state;
    vmx_reinject_vectoring_event(VALID | TYPE(0) | 0x31);
    assert_int_equal(get(VM_ENTRY_INTR_INFO), VALID | TYPE(0) | 0x31);
}

/* INT n, INT3/INTO, INT1: the entry needs the instruction length to push the right RIP. */
static void software_events_get_their_instruction_length(void **state)
{
    (void)state;
    static const unsigned types[] = { 4, 5, 6 };
    for (unsigned i = 0; i < 3; i++) {
        fake_vmcs_set(&vmcs, VM_ENTRY_INTR_INFO, 0);
        fake_vmcs_set(&vmcs, VM_ENTRY_INSTRUCTION_LEN, 0);
        vmx_reinject_vectoring_event(VALID | TYPE(types[i]) | 0x80);
        assert_int_equal(get(VM_ENTRY_INTR_INFO), VALID | TYPE(types[i]) | 0x80);
        assert_int_equal(get(VM_ENTRY_INSTRUCTION_LEN), 2);
    }
}

/* SDM 26.3.1.5: injecting an NMI with blocking by NMI set fails the entry (virtual NMIs); the
 * exit-only bit 12 is not part of an entry's interruption information. */
static void an_nmi_comes_back_unblocked(void **state)
{
    (void)state;
    vmx_reinject_vectoring_event(VALID | (1u << 12) | TYPE(2) | 2);
    assert_int_equal(get(VM_ENTRY_INTR_INFO), VALID | TYPE(2) | 2);
    assert_int_equal(get(GUEST_INTERRUPTIBILITY_INFO), 0x1);
}

static void an_event_the_handler_injected_wins(void **state)
{
    (void)state;
    fake_vmcs_set(&vmcs, VM_ENTRY_INTR_INFO, VALID | ERRCODE | TYPE(3) | 13);
    vmx_reinject_vectoring_event(VALID | TYPE(0) | 0x31);
    assert_int_equal(get(VM_ENTRY_INTR_INFO), VALID | ERRCODE | TYPE(3) | 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(nothing_to_do_without_a_valid_event, setup),
        cmocka_unit_test_setup(a_page_fault_comes_back_with_its_error_code, setup),
        cmocka_unit_test_setup(an_external_interrupt_comes_back, setup),
        cmocka_unit_test_setup(software_events_get_their_instruction_length, setup),
        cmocka_unit_test_setup(an_nmi_comes_back_unblocked, setup),
        cmocka_unit_test_setup(an_event_the_handler_injected_wins, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vmcs_set_host_backend(NULL);
    return rc;
}
