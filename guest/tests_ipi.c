/* IPIs on VECTOR_IPI (and NMIs): each case sends from one CPU or from all, then expects an exact
 * delivery count on every CPU (SDM 11.6: ICR 11.6.1, destinations 11.6.2, shorthands 11.6.1). */
#include "guest/deliveries.h"
#include "guest/lapic.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/x86.h"

#define FIXED_IPI (ICR_ASSERT | ICR_FIXED | VECTOR_IPI)

struct ipi {
    uint32_t dest, icr_low;
};

static void send(void *arg)
{
    const struct ipi *ipi = arg;
    CHECK(lapic()->send_ipi(ipi->dest, ipi->icr_low), "cpu %u: the ICR never went idle", this_cpu()->index);
}

/* The highest-numbered CPU sends where the case allows, so that the sender is not always the BSP. */
static unsigned last_cpu(void)
{
    return cpus_online - 1;
}

/* Sends ipi from cpu and expects every CPU to see `others` deliveries of vector, the sender `self`. */
static void send_and_expect(unsigned cpu, struct ipi ipi, unsigned vector, unsigned self, unsigned others)
{
    unsigned expected[GUEST_MAX_CPUS];
    for (unsigned i = 0; i < cpus_online; i++)
        expected[i] = i == cpu ? self : others;
    deliveries_reset();
    if (smp_call(cpu, send, &ipi))
        deliveries_expect(vector, expected);
}

static void send_to_every_other(void *unused)
{
    (void)unused;
    for (unsigned j = 0; j < cpus_online; j++)
        if (j != this_cpu()->index)
            send(&(struct ipi){ cpus[j].apic_id, FIXED_IPI });
}

/* Once senders 0..done-1 have finished, CPU i has one IPI from each of them but itself. */
static bool senders_counted(void *arg)
{
    unsigned done = *(unsigned *)arg;
    for (unsigned i = 0; i < cpus_online; i++)
        if (cpus[i].count[VECTOR_IPI] < done - (i < done))
            return false;
    return true;
}

/* Physical destination (SDM 11.6.2.1): each CPU in turn sends one IPI to every other CPU by APIC
 * ID.  One sender at a time: two IPIs of one vector that meet in a CPU's IRR are one interrupt
 * (SDM 11.8.4), so concurrent senders could not expect exact counts. */
void test_ipi_fixed_physical(void)
{
    unsigned expected[GUEST_MAX_CPUS];
    deliveries_reset();
    for (unsigned s = 0; s < cpus_online; s++) {
        if (!wait_until(senders_counted, &s, "the previous sender's IPIs") || !smp_call(s, send_to_every_other, 0))
            break;
    }
    for (unsigned i = 0; i < cpus_online; i++)
        expected[i] = cpus_online - 1;
    deliveries_expect(VECTOR_IPI, expected);
}

static bool in_xapic_mode(void)
{
    if (lapic() == &lapic_xapic_ops)
        return true;
    test_skip("x2APIC mode: no DFR, the LDR is fixed (SDM 11.12.10)");
    return false;
}

/* The logical IDs these cases program, one per CPU: flat, bit = CPU number (SDM 11.6.2.2, flat
 * model: DFR 0xFFFFFFFF, LDR[31:24] a bit mask); cluster: CPU i in cluster i / 2 with bit i % 2
 * (cluster model: DFR 0x0FFFFFFF, LDR[31:28] cluster, LDR[27:24] member bits). */
#define DFR_FLAT 0xffffffffu
#define DFR_CLUSTER 0x0fffffffu

/* The flat model has 8 bits: CPUs from 8 up get no logical ID. */
static uint32_t flat_logical_id(unsigned cpu)
{
    return cpu < 8 ? 1u << cpu : 0;
}

static uint32_t cluster_logical_id(unsigned cpu)
{
    return ((cpu / 2) << 4) | (1u << (cpu % 2));
}

static void program_flat(void *unused)
{
    (void)unused;
    lapic()->write(LAPIC_DFR, DFR_FLAT);
    lapic()->write(LAPIC_LDR, flat_logical_id(this_cpu()->index) << 24);
}

static void program_cluster(void *unused)
{
    (void)unused;
    lapic()->write(LAPIC_DFR, DFR_CLUSTER);
    lapic()->write(LAPIC_LDR, cluster_logical_id(this_cpu()->index) << 24);
}

/* Targets: the BSP and every odd-numbered CPU, so one CPU (2) must not see it. */
static bool is_target(unsigned cpu)
{
    return cpu == 0 || cpu % 2;
}

void test_ipi_logical_flat(void)
{
    if (!in_xapic_mode() || !smp_call_all(program_flat, 0))
        return;
    uint32_t mask = 0;
    unsigned expected[GUEST_MAX_CPUS];
    for (unsigned i = 0; i < cpus_online; i++) {
        expected[i] = is_target(i) && flat_logical_id(i);
        mask |= is_target(i) ? flat_logical_id(i) : 0;
    }
    deliveries_reset();
    send(&(struct ipi){ mask, FIXED_IPI | ICR_LOGICAL });
    deliveries_expect(VECTOR_IPI, expected);
}

/* One IPI per cluster holding targets, with the targets' member bits. */
void test_ipi_logical_cluster(void)
{
    if (!in_xapic_mode() || !smp_call_all(program_cluster, 0))
        return;
    unsigned expected[GUEST_MAX_CPUS];
    uint32_t members[8] = { 0 };
    for (unsigned i = 0; i < cpus_online; i++) {
        expected[i] = is_target(i);
        members[i / 2] |= is_target(i) ? cluster_logical_id(i) & 0xf : 0;
    }
    deliveries_reset();
    for (unsigned c = 0; c < 8; c++)
        if (members[c])
            send(&(struct ipi){ (c << 4) | members[c], FIXED_IPI | ICR_LOGICAL });
    deliveries_expect(VECTOR_IPI, expected);
}

/* x2APIC logical destinations (SDM 11.12.10.2): cluster in 31:16, member bits in 15:0, taken from
 * the x2APIC IDs CPUID reports, not from the LDR under test. */
static uint32_t cpuid_ids[GUEST_MAX_CPUS];

static void read_cpuid_id(void *unused)
{
    (void)unused;
    cpuid_ids[this_cpu()->index] = cpuid_apic_id();
}

void test_ipi_x2apic_cluster(void)
{
    if (lapic() != &lapic_x2apic_ops) {
        test_skip("xAPIC mode: x2APIC cluster addressing needs x2APIC mode");
        return;
    }
    if (!smp_call_all(read_cpuid_id, 0))
        return;
    unsigned expected[GUEST_MAX_CPUS];
    bool sent[GUEST_MAX_CPUS] = { false };
    deliveries_reset();
    for (unsigned i = 0; i < cpus_online; i++)
        expected[i] = is_target(i);
    for (unsigned i = 0; i < cpus_online; i++) {
        if (!is_target(i) || sent[i])
            continue;
        uint32_t cluster = cpuid_ids[i] >> 4, dest = 0;
        for (unsigned j = i; j < cpus_online; j++) {
            if (is_target(j) && cpuid_ids[j] >> 4 == cluster) {
                dest |= x2apic_ldr_of(cpuid_ids[j]);
                sent[j] = true;
            }
        }
        send(&(struct ipi){ dest, FIXED_IPI | ICR_LOGICAL });
    }
    deliveries_expect(VECTOR_IPI, expected);
}

void test_ipi_shorthand_self(void)
{
    send_and_expect(last_cpu(), (struct ipi){ 0, FIXED_IPI | ICR_SELF }, VECTOR_IPI, 1, 0);
}

void test_ipi_shorthand_all_including_self(void)
{
    send_and_expect(last_cpu(), (struct ipi){ 0, FIXED_IPI | ICR_ALL_INCLUDING }, VECTOR_IPI, 1, 1);
}

void test_ipi_shorthand_all_excluding_self(void)
{
    send_and_expect(0, (struct ipi){ 0, FIXED_IPI | ICR_ALL_EXCLUDING }, VECTOR_IPI, 0, 1);
}

/* Physical destination 0xFF (xAPIC) or 0xFFFFFFFF (x2APIC) reaches every CPU, the sender too. */
void test_ipi_broadcast(void)
{
    send_and_expect(last_cpu(), (struct ipi){ lapic()->broadcast, FIXED_IPI }, VECTOR_IPI, 1, 1);
}

/* NMI delivery mode (vector ignored) to every other CPU by physical ID; they count vector 2. */
void test_ipi_nmi(void)
{
    unsigned expected[GUEST_MAX_CPUS];
    deliveries_reset();
    for (unsigned i = 0; i < cpus_online; i++) {
        expected[i] = i != 0;
        if (i != 0)
            send(&(struct ipi){ cpus[i].apic_id, ICR_ASSERT | ICR_NMI });
    }
    deliveries_expect(VECTOR_NMI, expected);
}

/* A fixed IPI to the sender's own APIC ID, no shorthand. */
void test_self_ipi_icr(void)
{
    send_and_expect(last_cpu(), (struct ipi){ cpus[last_cpu()].apic_id, FIXED_IPI }, VECTOR_IPI, 1, 0);
}

static void self_ipi_msr(void *unused)
{
    (void)unused;
    lapic()->write(LAPIC_SELF_IPI, VECTOR_IPI);
}

/* The x2APIC SELF IPI register (MSR 0x83F, SDM 11.12.11) takes just the vector. */
void test_self_ipi_msr(void)
{
    if (lapic() != &lapic_x2apic_ops) {
        test_skip("xAPIC mode: the SELF IPI register exists in x2APIC mode only (SDM 11.12.11)");
        return;
    }
    unsigned expected[GUEST_MAX_CPUS] = { 0 };
    expected[last_cpu()] = 1;
    deliveries_reset();
    if (smp_call(last_cpu(), self_ipi_msr, 0))
        deliveries_expect(VECTOR_IPI, expected);
}
