/* The APIC part of the VMCS dump (vcpu_dump.c) for a hand-made vCPU against a fake VMCS.  It is
 * part of the VMCS dump, whose lines all start with "vmcs: " (vmm/vmcs_dump.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_vmcs.h"
#include "text_sink.h"
#include "vlapic/pi_desc.h"
#include "vlapic/vapic_page.h"
#include "vmm/vcpu_dump.h"
#include "vmx/vmcs_defs.h"

static struct vapic_page page;
static struct pi_desc pi;
static struct vcpu v;
static struct fake_vmcs vmcs;
static struct vmcs_reader reader;
static struct text out;

static int setup(void **state)
{
    (void)state;
    memset(&v, 0, sizeof(v));
    v.state = VCPU_RUNNING;
    memset(&vmcs, 0, sizeof(vmcs));
    reader = fake_vmcs_reader(&vmcs);
    text_clear(&out);

    assert_true(vapic_page_seed(&page, 0x25, LAPIC_MODE_X2APIC));
    vapic_write(&page, APIC_SVR, 0x1ff);
    vapic_vector_set(&page, APIC_IRR, 49);
    vapic_vector_set(&page, APIC_IRR, 48);
    vapic_vector_set(&page, APIC_ISR, 32);

    v.id = 2;
    v.apic_id = 0x25;
    v.apic_base = 0xfee00c00; /* base 0xFEE00000, EN (11), EXTD (10), not BSP */
    vlapic_init(&v.vlapic, &page, 0x25, LAPIC_MODE_X2APIC);
    v.vlapic.timer_deadline = 123456;
    v.vlapic.timer_period = 1000;

    pi_desc_init(&pi, 0xf2, 3, true);
    assert_true(pi_post(&pi, 0x41));  /* vector 65: ON 0 -> 1 */
    assert_false(pi_post(&pi, 0x80)); /* vector 128: ON already set */
    v.pi_desc = &pi;

    fake_vmcs_set(&vmcs, SECONDARY_VM_EXEC_CONTROL, CPU2_VIRTUALIZE_X2APIC_MODE);
    fake_vmcs_set(&vmcs, VIRTUAL_APIC_PAGE_ADDR, 0x7f123000);
    fake_vmcs_set(&vmcs, APIC_ACCESS_ADDR, 0x7f200000);
    fake_vmcs_set(&vmcs, GUEST_INTR_STATUS, 0x2031); /* SVI 0x20, RVI 0x31 */
    fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP0, 1ull << 48);
    fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP1, 0);
    fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP2, 1ull << 1); /* vector 129 */
    fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP3, 1ull << 63); /* vector 255 */
    fake_vmcs_set(&vmcs, POSTED_INTR_DESC_ADDR, 0x7f300040);
    fake_vmcs_set(&vmcs, POSTED_INTR_NOTIFICATION_VECTOR, 0xf2);
    return 0;
}

static void dump(void)
{
    text_clear(&out);
    vcpu_apic_dump(&v, &reader, NULL, text_sink, &out);
}

/* The dump has a line that is "vmcs:" followed by spaces and then line. */
static void has_line(const char *line)
{
    const char *p = out.buf;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, "vmcs:", 5) == 0) {
            size_t i = 5;
            while (i < n && p[i] == ' ')
                i++;
            if (n - i == strlen(line) && memcmp(p + i, line, n - i) == 0)
                return;
        }
        if (!end)
            break;
        p = end + 1;
    }
    fail_msg("no line \"vmcs: ... %s\" in:\n%s", line, out.buf);
}

static void every_line_is_a_vmcs_dump_line(void)
{
    size_t col = 0;
    const char *line = out.buf;
    assert_true(out.len > 0);
    assert_int_equal(out.buf[out.len - 1], '\n');
    for (size_t i = 0; i < out.len; i++) {
        if (col == 0 && strncmp(out.buf + i, "vmcs: ", 6) != 0)
            fail_msg("line without the \"vmcs: \" prefix: %.60s", out.buf + i);
        col = out.buf[i] == '\n' ? 0 : col + 1;
        if (col > 100)
            fail_msg("line longer than 100 columns: %.120s", line);
        if (out.buf[i] == '\n')
            line = out.buf + i + 1;
    }
}

static void x2apic_vcpu(void **state)
{
    (void)state;
    dump();
    has_line("--- APIC virtualization (vcpu 2, APIC ID 37) ---");
    has_line("vCPU state running, latched events 0x0, NMI pending no");
    has_line("LAPIC mode x2APIC, IA32_APIC_BASE 0xfee00c00");
    has_line("virtual-APIC page 0x7f123000, APIC-access page 0x7f200000 (not in use)");
    has_line("RVI 49 SVI 32");
    has_line("EOI-exit: 255 129 48");
    has_line("vAPIC (x2APIC) ID 0x00000025 VERSION 0x00050014 LDR 0x00020020 DFR 0x00000000");
    has_line("IRR: 49 48");
    has_line("ISR: 32");
    has_line("TMR: -");
    has_line("emulated timer: deadline TSC 123456, period 1000, IA32_TSC_DEADLINE 0");
    has_line("posted-interrupt descriptor at 0x7f300040, notification vector 0xf2");
    has_line("PI desc ON 1 SN 0 NV 242 NDST 0x00000003");
    has_line("PIR: 128 65");
    every_line_is_a_vmcs_dump_line();
}

static void xapic_vcpu_with_apic_access_page(void **state)
{
    (void)state;
    assert_true(vapic_page_seed(&page, 1, LAPIC_MODE_XAPIC));
    vapic_vector_set(&page, APIC_IRR, 0xef);
    v.id = 1;
    v.apic_id = 1;
    v.apic_base = 0xfee00900; /* EN, BSP */
    vlapic_init(&v.vlapic, &page, 1, LAPIC_MODE_XAPIC);
    v.vlapic.tsc_deadline = 99;
    pi_desc_init(&pi, 0xf2, 1, false); /* xAPIC NDST: ID in bits 15:8 */
    fake_vmcs_set(&vmcs, SECONDARY_VM_EXEC_CONTROL, CPU2_VIRTUALIZE_APIC_ACCESSES);
    vmcs.fail_enc = GUEST_INTR_STATUS; /* an unreadable field shows as 0 */
    v.state = VCPU_WAIT_SIPI;
    v.events = VCPU_EV_INIT | VCPU_EV_SIPI;
    v.nmi_pending = true;
    dump();
    has_line("--- APIC virtualization (vcpu 1, APIC ID 1) ---");
    has_line("vCPU state wait-for-SIPI (parked in root operation), latched events 0x3, NMI pending yes");
    has_line("LAPIC mode xAPIC, IA32_APIC_BASE 0xfee00900");
    has_line("virtual-APIC page 0x7f123000, APIC-access page 0x7f200000 (in use)");
    has_line("RVI 0 SVI 0");
    has_line("vAPIC (xAPIC) ID 0x01000000 VERSION 0x00050014 LDR 0x00000000 DFR 0xffffffff");
    has_line("IRR: 239");
    has_line("emulated timer: deadline TSC 0, period 0, IA32_TSC_DEADLINE 99");
    has_line("PI desc ON 0 SN 0 NV 242 NDST 0x00000100");
    has_line("PIR: -");
    every_line_is_a_vmcs_dump_line();
}

static void full_vector_lists_fit(void **state)
{
    (void)state;
    for (unsigned vec = 16; vec < 256; vec++) {
        vapic_vector_set(&page, APIC_IRR, (uint8_t)vec);
        pi_post(&pi, (uint8_t)vec);
    }
    for (unsigned i = 0; i < 4; i++)
        fake_vmcs_set(&vmcs, EOI_EXIT_BITMAP0 + 2 * i, ~0ull);
    dump();
    every_line_is_a_vmcs_dump_line();
    assert_non_null(strstr(out.buf, "IRR: 255 254 253"));
    assert_non_null(strstr(out.buf, " 17 16\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(x2apic_vcpu, setup),
        cmocka_unit_test_setup(xapic_vcpu_with_apic_access_page, setup),
        cmocka_unit_test_setup(full_vector_lists_fit, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
