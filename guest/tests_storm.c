/* ipi-storm (opt-in): storm=N fixed IPIs (default 100000) across all CPUs, in the suite's LAPIC mode,
 * counted exactly: every send adds one to sent[receiver][vector] before the ICR write, every
 * delivery one to the receiver's count[vector] (idt.c).  Nine sub-cases: three traffic patterns
 * (ping-pong, bursts of distinct vectors, all-excluding-self broadcasts) times three receiver
 * states (running: spinning with IF=1; halted: sti; hlt; if0: cli, a window of spinning, sti).
 * An IRR bit merges a vector still pending with a new one of the same vector (SDM 11.8.4), so no
 * pattern sends a vector to a CPU before the previous one of that vector there has arrived: sent
 * and received must then match per (receiver, vector), and any difference is an interrupt lost or
 * delivered twice.  Interrupts taken while the interrupted context had RFLAGS.IF clear are
 * counted too (idt.c); hardware takes none (SDM Vol. 3A 7.8.1), Bochs 3.1 does (PLATFORM.md), so
 * known_if0_deviation=1 reports them instead of failing.  Only the main flow of each CPU writes
 * the ICR, with IF=0, so an interrupt handler never splits an xAPIC ICR high/low pair. */
#include "guest/deliveries.h"
#include "guest/lapic.h"
#include "guest/options.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"
#include "lib/format.h"

/* Vectors: ping from CPU s is PING + s, the pong of CPU j is PONG + j, CPU s's broadcast BCAST + s;
 * a burst uses BURST_FIRST..BURST_LAST, one block of distinct vectors per sender. */
#define PING 0x40
#define PONG 0x50
#define BCAST 0x60
#define BURST_FIRST 0x40
#define BURST_LAST 0xef              /* below VECTOR_WAKE */
#define BURST_MAX_BLOCK 64
#define STORM_FIRST 0x40
#define STORM_LAST 0xef
/* A wait during which no CPU sent anything for this long gives up: an interrupt was lost.  Generous:
 * QEMU TCG vCPU threads share the host's cores. */
#define STALL_US 5000000
#define IF0_WINDOW_SPINS 500

enum pattern { PING_PONG, BURST, BROADCAST, PATTERNS };
enum receiver { RUNNING, HALTED, IF0_WINDOWS, RECEIVERS };
static const char *const pattern_names[PATTERNS] = { "ping-pong", "burst", "broadcast" };
static const char *const receiver_names[RECEIVERS] = { "running", "halted", "if0" };

static struct {
    enum pattern pattern;
    enum receiver receiver;
    unsigned quota;                   /* IPIs this sub-case sends at least, all CPUs together */
    volatile bool abort;              /* a CPU stalled or failed: everyone leaves */
    volatile unsigned finished;       /* ping-pong: CPUs done with their own pings */
    volatile unsigned barrier_count, barrier_generation;
    volatile unsigned sends;          /* IPIs sent so far: the progress a stalled wait looks at */
    volatile uint32_t sent[GUEST_MAX_CPUS][256];
} run;

static unsigned me(void)
{
    return this_cpu()->index;
}

/* The first CPU to give up says what it waited for and wakes the others (a halted one would
 * otherwise sleep on); the sub-case then fails on the counts, or on the stall itself. */
static void give_up(const char *what, unsigned cpu, unsigned vector)
{
    if (__atomic_exchange_n(&run.abort, true, __ATOMIC_ACQ_REL))
        return;
    if (vector)
        kprintf("# storm %s/%s: cpu %u gave up after %u ms without a send, waiting for %s (cpu %u vector 0x%x: "
                "sent %u, received %u)\n",
                pattern_names[run.pattern], receiver_names[run.receiver], me(), STALL_US / 1000, what, cpu, vector,
                run.sent[cpu][vector], cpus[cpu].count[vector]);
    else
        kprintf("# storm %s/%s: cpu %u gave up after %u ms without a send, waiting for %s\n",
                pattern_names[run.pattern], receiver_names[run.receiver], me(), STALL_US / 1000, what);
    for (unsigned i = 0; i < cpus_online; i++)
        if (i != me())
            lapic()->send_ipi(cpus[i].apic_id, ICR_ASSERT | ICR_FIXED | VECTOR_WAKE);
}

/* Counted first, sent with IF=0: the handler never runs between the ICR halves (xAPIC). */
static void send_fixed(uint32_t dest, uint32_t shorthand, unsigned vector)
{
    bool was_on = interrupts_enabled();
    cli();
    if (!lapic()->send_ipi(dest, ICR_ASSERT | ICR_FIXED | shorthand | vector)) {
        test_fail("cpu %u: the ICR never went idle", me());
        run.abort = true;
    }
    if (was_on)
        sti();
}

static void send_to(unsigned cpu, unsigned vector)
{
    __atomic_fetch_add(&run.sent[cpu][vector], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&run.sends, 1, __ATOMIC_RELAXED);
    send_fixed(cpus[cpu].apic_id, 0, vector);
}

static void broadcast(unsigned vector)
{
    for (unsigned j = 0; j < cpus_online; j++)
        if (j != me())
            __atomic_fetch_add(&run.sent[j][vector], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&run.sends, 1, __ATOMIC_RELAXED);
    send_fixed(0, ICR_ALL_EXCLUDING, vector);
}

/* A wait condition: true when done; on false, *cpu and *vector name what is still missing. */
typedef bool (*wait_cond)(void *arg, unsigned *cpu, unsigned *vector);

/* True, after giving up, once no CPU has sent anything for STALL_US or the case's deadline passed. */
struct stall {
    unsigned sends;
    uint64_t deadline;
};

static bool stalled(struct stall *st, const char *what, unsigned cpu, unsigned vector)
{
    if (run.sends != st->sends) {
        st->sends = run.sends;
        st->deadline = tsc_deadline_us(STALL_US);
        return false;
    }
    if (!tsc_passed(st->deadline) && !test_timed_out())
        return false;
    give_up(what, cpu, vector);
    return true;
}

/* Waits in this sub-case's receiver state until cond holds; false on a stall or abort. */
static bool wait_as_receiver(wait_cond cond, void *arg, const char *what)
{
    unsigned cpu = 0, vector = 0;
    struct stall st = { run.sends, tsc_deadline_us(STALL_US) };
    for (;;) {
        if (cond(arg, &cpu, &vector))
            return true;
        if (run.abort || stalled(&st, what, cpu, vector))
            return false;
        switch (run.receiver) {
        case RUNNING:
            cpu_relax();
            break;
        case HALTED:
            cli();
            if (!cond(arg, &cpu, &vector) && !run.abort)
                sti_hlt();
            else
                sti();
            break;
        default:
            cli();
            for (unsigned i = 0; i < IF0_WINDOW_SPINS; i++)
                cpu_relax();
            sti();
            cpu_relax();
            break;
        }
    }
}

/* Spins with IF=1 (a sender's wait, not a receiver's). */
static bool spin_until(wait_cond cond, void *arg, const char *what)
{
    unsigned cpu = 0, vector = 0;
    struct stall st = { run.sends, tsc_deadline_us(STALL_US) };
    while (!cond(arg, &cpu, &vector)) {
        if (run.abort || stalled(&st, what, cpu, vector))
            return false;
        cpu_relax();
    }
    return true;
}

static bool barrier_passed(void *arg, unsigned *cpu, unsigned *vector)
{
    *cpu = 0;
    *vector = 0;
    return run.barrier_generation != *(unsigned *)arg;
}

static bool barrier(void)
{
    unsigned generation = run.barrier_generation;
    if (__atomic_add_fetch(&run.barrier_count, 1, __ATOMIC_ACQ_REL) == cpus_online) {
        run.barrier_count = 0;
        __atomic_store_n(&run.barrier_generation, generation + 1, __ATOMIC_RELEASE);
        return true;
    }
    return spin_until(barrier_passed, &generation, "the other CPUs at a barrier");
}

/* --- ping-pong: each CPU pings every other in turn and waits for the pong before the next ping;
 * while it waits it answers the pings it received.  One ping of a sender and one pong of a replier
 * are in flight at most, hence one vector per sender and per replier. */
struct ping_state {
    unsigned target;
    unsigned pinged[GUEST_MAX_CPUS];    /* pings sent to each CPU */
    unsigned answered[GUEST_MAX_CPUS];  /* pongs sent to each CPU */
};

static void answer_pings(struct ping_state *st)
{
    struct cpu *c = this_cpu();
    for (unsigned s = 0; s < cpus_online; s++)
        while (s != me() && c->count[PING + s] > st->answered[s]) {
            st->answered[s]++;
            send_to(s, PONG + me());
        }
}

static bool pong_arrived(void *arg, unsigned *cpu, unsigned *vector)
{
    struct ping_state *st = arg;
    answer_pings(st);
    *cpu = me();
    *vector = PONG + st->target;
    return this_cpu()->count[PONG + st->target] >= st->pinged[st->target];
}

static bool all_finished(void *arg, unsigned *cpu, unsigned *vector)
{
    answer_pings(arg);
    *cpu = 0;
    *vector = 0;
    return run.finished == cpus_online;
}

static void ping_pong(void)
{
    static struct ping_state states[GUEST_MAX_CPUS];
    struct ping_state *st = &states[me()];
    unsigned n = cpus_online;
    unsigned pings = (run.quota + 2 * n - 1) / (2 * n);
    *st = (struct ping_state){ .target = me() };
    for (unsigned k = 0; k < pings && !run.abort; k++) {
        st->target = (st->target + 1) % n;
        if (st->target == me())
            st->target = (st->target + 1) % n;
        st->pinged[st->target]++;
        send_to(st->target, PING + me());
        if (!wait_as_receiver(pong_arrived, st, "a pong"))
            return;
    }
    __atomic_add_fetch(&run.finished, 1, __ATOMIC_ACQ_REL);
    spin_until(all_finished, st, "the other CPUs' pings");
}

/* --- burst: round r targets CPU r % N; every other CPU sends its block of distinct vectors to it
 * back to back; the target waits until each arrived once more; a barrier ends the round. */
static unsigned burst_block(void)
{
    unsigned k = (BURST_LAST - BURST_FIRST + 1) / (cpus_online - 1);
    return k < BURST_MAX_BLOCK ? k : BURST_MAX_BLOCK;
}

static bool burst_arrived(void *arg, unsigned *cpu, unsigned *vector)
{
    unsigned times = *(unsigned *)arg;
    unsigned last = BURST_FIRST + (cpus_online - 1) * burst_block();
    *cpu = me();
    for (unsigned v = BURST_FIRST; v < last; v++)
        if (this_cpu()->count[v] < times) {
            *vector = v;
            return false;
        }
    return true;
}

static void burst(void)
{
    unsigned n = cpus_online, k = burst_block();
    unsigned rounds = (run.quota + (n - 1) * k - 1) / ((n - 1) * k);
    unsigned targeted = 0;
    for (unsigned r = 0; r < rounds && !run.abort; r++) {
        unsigned t = r % n;
        if (t == me()) {
            targeted++;
            if (!wait_as_receiver(burst_arrived, &targeted, "a burst vector"))
                return;
        } else {
            unsigned first = BURST_FIRST + (me() < t ? me() : me() - 1) * k;
            for (unsigned v = first; v < first + k; v++)
                send_to(t, v);
        }
        if (!barrier())
            return;
    }
}

/* --- broadcast: each round every CPU sends its vector to all others (all-excluding-self), waits
 * as a receiver for everyone else's, then until everyone has its own before the next round. */
static bool others_broadcasts_arrived(void *arg, unsigned *cpu, unsigned *vector)
{
    unsigned round = *(unsigned *)arg;
    *cpu = me();
    for (unsigned s = 0; s < cpus_online; s++)
        if (s != me() && this_cpu()->count[BCAST + s] < round) {
            *vector = BCAST + s;
            return false;
        }
    return true;
}

static bool own_broadcast_arrived(void *arg, unsigned *cpu, unsigned *vector)
{
    unsigned round = *(unsigned *)arg;
    *vector = BCAST + me();
    for (unsigned j = 0; j < cpus_online; j++)
        if (j != me() && cpus[j].count[BCAST + me()] < round) {
            *cpu = j;
            return false;
        }
    return true;
}

static void broadcasts(void)
{
    unsigned n = cpus_online;
    unsigned rounds = (run.quota + n * (n - 1) - 1) / (n * (n - 1));
    for (unsigned r = 1; r <= rounds && !run.abort; r++) {
        broadcast(BCAST + me());
        if (!wait_as_receiver(others_broadcasts_arrived, &r, "another CPU's broadcast") ||
            !spin_until(own_broadcast_arrived, &r, "this CPU's broadcast at another CPU"))
            return;
    }
}

static void storm_cpu(void *unused)
{
    (void)unused;
    switch (run.pattern) {
    case PING_PONG:
        ping_pong();
        break;
    case BURST:
        burst();
        break;
    default:
        broadcasts();
        break;
    }
}

struct figures {
    uint64_t sent, received, lost, duplicated, if0, if0_nested;
    unsigned cpu, vector;                 /* the first (receiver, vector) that differs */
    uint32_t cpu_sent, cpu_received;
};

/* Compares sent and received per (receiver, vector). */
static struct figures tally(void)
{
    struct figures f = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    for (unsigned r = 0; r < cpus_online; r++) {
        f.if0 += cpus[r].if0_taken;
        f.if0_nested += cpus[r].if0_nested;
        for (unsigned v = STORM_FIRST; v <= STORM_LAST; v++) {
            uint32_t s = run.sent[r][v], got = cpus[r].count[v];
            f.sent += s;
            f.received += got;
            f.lost += s > got ? s - got : 0;
            f.duplicated += got > s ? got - s : 0;
            if (s != got && !f.vector) {
                f.cpu = r;
                f.vector = v;
                f.cpu_sent = s;
                f.cpu_received = got;
            }
        }
    }
    return f;
}

static bool sub_case(enum pattern p, enum receiver rc, unsigned quota, struct figures *total)
{
    char name[32];
    fmt_snprintf(name, sizeof(name), "%s/%s", pattern_names[p], receiver_names[rc]);
    deliveries_reset();
    for (unsigned r = 0; r < GUEST_MAX_CPUS; r++)
        for (unsigned v = 0; v < 256; v++)
            run.sent[r][v] = 0;
    run.pattern = p;
    run.receiver = rc;
    run.quota = quota;
    run.abort = false;
    run.finished = 0;
    run.barrier_count = 0;
    run.sends = 0;
    uint64_t start = rdtsc();
    smp_call_all(storm_cpu, 0);
    uint64_t cycles = rdtsc() - start;
    delay_us(DELIVERY_SETTLE_US);
    struct figures f = tally();
    kprintf("# storm %s: sent %lu, received %lu, lost %lu, duplicated %lu, taken with IF=0 %lu\n", name, f.sent,
            f.received, f.lost, f.duplicated, f.if0);
    kprintf("#   %s: %lu ms, %lu TSC cycles elapsed per IPI; taken with IF=0 nested in a handler %lu\n", name,
            tsc_to_us(cycles) / 1000, f.sent ? cycles / f.sent : 0, f.if0_nested);
    CHECK(f.lost == 0 && f.duplicated == 0,
          "storm %s: %lu lost, %lu duplicated of %lu (first: cpu %u vector 0x%x sent %u received %u)", name, f.lost,
          f.duplicated, f.sent, f.cpu, f.vector, f.cpu_sent, f.cpu_received);
    CHECK(!run.abort, "storm %s: gave up: no CPU sent anything for %u ms", name, STALL_US / 1000);
    total->sent += f.sent;
    total->received += f.received;
    total->lost += f.lost;
    total->duplicated += f.duplicated;
    total->if0 += f.if0;
    total->if0_nested += f.if0_nested;
    return !run.abort;
}

/* CPUID 0x80000002-4, for the record: it names the CPU model, not the platform (Bochs's tigerlake
 * model reports a real part's string), so known_if0_deviation= cannot be guessed from it. */
static void brand_string(char out[49])
{
    out[0] = '\0';
    if (cpuid(0x80000000u, 0).eax < 0x80000004u)
        return;
    for (unsigned i = 0; i < 3; i++) {
        struct cpuid_regs r = cpuid(0x80000002u + i, 0);
        uint32_t w[4] = { r.eax, r.ebx, r.ecx, r.edx };
        for (unsigned j = 0; j < 16; j++) {
            char ch = (char)(w[j / 4] >> (8 * (j % 4)));
            out[i * 16 + j] = ch >= 0x20 && ch < 0x7f ? ch : ch ? '.' : '\0';
        }
    }
    out[48] = '\0';
}

static const char *trimmed(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

void test_ipi_storm(void)
{
    unsigned n = cpus_online;
    if (n < 2) {
        test_skip("one CPU: IPIs need a second one");
        return;
    }
    unsigned subs = PATTERNS * RECEIVERS;
    unsigned quota = (options.storm + subs - 1) / subs;
    kprintf("# storm: %u IPIs over %u sub-cases (%u each at least), %u CPUs, %s mode, known_if0_deviation=%u\n",
            options.storm, subs, quota, n, lapic()->name, options.known_if0_deviation);
    char brand[49];
    brand_string(brand);
    kprintf("# storm: CPU brand string '%s'\n", trimmed(brand));
    struct figures total = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    uint64_t start = rdtsc();
    bool go_on = true;   /* not after a sub-case that gave up: its CPUs may still be in odd states */
    for (unsigned p = 0; p < PATTERNS && go_on; p++)
        for (unsigned rc = 0; rc < RECEIVERS && go_on; rc++)
            go_on = sub_case(p, rc, quota, &total);
    uint64_t cycles = rdtsc() - start;
    kprintf("# storm: total sent %lu, received %lu, lost %lu, duplicated %lu, taken with IF=0 %lu, in %lu ms "
            "(%lu TSC cycles)\n",
            total.sent, total.received, total.lost, total.duplicated, total.if0, tsc_to_us(cycles) / 1000, cycles);
    if (total.if0) {
        if (options.known_if0_deviation)
            kprintf("# storm: platform deviation: %lu interrupts taken with IF=0 (Bochs 3.1, PLATFORM.md)\n"
                    "#   %lu of them nested in a handler, the others in cli windows (the test's, the idle loop's)\n",
                    total.if0, total.if0_nested);
        else
            test_fail("%lu interrupts taken with IF=0 (RFLAGS.IF clear in the interrupted context; "
                      "known_if0_deviation=1 not given)",
                      total.if0);
    } else if (options.known_if0_deviation) {
        kprintf("# storm: known_if0_deviation=1, but no interrupt was taken with IF=0\n");
    }
    CHECK(total.sent >= options.storm, "sent %lu IPIs, storm=%u", total.sent, options.storm);
}
