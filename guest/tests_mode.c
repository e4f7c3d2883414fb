/* LAPIC mode changes through IA32_APIC_BASE (SDM 11.12.5, Figure 11-27 "Local x2APIC State
 * Transitions") and their #GPs, checked with RAISES(). */
#include "guest/fault.h"
#include "guest/lapic.h"
#include "guest/options.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/x86.h"

#define APIC_BASE_RESERVED_BIT9 (1ull << 9)

static unsigned me(void)
{
    return this_cpu()->index;
}

/* Without x2APIC mode the x2APIC MSRs do not exist (SDM 11.12.1.2). */
void test_mode_x2apic_msr_in_xapic(void)
{
    if (lapic() != &lapic_xapic_ops) {
        test_skip("x2APIC mode: the MSRs are the LAPIC here");
        return;
    }
    CHECK(RAISES(VECTOR_GP, rdmsr(X2APIC_MSR(LAPIC_ID))), "reading the x2APIC ID MSR did not #GP");
    CHECK(RAISES(VECTOR_GP, wrmsr(X2APIC_MSR(LAPIC_TPR), 0)), "writing the x2APIC TPR MSR did not #GP");
}

/* EXTD is reserved without CPUID x2APIC support (SDM 11.12.1). */
void test_mode_extd_without_cpuid(void)
{
    if (cpu_has_x2apic()) {
        test_skip("CPUID.1:ECX[21] advertises x2APIC: EXTD is not reserved");
        return;
    }
    uint64_t base = rdmsr(MSR_APIC_BASE);
    CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD)), "setting EXTD did not #GP");
    CHECK(rdmsr(MSR_APIC_BASE) == base, "IA32_APIC_BASE changed to 0x%lx", rdmsr(MSR_APIC_BASE));
}

/* The raw ID register changes format: bits 31:24 in xAPIC mode, all 32 bits in x2APIC mode. */
static void switch_and_back(void *unused)
{
    (void)unused;
    uint32_t id = cpuid_apic_id();
    uint32_t raw_xapic = lapic_xapic_ops.read(LAPIC_ID);
    CHECK(raw_xapic >> 24 == (id & 0xff), "cpu %u: xAPIC ID register 0x%x, CPUID ID %u", me(), raw_xapic, id);
    lapic_setup(&lapic_x2apic_ops);
    CHECK(lapic_mode_confirmed(), "cpu %u: IA32_APIC_BASE 0x%lx after EXTD=1", me(), rdmsr(MSR_APIC_BASE));
    uint32_t raw_x2apic = lapic_x2apic_ops.read(LAPIC_ID);
    CHECK(raw_x2apic == id, "cpu %u: x2APIC ID register 0x%x, CPUID x2APIC ID %u", me(), raw_x2apic, id);
    uint32_t ldr = lapic_x2apic_ops.read(LAPIC_LDR);
    CHECK(ldr == x2apic_ldr_of(id), "cpu %u: LDR 0x%x after the switch, expected 0x%x", me(), ldr, x2apic_ldr_of(id));
    /* Back through disabled (the only legal way), then the xAPIC format again. */
    lapic_setup(&lapic_xapic_ops);
    CHECK(lapic_mode_confirmed(), "cpu %u: IA32_APIC_BASE 0x%lx after the way back", me(), rdmsr(MSR_APIC_BASE));
    raw_xapic = lapic_xapic_ops.read(LAPIC_ID);
    CHECK(raw_xapic >> 24 == (id & 0xff), "cpu %u: xAPIC ID register 0x%x after the way back", me(), raw_xapic);
}

/* xAPIC -> x2APIC -> disabled -> xAPIC at run time on every CPU. */
void test_mode_switch(void)
{
    if (lapic() != &lapic_xapic_ops || !cpu_has_x2apic()) {
        test_skip("needs xAPIC mode at start with x2APIC available (e.g. lapic=xapic on -cpu max)");
        return;
    }
    smp_call_all(switch_and_back, 0);
}

/* From x2APIC mode: straight to xAPIC, to the invalid EN=0 EXTD=1, and a reserved bit must each
 * #GP and change nothing; from disabled, straight to x2APIC must #GP too. */
void test_mode_invalid_transitions(void)
{
    if (!cpu_has_x2apic()) {
        test_skip("CPUID.1:ECX[21] is clear: there is no x2APIC mode to leave");
        return;
    }
    lapic_setup(&lapic_x2apic_ops);
    uint64_t base = rdmsr(MSR_APIC_BASE);
    CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EXTD)),
          "x2APIC -> xAPIC (EN=1 EXTD=0) did not #GP");
    CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN)), "EN=0 EXTD=1 did not #GP");
    CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base | APIC_BASE_RESERVED_BIT9)), "reserved bit 9 did not #GP");
    CHECK(rdmsr(MSR_APIC_BASE) == base, "IA32_APIC_BASE changed from 0x%lx to 0x%lx", base, rdmsr(MSR_APIC_BASE));
    if (options.expect_x2apic_only) {
        /* The disabled state cannot be reached: leaving x2APIC is refused (seeds/002). */
        CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_MODE_MASK)),
              "x2APIC -> disabled did not #GP with expect_x2apic_only=1");
        return;
    }
    wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_MODE_MASK);
    CHECK(RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base)), "disabled -> x2APIC did not #GP");
    /* the test runner puts the LAPIC back into the boot mode */
}

/* seeds/002: a hypervisor that keeps the guest in x2APIC (IA32_XAPIC_DISABLE_STATUS semantics)
 * refuses to clear EXTD with #GP, on every vCPU.  Natively the write disables the LAPIC instead. */
static void try_leave_x2apic(void *unused)
{
    (void)unused;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    bool refused = RAISES(VECTOR_GP, wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_MODE_MASK));
    CHECK(refused, "cpu %u: clearing EXTD (x2APIC -> disabled) did not #GP", me());
    if (!refused)
        lapic_setup(&lapic_x2apic_ops);
    CHECK(lapic_mode_confirmed(), "cpu %u: not in x2APIC mode afterwards (IA32_APIC_BASE 0x%lx)", me(),
          rdmsr(MSR_APIC_BASE));
}

void test_mode_x2apic_only(void)
{
    if (!options.expect_x2apic_only) {
        test_skip("expect_x2apic_only=1 not given");
        return;
    }
    if (!CHECK(lapic() == &lapic_x2apic_ops, "expect_x2apic_only=1 but the LAPIC is in %s mode", lapic()->name))
        return;
    smp_call_all(try_leave_x2apic, 0);
}
