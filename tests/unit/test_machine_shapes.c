/* Real-machine shapes: the APIC IDs of a machine are not 0..N-1.  SMT off leaves every other ID
 * (0, 2, 4, 6); two packages start the second one at a power of two (0, 1, 16, 17); a big x2APIC
 * machine has IDs above 255.  vCPU i has the APIC ID of CPU i (docs/design.md), so routing, the
 * posted-interrupt descriptor, the virtual-APIC page and CPUID must all carry the real ID and
 * never the index.  Expected values are written here from the SDM: 11.6.2 "Determining IPI
 * Destination", 11.12.10 "x2APIC Logical Destination Mode" (LDR = ID[19:4] << 16 | 1 << ID[3:0]),
 * 29.6 "Posted-Interrupt Processing" (NDST), 11.4.6 "Local APIC ID" and CPUID leaves 01H/0BH/1FH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vlapic/dest.h"
#include "vlapic/ldr.h"
#include "vlapic/pi_desc.h"
#include "vlapic/vapic_page.h"
#include "vmm/cpuid_policy.h"

#define NV 4u /* vCPUs per shape */
#define ALL ((1ull << NV) - 1)
#define FLAT 0xffffffffu
#define CLUSTER 0x0fffffffu

struct shape {
    const char *name;
    uint32_t id[NV];
    bool xapic_ok; /* every ID fits an xAPIC (below 0xFF) */
};

static const struct shape shapes[] = {
    { "SMT off", { 0, 2, 4, 6 }, true },
    { "two packages", { 0, 1, 16, 17 }, true },
    { "x2APIC IDs above 255", { 0, 255, 256, 0x111 }, false },
    { "BSP not lowest", { 17, 16, 1, 0 }, true },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* IDs no vCPU has, next to the ones the shapes use: a match on one is a truncation or an index. */
static const uint32_t absent_ids[] = { 1, 2, 3, 5, 7, 8, 18, 32, 0xff, 0x110, 0x10000, 0xfffe };

static bool has_id(const struct shape *s, uint32_t id)
{
    for (unsigned i = 0; i < NV; i++)
        if (s->id[i] == id)
            return true;
    return false;
}

static struct icr_fields ipi(uint32_t dest, bool logical, enum apic_shorthand sh, bool x2apic)
{
    return (struct icr_fields){ .vector = 0x41, .delivery = APIC_DM_FIXED, .logical = logical,
                                .level_assert = true, .shorthand = sh, .dest = dest, .x2apic = x2apic };
}

static uint64_t route(const struct apic_target *t, unsigned source, struct icr_fields f)
{
    return apic_ipi_targets(t, NV, source, &f);
}

/* x2APIC mode: the LDR is derived from the ID (ldr.c), as the virtual-APIC page is seeded. */
static void x2apic_targets(const struct shape *s, struct apic_target t[NV])
{
    for (unsigned i = 0; i < NV; i++)
        t[i] = (struct apic_target){ s->id[i], LAPIC_MODE_X2APIC, x2apic_ldr_from_id(s->id[i]), 0 };
}

/* xAPIC flat: the guest writes the LDR; Linux gives logical ID 1 << CPU number (an index, since
 * an 8-bit mask cannot hold sparse IDs). */
static void xapic_flat_targets(const struct shape *s, struct apic_target t[NV])
{
    for (unsigned i = 0; i < NV; i++)
        t[i] = (struct apic_target){ s->id[i], LAPIC_MODE_XAPIC, (1u << i) << APIC_XAPIC_ID_SHIFT, FLAT };
}

/* xAPIC cluster: the LDR from the ID as the x2APIC derivation does it, squeezed into the xAPIC
 * format (cluster in 31:28, one of four members in 27:24): cluster ID[5:2], member 1 << ID[1:0]. */
static uint32_t xapic_cluster_logical(uint32_t id)
{
    return ((id >> 2) & 0xfu) << 4 | 1u << (id & 3u);
}

static void xapic_cluster_targets(const struct shape *s, struct apic_target t[NV])
{
    for (unsigned i = 0; i < NV; i++)
        t[i] = (struct apic_target){ s->id[i], LAPIC_MODE_XAPIC, xapic_cluster_logical(s->id[i]) << 24, CLUSTER };
}

/* Physical destination: each ID reaches exactly its own vCPU, from every source; absent IDs
 * reach nobody. */
static void check_physical(const struct shape *s, const struct apic_target *t, bool x2apic)
{
    for (unsigned src = 0; src < NV; src++) {
        for (unsigned i = 0; i < NV; i++)
            if (route(t, src, ipi(s->id[i], false, APIC_SH_NONE, x2apic)) != 1ull << i)
                fail_msg("%s: physical ID %u from vCPU %u: 0x%llx, want vCPU %u", s->name, s->id[i], src,
                         (unsigned long long)route(t, src, ipi(s->id[i], false, APIC_SH_NONE, x2apic)), i);
        for (unsigned k = 0; k < sizeof(absent_ids) / sizeof(absent_ids[0]); k++) {
            uint32_t d = x2apic ? absent_ids[k] : absent_ids[k] & 0xffu;
            if (!has_id(s, d) && (x2apic || d != 0xff) && route(t, src, ipi(d, false, APIC_SH_NONE, x2apic)) != 0)
                fail_msg("%s: absent ID 0x%x reached vCPUs 0x%llx", s->name, d,
                         (unsigned long long)route(t, src, ipi(d, false, APIC_SH_NONE, x2apic)));
        }
    }
}

/* Shorthands and broadcast name vCPU indexes, whatever the IDs. */
static void check_shorthands(const struct shape *s, const struct apic_target *t, bool x2apic)
{
    uint32_t bcast = x2apic ? 0xffffffffu : 0xffu;
    for (unsigned src = 0; src < NV; src++) {
        uint64_t self = 1ull << src;
        assert_int_equal(route(t, src, ipi(0, false, APIC_SH_SELF, x2apic)), self);
        assert_int_equal(route(t, src, ipi(0, false, APIC_SH_ALL_INCLUDING_SELF, x2apic)), ALL);
        assert_int_equal(route(t, src, ipi(s->id[src], false, APIC_SH_ALL_EXCLUDING_SELF, x2apic)), ALL & ~self);
        assert_int_equal(route(t, src, ipi(bcast, false, APIC_SH_NONE, x2apic)), ALL);
        assert_int_equal(route(t, src, ipi(bcast, true, APIC_SH_NONE, x2apic)), ALL);
    }
    /* the sender is not a vCPU (an MSI): all excluding self is everyone */
    assert_int_equal(route(t, NV, ipi(0, false, APIC_SH_ALL_EXCLUDING_SELF, x2apic)), ALL);
}

static void routing_x2apic(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NSHAPES; k++) {
        const struct shape *s = &shapes[k];
        struct apic_target t[NV];
        x2apic_targets(s, t);
        check_physical(s, t, true);
        check_shorthands(s, t, true);
    }
}

static void routing_xapic_physical_and_shorthands(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NSHAPES; k++) {
        const struct shape *s = &shapes[k];
        if (!s->xapic_ok)
            continue;
        struct apic_target t[NV];
        xapic_flat_targets(s, t);
        check_physical(s, t, false);
        check_shorthands(s, t, false);
    }
}

/* x2APIC cluster: each vCPU alone by its own LDR, then every pair sharing a cluster at once. */
static void x2apic_cluster_each_and_pairs(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NSHAPES; k++) {
        const struct shape *s = &shapes[k];
        struct apic_target t[NV];
        x2apic_targets(s, t);
        for (unsigned i = 0; i < NV; i++) {
            assert_int_equal(route(t, 0, ipi(t[i].ldr, true, APIC_SH_NONE, true)), 1ull << i);
            for (unsigned j = 0; j < NV; j++) {
                if (j == i || t[j].ldr >> 16 != t[i].ldr >> 16)
                    continue;
                uint32_t both = t[i].ldr | (t[j].ldr & 0xffffu);
                assert_int_equal(route(t, 0, ipi(both, true, APIC_SH_NONE, true)), 1ull << i | 1ull << j);
            }
        }
    }
}

/* The clusters the SDM's derivation gives these shapes, written out. */
static void x2apic_cluster_by_hand(void **state)
{
    (void)state;
    struct apic_target t[NV];
    x2apic_targets(&shapes[0], t); /* 0, 2, 4, 6: cluster 0, bits 0, 2, 4, 6 */
    assert_int_equal(t[3].ldr, 0x00000040);
    assert_int_equal(route(t, 0, ipi(0x00000014, true, APIC_SH_NONE, true)), 0x6);
    assert_int_equal(route(t, 0, ipi(0x00000055, true, APIC_SH_NONE, true)), 0xf);
    assert_int_equal(route(t, 0, ipi(0x000000aa, true, APIC_SH_NONE, true)), 0); /* odd bits: SMT siblings off */
    x2apic_targets(&shapes[1], t); /* 0, 1, 16, 17: clusters 0 and 1 */
    assert_int_equal(t[2].ldr, 0x00010001);
    assert_int_equal(route(t, 0, ipi(0x00010003, true, APIC_SH_NONE, true)), 0xc);
    assert_int_equal(route(t, 0, ipi(0x00000003, true, APIC_SH_NONE, true)), 0x3);
    assert_int_equal(route(t, 0, ipi(0x00020003, true, APIC_SH_NONE, true)), 0);
    x2apic_targets(&shapes[2], t); /* 0, 255, 256, 0x111: clusters 0, 0xF, 0x10, 0x11 */
    assert_int_equal(t[1].ldr, 0x000f8000);
    assert_int_equal(t[2].ldr, 0x00100001);
    assert_int_equal(t[3].ldr, 0x00110002);
    assert_int_equal(route(t, 0, ipi(0x00100001, true, APIC_SH_NONE, true)), 0x4);
    assert_int_equal(route(t, 0, ipi(0x00000001, true, APIC_SH_NONE, true)), 0x1); /* not ID 256 */
    assert_int_equal(route(t, 0, ipi(0x00110001, true, APIC_SH_NONE, true)), 0);
    /* lowest priority picks the lowest-numbered vCPU among the matches (dest.h) */
    struct icr_fields lp = ipi(0x00000014, true, APIC_SH_NONE, true);
    lp.delivery = APIC_DM_LOWEST;
    x2apic_targets(&shapes[0], t);
    assert_int_equal(apic_ipi_targets(t, NV, 0, &lp), 0x2);
}

static void xapic_logical_flat(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NSHAPES; k++) {
        const struct shape *s = &shapes[k];
        if (!s->xapic_ok)
            continue;
        struct apic_target t[NV];
        xapic_flat_targets(s, t);
        for (unsigned i = 0; i < NV; i++)
            assert_int_equal(route(t, 0, ipi(1u << i, true, APIC_SH_NONE, false)), 1ull << i);
        assert_int_equal(route(t, 0, ipi(0x05, true, APIC_SH_NONE, false)), 0x5);
        assert_int_equal(route(t, 0, ipi(0xf0, true, APIC_SH_NONE, false)), 0);
    }
}

static void xapic_logical_cluster(void **state)
{
    (void)state;
    struct apic_target t[NV];
    xapic_cluster_targets(&shapes[0], t); /* 0, 2, 4, 6: clusters 0, 0, 1, 1; members 1, 4, 1, 4 */
    assert_int_equal(t[3].ldr, 0x14000000);
    assert_int_equal(route(t, 0, ipi(0x05, true, APIC_SH_NONE, false)), 0x3);
    assert_int_equal(route(t, 0, ipi(0x14, true, APIC_SH_NONE, false)), 0x8);
    assert_int_equal(route(t, 0, ipi(0x12, true, APIC_SH_NONE, false)), 0);
    xapic_cluster_targets(&shapes[1], t); /* 0, 1, 16, 17: clusters 0, 0, 4, 4; members 1, 2, 1, 2 */
    assert_int_equal(t[2].ldr, 0x41000000);
    assert_int_equal(route(t, 0, ipi(0x43, true, APIC_SH_NONE, false)), 0xc);
    assert_int_equal(route(t, 0, ipi(0x02, true, APIC_SH_NONE, false)), 0x2);
    assert_int_equal(route(t, 0, ipi(0x13, true, APIC_SH_NONE, false)), 0);
    assert_int_equal(route(t, 0, ipi(0xff, true, APIC_SH_NONE, false)), ALL);
    for (unsigned k = 0; k < NSHAPES; k++) {
        if (!shapes[k].xapic_ok)
            continue;
        xapic_cluster_targets(&shapes[k], t);
        for (unsigned i = 0; i < NV; i++)
            assert_int_equal(route(t, 0, ipi(t[i].ldr >> 24, true, APIC_SH_NONE, false)), 1ull << i);
    }
}

/* The NDST field (descriptor bits 319:288) read straight from the bytes. */
static uint32_t ndst_bits(const struct pi_desc *d)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)d + 36, 4);
    return v;
}

static void pi_ndst_for_sparse_ids(void **state)
{
    (void)state;
    static struct pi_desc d;
    for (unsigned k = 0; k < NSHAPES; k++) {
        for (unsigned i = 0; i < NV; i++) {
            uint32_t id = shapes[k].id[i];
            pi_desc_init(&d, 0xf2, id, true); /* host x2APIC: all 32 bits */
            assert_int_equal(ndst_bits(&d), id);
            if (!shapes[k].xapic_ok)
                continue;
            pi_desc_init(&d, 0xf2, id, false); /* host xAPIC: the ID in bits 15:8, the rest 0 */
            assert_int_equal(ndst_bits(&d), id << 8);
            assert_int_equal(ndst_bits(&d) & 0xffff00ffu, 0);
        }
    }
    pi_desc_init(&d, 0xf2, 0x12345678, true);
    assert_int_equal(ndst_bits(&d), 0x12345678);
}

/* Moving a vCPU's notifications to another CPU rewrites NDST only: PIR, ON, SN and NV stay. */
static void pi_set_ndst_keeps_the_rest(void **state)
{
    (void)state;
    static struct pi_desc d;
    pi_desc_init(&d, 0xf2, 0, false);
    assert_true(pi_post(&d, 0x41));
    pi_set_sn(&d);
    uint64_t pir1 = d.pir[1];
    pi_set_ndst(&d, 17, false);
    assert_int_equal(ndst_bits(&d), 0x1100);
    pi_set_ndst(&d, 0x100, true);
    assert_int_equal(ndst_bits(&d), 0x100);
    pi_set_ndst(&d, 0xfffffffe, true);
    assert_int_equal(ndst_bits(&d), 0xfffffffe);
    uint64_t c = pi_control(&d);
    assert_true(c & PI_CONTROL_ON);
    assert_true(c & PI_CONTROL_SN);
    assert_int_equal((c & PI_CONTROL_NV_MASK) >> PI_CONTROL_NV_SHIFT, 0xf2);
    assert_int_equal(d.pir[1], pir1);
    assert_int_equal(d.pir[1], 1ull << (0x41 - 64));
}

static uint32_t page_reg(const struct vapic_page *p, unsigned offset)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)p + offset, 4);
    return v;
}

static void vapic_seed_refuses_wide_ids_in_xapic_mode(void **state)
{
    (void)state;
    static struct vapic_page page, before;
    static const uint32_t wide[] = { 0xff, 0x100, 0x111, 0x10000, 0xffffffff };
    for (unsigned k = 0; k < sizeof(wide) / sizeof(wide[0]); k++) {
        memset(&page, 0x5a, sizeof(page));
        before = page;
        assert_false(vapic_page_seed(&page, wide[k], LAPIC_MODE_XAPIC));
        assert_false(vapic_page_seed(&page, wide[k], LAPIC_MODE_DISABLED));
        assert_memory_equal(&page, &before, sizeof(page)); /* untouched */
    }
    assert_true(vapic_page_seed(&page, 0xfe, LAPIC_MODE_XAPIC));
    assert_int_equal(page_reg(&page, APIC_ID), 0xfe000000);
}

static void vapic_seed_takes_sparse_and_wide_ids_in_x2apic_mode(void **state)
{
    (void)state;
    static struct vapic_page page;
    for (unsigned k = 0; k < NSHAPES; k++) {
        for (unsigned i = 0; i < NV; i++) {
            uint32_t id = shapes[k].id[i];
            assert_true(vapic_page_seed(&page, id, LAPIC_MODE_X2APIC));
            assert_int_equal(page_reg(&page, APIC_ID), id);
            uint32_t ldr = ((id >> 4) & 0xffffu) << 16 | 1u << (id & 0xfu);
            assert_int_equal(page_reg(&page, APIC_LDR), ldr);
            if (!shapes[k].xapic_ok)
                continue;
            assert_true(vapic_page_seed(&page, id, LAPIC_MODE_XAPIC));
            assert_int_equal(page_reg(&page, APIC_ID), id << 24);
        }
    }
    assert_true(vapic_page_seed(&page, 0x10000, LAPIC_MODE_X2APIC));
    assert_int_equal(page_reg(&page, APIC_ID), 0x10000);
    assert_int_equal(page_reg(&page, APIC_LDR), 0x10000001);
    /* a wide ID cannot go back to xAPIC: the switch is refused and the page kept */
    static struct vapic_page before;
    before = page;
    assert_false(vapic_page_switch_mode(&page, 0x10000, LAPIC_MODE_XAPIC));
    assert_memory_equal(&page, &before, sizeof(page));
    /* an xAPIC vCPU with ID 17 that switches to x2APIC keeps 17, with its derived LDR */
    assert_true(vapic_page_seed(&page, 17, LAPIC_MODE_XAPIC));
    assert_true(vapic_page_switch_mode(&page, 17, LAPIC_MODE_X2APIC));
    assert_int_equal(page_reg(&page, APIC_ID), 17);
    assert_int_equal(page_reg(&page, APIC_LDR), 0x00010002);
}

/* A host that answers every bit set, so what the view writes stands out. */
static struct cpuid_regs guest_cpuid(uint32_t apic_id, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_view v = { .apic_id = apic_id, .nvcpus = NV, .host_max_basic = 0x1f,
                            .host_max_ext = 0x80000008u, .apic_enabled = true, .x2apic = true };
    struct cpuid_regs r = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
    if (leaf == 0)
        r.eax = 0x1f;
    cpuid_guest_view(&v, leaf, subleaf, &r);
    return r;
}

static void cpuid_reports_each_vcpus_own_id(void **state)
{
    (void)state;
    for (unsigned k = 0; k < NSHAPES; k++) {
        for (unsigned i = 0; i < NV; i++) {
            uint32_t id = shapes[k].id[i];
            struct cpuid_regs r = guest_cpuid(id, 1, 0);
            /* 01H EBX[31:24]: the 8-bit initial APIC ID (its low 8 bits for a wider x2APIC ID) */
            assert_int_equal(r.ebx >> 24, id & 0xffu);
            assert_int_equal(r.ebx & 0xffffu, 0xffffu); /* brand index, CLFLUSH size: the host's */
            for (uint32_t sub = 0; sub < 3; sub++) {
                assert_int_equal(guest_cpuid(id, 0xb, sub).edx, id); /* the whole x2APIC ID */
                assert_int_equal(guest_cpuid(id, 0x1f, sub).edx, id);
            }
        }
    }
    assert_int_equal(guest_cpuid(0x10000, 0xb, 0).edx, 0x10000);
    assert_int_equal(guest_cpuid(0x10000, 1, 0).ebx >> 24, 0);
}

/* CPUID.1:EBX[23:16] must cover the highest APIC ID of the package, not count the vCPUs: with
 * IDs 0,2,4,6 a count of 4 would leave 4 and 6 outside (SDM CPUID leaf 01H; Linux derives the
 * package from ID >> log2(this value) when leaf 0BH is absent). */
static void leaf1_addressable_ids_cover_sparse_ids(void **state)
{
    (void)state;
    static const uint32_t dense[] = { 0, 1, 2, 3 }, smt_off[] = { 0, 2, 4, 6 }, packages[] = { 0, 1, 16, 17 };
    static const uint32_t one[] = { 0 }, wide[] = { 0, 255, 256, 0x111 };
    assert_int_equal(cpuid_id_space(dense, 4), 4);
    assert_int_equal(cpuid_id_space(smt_off, 4), 8);
    assert_int_equal(cpuid_id_space(packages, 4), 32);
    assert_int_equal(cpuid_id_space(one, 1), 1);
    assert_int_equal(cpuid_id_space(wide, 4), 255); /* the field has 8 bits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leaf1_addressable_ids_cover_sparse_ids),
        cmocka_unit_test(routing_x2apic),
        cmocka_unit_test(routing_xapic_physical_and_shorthands),
        cmocka_unit_test(x2apic_cluster_each_and_pairs),
        cmocka_unit_test(x2apic_cluster_by_hand),
        cmocka_unit_test(xapic_logical_flat),
        cmocka_unit_test(xapic_logical_cluster),
        cmocka_unit_test(pi_ndst_for_sparse_ids),
        cmocka_unit_test(pi_set_ndst_keeps_the_rest),
        cmocka_unit_test(vapic_seed_refuses_wide_ids_in_xapic_mode),
        cmocka_unit_test(vapic_seed_takes_sparse_and_wide_ids_in_x2apic_mode),
        cmocka_unit_test(cpuid_reports_each_vcpus_own_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
