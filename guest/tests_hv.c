/* Under apicvisor only: the hypervisor's VMCS dump of this vCPU in the middle of the suite (its
 * APIC state shows the suite's LAPIC mode), VM exits and TSC cycles per LAPIC operation.
 *
 * At apicv=full (virtualize-x2APIC mode or the APIC-access page, APIC-register virtualization,
 * virtual-interrupt delivery and posted interrupts), reads, TPR writes, EOIs and self-IPIs (the
 * x2APIC SELF IPI register, or in xAPIC mode an ICR write with the "self" shorthand, which
 * virtual-interrupt delivery virtualizes) are handled by the CPU without an exit (SDM Vol. 3C
 * 30.4-30.6); an ICR write to another CPU exits (no IPI virtualization on our platforms); the
 * receiving side of an IPI, posted, takes none when running, and only its own HLT exit when
 * halted (none with apicvisor's hlt=guest).  Each
 * operation has the level from which its budget holds (guest option apicv=, what the hypervisor
 * runs): there a figure above the budget fails the case; below it the operation must cost at
 * least one exit each, so the table shows what the hardware saves. */
#include "guest/deliveries.h"
#include "guest/hypercall.h"
#include "guest/lapic.h"
#include "guest/options.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"

#define REPEAT 64
#define TIMER_COUNT 1000      /* a short one-shot count */
#define HALT_SETTLE_US 50     /* how long the sender lets a woken receiver get back into HLT */

static void op_id_read(void) { (void)lapic()->read(LAPIC_ID); }
static void op_tpr_write(void) { lapic()->write(LAPIC_TPR, 0); }
static void op_eoi(void) { lapic_eoi(); }

/* x2APIC: the SELF IPI register; xAPIC: the ICR with the self shorthand.  Both virtualized. */
static void op_self_ipi(void)
{
    if (lapic() == &lapic_x2apic_ops)
        lapic()->write(LAPIC_SELF_IPI, VECTOR_IPI);
    else
        lapic_send_self(VECTOR_IPI);
}

static void op_ipi_to_cpu1(void)
{
    lapic()->send_ipi(cpus[1].apic_id, ICR_ASSERT | ICR_FIXED | VECTOR_IPI);
}

/* One LAPIC timer interrupt: a short one-shot count, waited for with interrupts on (the LVT is
 * set up once before, by quiet_handlers). */
static void op_timer(void)
{
    volatile unsigned *count = &this_cpu()->count[VECTOR_TIMER];
    unsigned before = *count;
    lapic()->write(LAPIC_TIMER_INITIAL, TIMER_COUNT);
    while (*count == before && !test_timed_out())
        cpu_relax();
}

struct operation {
    const char *name;
    void (*run)(void);
    unsigned exits_x2apic, exits_xapic; /* budget per operation from level `from` up */
    enum apicv_expect from;
    enum apicv_expect exits_below;      /* below this level it costs at least one exit each */
};

/* The TPR at apicv=tpr: the TPR shadow virtualizes it through the APIC-access page or virtualize
 * x2APIC mode where the CPU has them (Bochs's Sandy Bridge has no virtualize x2APIC mode): no rule
 * there. */
static const struct operation operations[] = {
    { "ID read", op_id_read, 0, 0, APICV_EXPECT_VID, APICV_EXPECT_VID },
    { "TPR write", op_tpr_write, 0, 0, APICV_EXPECT_VID, APICV_EXPECT_TPR },
    { "EOI", op_eoi, 0, 0, APICV_EXPECT_VID, APICV_EXPECT_VID },
    { "self-IPI", op_self_ipi, 0, 0, APICV_EXPECT_VID, APICV_EXPECT_VID },
    { "IPI, sender", op_ipi_to_cpu1, 1, 1, APICV_EXPECT_VID, APICV_EXPECT_VID },
    /* arming it exits, and so does its deadline */
    { "timer", op_timer, 2, 2, APICV_EXPECT_VID, APICV_EXPECT_VID },
};

static bool under_apicvisor(void)
{
    char sig[13];
    if (hv_is_apicvisor())
        return true;
    if (hv_signature(sig))
        test_skip("not under apicvisor: CPUID 0x40000000 signature is '%s'", sig);
    else
        test_skip("not under a hypervisor: CPUID.1:ECX[31] is clear");
    return false;
}

void test_hv_dump_vmcs(void)
{
    if (!under_apicvisor())
        return;
    int64_t rc = hc_dump_vmcs();
    CHECK(rc == HC_OK, "HC_DUMP_VMCS returned %ld", rc);
}

/* Exits of `run` over REPEAT calls, less the exits of the HC_EXIT_COUNT calls themselves. */
static int64_t exits_of(void (*run)(void))
{
    int64_t a = hc_exit_count(HC_ALL_EXITS), b = hc_exit_count(HC_ALL_EXITS);
    int64_t overhead = b - a;
    for (int i = 0; i < REPEAT; i++)
        run();
    int64_t c = hc_exit_count(HC_ALL_EXITS);
    return c - b - overhead;
}

/* The interrupt handler logs each delivery with a PPR read, which xAPIC MMIO does not virtualize
 * (SDM 30.4.2 lists the registers it does): the handler's own cost, not the operation's.  A full
 * log turns the logging off while exits or cycles are counted. */
static void quiet_handlers(void)
{
    deliveries_reset();
    for (unsigned i = 0; i < cpus_online; i++)
        cpus[i].log_len = DELIVERY_LOG_MAX;
    lapic()->write(LAPIC_LVT_TIMER, LVT_TIMER_ONE_SHOT | VECTOR_TIMER);
}

/* The figure against the level's rule; prints one table row "#   NAME  N exits (...)". */
static void check_exits(const char *name, int64_t exits, unsigned budget, enum apicv_expect from,
                        enum apicv_expect exits_below)
{
    bool budgeted = options.apicv >= from, must_exit = options.apicv < exits_below;
    kprintf("#   %-22s %4ld exits (%ld.%02ld per operation, ", name, exits, exits / REPEAT, exits % REPEAT * 100 / REPEAT);
    if (budgeted)
        kprintf("budget %u)\n", budget);
    else
        kprintf(must_exit ? "at least 1)\n" : "depends on the CPU)\n");
    if (budgeted)
        CHECK(exits <= (int64_t)budget * REPEAT, "%s: %ld exits for %d operations, more than %u each", name, exits,
              REPEAT, budget);
    else if (must_exit)
        CHECK(exits >= REPEAT, "%s: %ld exits for %d operations at apicv=%s, fewer than 1 each", name, exits,
              REPEAT, apicv_expect_name(options.apicv));
}

struct receiver {
    bool halt;               /* wait in HLT (else poll) */
    volatile bool counting;  /* its exit count is taken: the sender may start */
    volatile int64_t exits;
};

/* CPU 1 takes REPEAT IPIs, polling or halted, and counts its own exits. */
static void receive_ipis(void *arg)
{
    struct receiver *r = arg;
    volatile unsigned *count = &this_cpu()->count[VECTOR_IPI];
    int64_t before = hc_exit_count(HC_ALL_EXITS);
    r->counting = true;
    while (*count < REPEAT && !test_timed_out()) {
        if (!r->halt) {
            cpu_relax();
            continue;
        }
        __asm__ volatile("cli");
        if (*count < REPEAT)
            __asm__ volatile("sti; hlt" ::: "memory"); /* STI's shadow: no wake-up lost before HLT */
        __asm__ volatile("sti");
    }
    r->exits = hc_exit_count(HC_ALL_EXITS) - before - 1;   /* less the one HC_EXIT_COUNT in between */
}

/* The receiving side, one IPI at a time (IPIs of one vector sent faster than the receiver takes
 * them coalesce in its IRR, SDM 11.8.4); a halted receiver gets each once it is back in HLT. */
static void measure_receiver(bool halt)
{
    struct receiver r = { halt, false, -1 };
    quiet_handlers();
    if (!smp_call_start(1, receive_ipis, &r))
        return;
    while (!r.counting && !test_timed_out())
        cpu_relax();
    volatile unsigned *count = &cpus[1].count[VECTOR_IPI];
    for (unsigned i = 0; i < REPEAT; i++) {
        while (*count < i && !test_timed_out())
            cpu_relax();
        if (halt)
            delay_us(HALT_SETTLE_US);
        op_ipi_to_cpu1();
    }
    if (smp_call_wait(1))
        /* halted: its own HLT exit, unless apicvisor runs with hlt=guest (then 0) */
        check_exits(halt ? "IPI, receiver halted" : "IPI, receiver running", r.exits, halt ? 1 : 0,
                    APICV_EXPECT_FULL, APICV_EXPECT_FULL);
}

void test_hv_exits_per_operation(void)
{
    if (!under_apicvisor())
        return;
    bool x2 = lapic() == &lapic_x2apic_ops;
    kprintf("# hv-exits-per-operation (%s mode, apicv=%s, %d operations each):\n", lapic()->name,
            apicv_expect_name(options.apicv), REPEAT);
    for (unsigned i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
        const struct operation *op = &operations[i];
        if (op->run == op_ipi_to_cpu1 && cpus_online < 2)
            continue;
        quiet_handlers();
        check_exits(op->name, exits_of(op->run), x2 ? op->exits_x2apic : op->exits_xapic, op->from, op->exits_below);
    }
    lapic()->write(LAPIC_TIMER_INITIAL, 0);
    if (cpus_online < 2)
        return;
    measure_receiver(false);
    measure_receiver(true);
}

static uint64_t cycles_of(void (*run)(void))
{
    uint64_t t0 = rdtsc();
    for (int i = 0; i < REPEAT; i++)
        run();
    return (rdtsc() - t0) / REPEAT;
}

static void op_vmcall(void) { (void)hc_exit_count(HC_ALL_EXITS); }

/* Cycles per operation; an operation the CPU virtualizes without an exit must cost less than a
 * VMCALL round trip, which always exits. */
void test_hv_cycles_per_operation(void)
{
    if (!under_apicvisor())
        return;
    bool x2 = lapic() == &lapic_x2apic_ops;
    uint64_t vmcall = cycles_of(op_vmcall);
    kprintf("# hv-cycles-per-operation (%s mode, apicv=%s): VMCALL round trip %lu cycles\n", lapic()->name,
            apicv_expect_name(options.apicv), vmcall);
    for (unsigned i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
        const struct operation *op = &operations[i];
        if (op->run == op_ipi_to_cpu1 && cpus_online < 2)
            continue;
        quiet_handlers();
        uint64_t cycles = cycles_of(op->run);
        kprintf("#   %-22s %6lu cycles\n", op->name, cycles);
        if (options.apicv >= op->from && (x2 ? op->exits_x2apic : op->exits_xapic) == 0)
            CHECK(cycles < vmcall, "%s: %lu cycles, not below a VMCALL's %lu", op->name, cycles, vmcall);
    }
    lapic()->write(LAPIC_TIMER_INITIAL, 0);
}
