/* Register-level cases: mode, ID, version, SVR, LDR, ESR, checked on every CPU. */
#include "guest/fault.h"
#include "guest/hypercall.h"
#include "guest/lapic.h"
#include "guest/options.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/x86.h"
#include "lib/console.h"

static unsigned me(void)
{
    return this_cpu()->index;
}

static void check_mode(void *unused)
{
    (void)unused;
    CHECK(lapic_mode_confirmed(), "cpu %u: IA32_APIC_BASE 0x%lx does not have the EN/EXTD bits of %s mode", me(),
          rdmsr(MSR_APIC_BASE), lapic()->name);
}

/* Every CPU's IA32_APIC_BASE reads back the selected mode (SDM 11.12.1). */
void test_lapic_mode(void)
{
    smp_call_all(check_mode, 0);
}

static uint32_t ids_seen[GUEST_MAX_CPUS];

/* In xAPIC mode the ID register holds 8 bits, which CPUID reports as the initial APIC ID and as the
 * low byte of the x2APIC ID (SDM 11.4.6); in x2APIC mode it is the full x2APIC ID (SDM 11.12.5.1). */
static void check_id(void *unused)
{
    (void)unused;
    uint32_t id = lapic()->id();
    struct cpuid_apic_ids ids = cpuid_apic_ids();
    bool x2 = lapic() == &lapic_x2apic_ops;
    ids_seen[me()] = id;
    CHECK((id & 0xff) == ids.initial, "cpu %u: %s ID %u but CPUID.1:EBX[31:24] says %u", me(), lapic()->name, id,
          ids.initial);
    if (ids.has_x2apic_id)
        CHECK(id == (x2 ? ids.x2apic_id : (ids.x2apic_id & 0xff)), "cpu %u: %s ID %u but CPUID.0xB:EDX says %u",
              me(), lapic()->name, id, ids.x2apic_id);
}

void test_apic_id(void)
{
    if (!smp_call_all(check_id, 0))
        return;
    for (unsigned i = 0; i < cpus_online; i++)
        for (unsigned j = i + 1; j < cpus_online; j++)
            CHECK(ids_seen[i] != ids_seen[j], "cpus %u and %u share APIC ID %u", i, j, ids_seen[i]);
    if (options.ncpus)
        CHECK(cpus_online == options.ncpus, "%u CPUs came up, ncpus=%u", cpus_online, options.ncpus);
    else
        kprintf("# apic-id: ncpus= not given, the CPU count is not checked\n");
}

static uint32_t versions[GUEST_MAX_CPUS];

static void read_version(void *unused)
{
    (void)unused;
    versions[me()] = lapic()->read(LAPIC_VERSION);
}

/* SDM 11.4.8: version 0x10-0x15 for an integrated APIC; bits 23:16 hold the highest LVT entry
 * (at least LINT0, LINT1, error, timer: 3); every CPU's LAPIC is the same part. */
void test_version(void)
{
    if (!smp_call_all(read_version, 0))
        return;
    uint32_t v = versions[0];
    kprintf("# version: register 0x%x (version 0x%x, max LVT entry %u)\n", v, v & 0xff, (v >> 16) & 0xff);
    CHECK((v & 0xff) >= 0x10 && (v & 0xff) <= 0x15, "version 0x%x is not an integrated APIC's", v & 0xff);
    CHECK(((v >> 16) & 0xff) >= 3, "max LVT entry %u < 3", (v >> 16) & 0xff);
    for (unsigned i = 1; i < cpus_online; i++)
        CHECK(versions[i] == v, "cpu %u: version register 0x%x, cpu 0: 0x%x", i, versions[i], v);
}

/* SVR (SDM 11.9): the boot setup's software-enable bit and spurious vector read back, and bit 8
 * can be cleared and set again. */
static void check_svr(void *unused)
{
    (void)unused;
    const struct lapic_ops *l = lapic();
    uint32_t svr = l->read(LAPIC_SVR);
    CHECK((svr & 0x1ff) == (SVR_ENABLE | VECTOR_SPURIOUS), "cpu %u: SVR 0x%x, wrote 0x%x", me(), svr,
          SVR_ENABLE | VECTOR_SPURIOUS);
    l->write(LAPIC_SVR, VECTOR_SPURIOUS);
    uint32_t off = l->read(LAPIC_SVR);
    l->write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
    uint32_t on = l->read(LAPIC_SVR);
    CHECK(!(off & SVR_ENABLE) && (on & SVR_ENABLE), "cpu %u: SVR bit 8 reads 0x%x cleared, 0x%x set", me(), off, on);
}

void test_svr_software_enable(void)
{
    smp_call_all(check_svr, 0);
}

/* SDM 11.4.7.2: while the APIC is software-disabled every LVT mask bit reads 1 and cannot be
 * cleared; once enabled again it can. */
static void check_disabled_masks_lvt(void *unused)
{
    (void)unused;
    const struct lapic_ops *l = lapic();
    l->write(LAPIC_SVR, VECTOR_SPURIOUS);
    l->write(LAPIC_LVT_TIMER, VECTOR_TIMER);
    uint32_t disabled_lvt = l->read(LAPIC_LVT_TIMER);
    l->write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
    l->write(LAPIC_LVT_TIMER, VECTOR_TIMER);
    uint32_t enabled_lvt = l->read(LAPIC_LVT_TIMER);
    l->write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    CHECK(disabled_lvt & LVT_MASKED, "cpu %u: LVT timer unmasked (0x%x) while software-disabled", me(),
          disabled_lvt);
    CHECK(!(enabled_lvt & LVT_MASKED), "cpu %u: LVT timer stays masked (0x%x) after software enable", me(),
          enabled_lvt);
}

void test_svr_disabled_masks_lvt(void)
{
    if (under_qemu_tcg()) {
        test_skip("QEMU TCG stores LVT writes unchanged while software-disabled (seen: mask bit reads 0)");
        return;
    }
    smp_call_all(check_disabled_masks_lvt, 0);
}

static void check_ldr(void *unused)
{
    (void)unused;
    uint32_t want = x2apic_ldr_of(cpuid_apic_id());
    uint32_t ldr = lapic()->read(LAPIC_LDR);
    CHECK(ldr == want, "cpu %u: LDR 0x%x, SDM 11.12.10.2 gives 0x%x", me(), ldr, want);
    CHECK(RAISES(VECTOR_GP, lapic()->write(LAPIC_LDR, 0)), "cpu %u: writing the read-only x2APIC LDR did not #GP",
          me());
}

/* x2APIC LDR is read-only and derived from the x2APIC ID (SDM 11.12.10.2). */
void test_ldr_x2apic(void)
{
    if (lapic() != &lapic_x2apic_ops) {
        test_skip("xAPIC mode: the LDR is software-programmed there (see ipi-logical-*)");
        return;
    }
    smp_call_all(check_ldr, 0);
}

static void check_esr_clean(void *unused)
{
    (void)unused;
    uint32_t esr = lapic_read_esr();
    CHECK(esr == 0, "cpu %u: ESR 0x%x after legal traffic only", me(), esr);
}

/* SDM 11.5.3: with only legal LAPIC use so far, every CPU's ESR reads 0 (after the write that
 * latches it). */
void test_esr(void)
{
    smp_call_all(check_esr_clean, 0);
}

#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)

/* SDM 11.5.3: a fixed IPI with a vector below 16 is illegal: it is reported in ESR (bit 5
 * sending, bit 6 receiving) instead of being delivered. */
void test_esr_illegal_vector(void)
{
    if (under_qemu_tcg()) {
        test_skip("QEMU TCG delivers vectors below 16 and sets no ESR bit (seen: vector 3 arrived as #BP)");
        return;
    }
    lapic_read_esr();
    lapic_send_self(3);
    uint32_t esr = lapic_read_esr();
    CHECK(esr & (ESR_SEND_ILLEGAL_VECTOR | ESR_RECEIVE_ILLEGAL_VECTOR),
          "ESR 0x%x: the illegal vector 3 was not reported", esr);
    uint32_t cleared = lapic_read_esr();
    CHECK(cleared == 0, "ESR 0x%x after the write that should clear it", cleared);
}
