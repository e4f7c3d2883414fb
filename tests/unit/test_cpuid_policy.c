/* The guest's CPUID view.  Bit positions are from the SDM's CPUID description (leaf 01H:
 * EBX[31:24] initial APIC ID, EBX[23:16] addressable logical processor IDs, ECX[3] MONITOR,
 * ECX[5] VMX, ECX[21] x2APIC, ECX[24] TSC-deadline, ECX[26] XSAVE, ECX[27] OSXSAVE, ECX[31]
 * reserved for hypervisor use; EDX[9] APIC; leaves 0BH/1FH: EDX = x2APIC ID), and the apicvisor
 * signature from include/apicvisor/hypercall.h ("ApicvisorVMM" in EBX:ECX:EDX of 40000000H). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cpuid_policy.h"

#define BIT(n) (1u << (n))

static struct cpuid_regs ask(const struct cpuid_view *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs host)
{
    cpuid_guest_view(v, leaf, subleaf, &host);
    return host;
}

static const struct cpuid_regs ones = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
static const struct cpuid_regs zeros = { 0, 0, 0, 0 };

static void leaf1_apic_id_and_count_in_ebx(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 3, .nvcpus = 4 };
    struct cpuid_regs host = { 0x000906ea, 0x12345678, 0, 0 };
    struct cpuid_regs r = ask(&v, 1, 0, host);
    /* APIC ID 3 in [31:24], 4 in [23:16], the host's brand index / CLFLUSH size [15:0] kept */
    assert_int_equal(r.ebx, 0x03045678);
    assert_int_equal(r.eax, 0x000906ea); /* family/model/stepping untouched */
    v = (struct cpuid_view){ .apic_id = 0xab, .nvcpus = 1 };
    r = ask(&v, 1, 0, ones);
    assert_int_equal(r.ebx, 0xab01ffffu);
}

static void leaf1_hides_vmx_xsave_osxsave_monitor_and_sets_hypervisor(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0, .nvcpus = 1, .x2apic = true, .tsc_deadline = true };
    struct cpuid_regs r = ask(&v, 1, 0, ones);
    uint32_t cleared = BIT(3) | BIT(5) | BIT(26) | BIT(27);
    assert_int_equal(r.ecx, 0xffffffffu & ~cleared);
    assert_int_equal(r.edx, 0xffffffffu);
    assert_int_equal(r.eax, 0xffffffffu);

    r = ask(&v, 1, 0, zeros);
    /* hypervisor present, x2APIC and TSC-deadline offered by the view; APIC in EDX[9], and HTT
     * in EDX[28] so that the count in EBX[23:16] is valid */
    assert_int_equal(r.ecx, BIT(31) | BIT(21) | BIT(24));
    assert_int_equal(r.edx, BIT(9) | BIT(28));
}

static void leaf1_x2apic_and_tsc_deadline_follow_the_view(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 1, .nvcpus = 2, .x2apic = false, .tsc_deadline = false };
    struct cpuid_regs r = ask(&v, 1, 0, ones);
    assert_false(r.ecx & BIT(21));
    assert_false(r.ecx & BIT(24));
    assert_true(r.ecx & BIT(31));
    v.x2apic = true;
    r = ask(&v, 1, 0, ones);
    assert_true(r.ecx & BIT(21));
    assert_false(r.ecx & BIT(24));
    v.x2apic = false;
    v.tsc_deadline = true;
    r = ask(&v, 1, 0, zeros);
    assert_false(r.ecx & BIT(21));
    assert_true(r.ecx & BIT(24));
}

static void leaf1_other_ecx_bits_are_kept(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0, .nvcpus = 1 };
    /* SSE3 (0), PCLMULQDQ (1), SSSE3 (9), SSE4.1 (19), SSE4.2 (20), POPCNT (23), AES (25), AVX (28) */
    uint32_t kept = BIT(0) | BIT(1) | BIT(9) | BIT(19) | BIT(20) | BIT(23) | BIT(25) | BIT(28);
    struct cpuid_regs host = { 0, 0, kept | BIT(5) | BIT(27), 0x178bfbff };
    struct cpuid_regs r = ask(&v, 1, 0, host);
    assert_int_equal(r.ecx, kept | BIT(31));
    assert_int_equal(r.edx, 0x178bfbff); /* APIC (bit 9) already set there */
}

static void topology_leaves_report_the_x2apic_id_in_edx(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0x105, .nvcpus = 8 };
    struct cpuid_regs host = { 0x11, 0x22, 0x133, 0x7 };
    for (uint32_t sub = 0; sub < 3; sub++) {
        struct cpuid_regs r = ask(&v, 0xb, sub, host);
        assert_int_equal(r.edx, 0x105);
        assert_int_equal(r.eax, 0x11);
        assert_int_equal(r.ebx, 0x22);
        assert_int_equal(r.ecx, 0x133);
        r = ask(&v, 0x1f, sub, host);
        assert_int_equal(r.edx, 0x105);
        assert_int_equal(r.eax, 0x11);
    }
}

static void leaf_0xd_is_all_zero(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0, .nvcpus = 1 };
    for (uint32_t sub = 0; sub < 4; sub++) {
        struct cpuid_regs r = ask(&v, 0xd, sub, ones);
        assert_int_equal(r.eax, 0);
        assert_int_equal(r.ebx, 0);
        assert_int_equal(r.ecx, 0);
        assert_int_equal(r.edx, 0);
    }
}

static void signature_leaf_spells_apicvisorvmm(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0, .nvcpus = 1 };
    struct cpuid_regs r = ask(&v, 0x40000000u, 0, zeros);
    /* little-endian register bytes, EBX then ECX then EDX */
    uint8_t sig[12];
    for (int i = 0; i < 4; i++) {
        sig[i] = (uint8_t)(r.ebx >> (8 * i));
        sig[4 + i] = (uint8_t)(r.ecx >> (8 * i));
        sig[8 + i] = (uint8_t)(r.edx >> (8 * i));
    }
    assert_memory_equal(sig, "ApicvisorVMM", 12);
    /* by hand: 'A' 0x41 'p' 0x70 'i' 0x69 'c' 0x63 */
    assert_int_equal(r.ebx, 0x63697041);
    /* EAX: the highest hypervisor leaf; no leaf above the base carries information */
    assert_int_equal(r.eax, 0x40000000u);
    struct cpuid_regs again = ask(&v, 0x40000000u, 0, ones); /* whatever the host said */
    assert_memory_equal(&again, &r, sizeof(r));
}

static void hypervisor_leaves_above_the_base_are_zero(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 0, .nvcpus = 1 };
    static const uint32_t leaves[] = { 0x40000001u, 0x40000010u, 0x40000080u, 0x400000ffu };
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        struct cpuid_regs r = ask(&v, leaves[i], 0, ones);
        assert_memory_equal(&r, &zeros, sizeof(r));
    }
}

static void unrelated_leaves_are_untouched(void **state)
{
    (void)state;
    struct cpuid_view v = { .apic_id = 7, .nvcpus = 8, .x2apic = true, .tsc_deadline = true };
    static const uint32_t leaves[] = { 0, 2, 4, 6, 7, 0xa, 0x16, 0x3fffffffu, 0x40000100u, 0x80000000u,
                                       0x80000001u, 0x80000008u };
    struct cpuid_regs host = { 0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98 };
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        struct cpuid_regs r = ask(&v, leaves[i], 0, host);
        assert_memory_equal(&r, &host, sizeof(r));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leaf1_apic_id_and_count_in_ebx),
        cmocka_unit_test(leaf1_hides_vmx_xsave_osxsave_monitor_and_sets_hypervisor),
        cmocka_unit_test(leaf1_x2apic_and_tsc_deadline_follow_the_view),
        cmocka_unit_test(leaf1_other_ecx_bits_are_kept),
        cmocka_unit_test(topology_leaves_report_the_x2apic_id_in_edx),
        cmocka_unit_test(leaf_0xd_is_all_zero),
        cmocka_unit_test(signature_leaf_spells_apicvisorvmm),
        cmocka_unit_test(hypervisor_leaves_above_the_base_are_zero),
        cmocka_unit_test(unrelated_leaves_are_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
