/* Under apicvisor only: the hypervisor's VMCS dump of this vCPU in the middle of the suite (its
 * APIC state shows the suite's LAPIC mode), VM exits and TSC cycles per LAPIC operation.  With virtualize-x2APIC mode
 * (or the APIC-access page), APIC-register virtualization, virtual-interrupt delivery and posted
 * interrupts, reads, TPR writes, EOIs and self-IPIs (the x2APIC SELF IPI register, or in xAPIC mode
 * an ICR write with the "self" shorthand, which virtual-interrupt delivery virtualizes) are handled
 * by the CPU without an exit (SDM Vol. 3C 30.4-30.6); an ICR write to another CPU exits (no IPI
 * virtualization on our platforms); the receiving side of an IPI, posted, takes none.  A figure
 * above its budget fails the case; one below it is reported and passes. */
#include "guest/deliveries.h"
#include "guest/hypercall.h"
#include "guest/lapic.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/x86.h"
#include "lib/console.h"

#define REPEAT 64

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

struct operation {
    const char *name;
    void (*run)(void);
    unsigned exits_x2apic, exits_xapic;   /* expected exits per operation */
};

static const struct operation operations[] = {
    { "ID read", op_id_read, 0, 0 },
    { "TPR write", op_tpr_write, 0, 0 },
    { "EOI", op_eoi, 0, 0 },
    { "self-IPI", op_self_ipi, 0, 0 },
    { "IPI, sender", op_ipi_to_cpu1, 1, 1 },
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
 * log turns the logging off while exits are counted. */
static void quiet_handlers(void)
{
    deliveries_reset();
    for (unsigned i = 0; i < cpus_online; i++)
        cpus[i].log_len = DELIVERY_LOG_MAX;
}

struct receiver {
    volatile int64_t exits;
};

/* CPU 1 polls (it must not HLT: that exits too) until it has all REPEAT IPIs. */
static void receive_ipis(void *arg)
{
    struct receiver *r = arg;
    int64_t before = hc_exit_count(HC_ALL_EXITS);
    while (this_cpu()->count[VECTOR_IPI] < REPEAT && !test_timed_out())
        cpu_relax();
    r->exits = hc_exit_count(HC_ALL_EXITS) - before - 1;   /* less the one HC_EXIT_COUNT in between */
}

void test_hv_exits_per_operation(void)
{
    if (!under_apicvisor())
        return;
    bool x2 = lapic() == &lapic_x2apic_ops;
    kprintf("# hv-exits-per-operation (%s mode, %d operations each):\n", lapic()->name, REPEAT);
    for (unsigned i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
        const struct operation *op = &operations[i];
        if (op->run == op_ipi_to_cpu1 && cpus_online < 2)
            continue;
        quiet_handlers();
        int64_t exits = exits_of(op->run);
        unsigned want = x2 ? op->exits_x2apic : op->exits_xapic;
        kprintf("#   %-14s %3ld exits (%ld.%02ld per operation, expected %u)\n", op->name, exits, exits / REPEAT,
                exits % REPEAT * 100 / REPEAT, want);
        CHECK(exits <= (int64_t)want * REPEAT, "%s: %ld exits for %d operations, more than %u each", op->name, exits,
              REPEAT, want);
    }
    if (cpus_online < 2)
        return;
    struct receiver r = { -1 };
    quiet_handlers();
    if (!smp_call_start(1, receive_ipis, &r))
        return;
    for (int i = 0; i < REPEAT; i++)
        op_ipi_to_cpu1();
    if (smp_call_wait(1)) {
        kprintf("#   %-14s %3ld exits (expected 0: posted)\n", "IPI, receiver", r.exits);
        CHECK(r.exits == 0, "IPI receiver: %ld exits for %d IPIs, expected 0", r.exits, REPEAT);
    }
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
    kprintf("# hv-cycles-per-operation (%s mode): VMCALL round trip %lu cycles\n", lapic()->name, vmcall);
    for (unsigned i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
        const struct operation *op = &operations[i];
        if (op->run == op_ipi_to_cpu1 && cpus_online < 2)
            continue;
        deliveries_reset();
        uint64_t cycles = cycles_of(op->run);
        kprintf("#   %-14s %6lu cycles\n", op->name, cycles);
        if ((x2 ? op->exits_x2apic : op->exits_xapic) == 0)
            CHECK(cycles < vmcall, "%s: %lu cycles, not below a VMCALL's %lu", op->name, cycles, vmcall);
    }
}
