/* hostile-random (opt-in): every CPU at once does hostile_ops=N (default 2000) random operations
 * from seed=N (default 1): LAPIC register reads and writes of every size at every offset (xAPIC
 * MMIO page) or every x2APIC MSR 0x800-0x8FF, ICR values of every delivery mode, shorthand,
 * destination and reserved bit, I/O port reads (and, under apicvisor, writes), RDMSR of random
 * numbers, random CPUID leaves, CR4 bits the guest does not use, CR8 values and VMX instructions.
 * #GP and #UD where the instruction may raise them are counted and stepped over (FAULT_OF); any
 * other exception fails the case.  VMX instructions must raise #UD (CPUID shows no VMX).
 *
 * Left out because they end or hang the guest legitimately: INIT, start-up and SMI to the test's
 * CPUs (only to APIC IDs nobody has), NMI to CPU 0 and NMI shorthands, vectors 16-31 to live CPUs
 * (the IDT has exceptions there), vector 0xFF (the handler treats it as spurious and leaves it in
 * service), vectors 0-15 to live CPUs under QEMU TCG (it delivers them, docs/guest.md), writes to
 * the xAPIC ID, ports 0xF4, 0x8900, COM1, the PIT (0x40-0x43, 0x61: passed through by apicvisor),
 * string I/O (apicvisor stops the VM on it), VMCALL, IA32_APIC_BASE and the FRED bit of CR4.  Writes
 * to SVR and the LVTs keep a vector from 32 up, the SELF IPI register one from 32 up too (the CPU
 * virtualizes it, SDM 30.5, not apicvisor); sub-dword and misaligned MMIO writes stay off those
 * registers, the ID and the ICR (emulators may widen them).  Under QEMU TCG a few more, named where
 * they are (docs/guest.md, "Emulator limits").
 *
 * Each CPU puts its LAPIC back when done (SVR, TPR, LVTs, timer, LDR/DFR, CR4, CR8; interrupts in
 * service EOIed, pending ones taken); then the machine must still work: every CPU's LAPIC state,
 * lapic-mode, apic-id, esr and ipi-fixed-physical run as part of this case. */
#include "guest/deliveries.h"
#include "guest/fault.h"
#include "guest/hypercall.h"
#include "guest/lapic.h"
#include "guest/options.h"
#include "guest/smp.h"
#include "guest/tests.h"
#include "guest/timebase.h"
#include "guest/x86.h"
#include "lib/console.h"

#define XAPIC_BASE 0xfee00000ul
#define GP_OR_UD ((1u << VECTOR_GP) | (1u << VECTOR_UD))
#define GP_ONLY (1u << VECTOR_GP)
#define CR4_FRED (1ull << 32)
#define DRAIN_US 2000

enum kind { LAPIC_READ, LAPIC_WRITE, ICR, PORT_READ, PORT_WRITE, MSR_READ, CPUID, CR4_WRITE, CR8_WRITE, VMX, KINDS };
static const char *const kind_names[KINDS] = { "lapic-read", "lapic-write", "icr", "port-read", "port-write",
                                               "rdmsr", "cpuid", "cr4", "cr8", "vmx" };
/* Weights out of 100, in enum order. */
static const unsigned kind_weights[KINDS] = { 14, 14, 14, 10, 6, 12, 10, 6, 6, 8 };

struct hostile_cpu {
    uint64_t rng;
    unsigned ops, gp, ud, per_kind[KINDS];
    volatile unsigned last_kind;          /* the operation under way, for a failure report */
    volatile uint64_t last_a, last_b;
    uint64_t cr4;
    uint32_t ldr, dfr;
    const struct lapic_ops *mode;
};

static struct hostile_cpu hostile[GUEST_MAX_CPUS];
static bool under_apicvisor, under_tcg;

static unsigned me(void)
{
    return this_cpu()->index;
}

/* xorshift64* (Vigna), seeded through splitmix64. */
static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t rnd(struct hostile_cpu *h)
{
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct hostile_cpu *h, uint64_t n)
{
    return rnd(h) % n;
}

static void note(struct hostile_cpu *h, enum kind k, uint64_t a, uint64_t b)
{
    if (options.hostile_trace)
        kprintf("# hostile-random: cpu %u, operation %u: %s 0x%lx 0x%lx\n", me(), h->ops + 1, kind_names[k], a, b);
    h->last_kind = k;
    h->last_a = a;
    h->last_b = b;
    h->ops++;
    h->per_kind[k]++;
}

static void count_fault(struct hostile_cpu *h, int vector)
{
    if (vector == VECTOR_GP)
        h->gp++;
    else if (vector == VECTOR_UD)
        h->ud++;
}

/* The instructions that may fault, each behind its own recovery point (FAULT_OF). */
static __attribute__((noinline)) int try_rdmsr(uint32_t msr)
{
    return FAULT_OF(GP_ONLY, (void)rdmsr(msr));
}

static __attribute__((noinline)) int try_wrmsr(uint32_t msr, uint64_t v)
{
    return FAULT_OF(GP_ONLY, wrmsr(msr, v));
}

static __attribute__((noinline)) int try_cr4(uint64_t v)
{
    return FAULT_OF(GP_ONLY, write_cr4(v));
}

static __attribute__((noinline)) int try_cr8(uint64_t v)
{
    return FAULT_OF(GP_ONLY, __asm__ volatile("mov %0, %%cr8" ::"r"(v) : "memory"));
}

/* --- destinations and vectors ------------------------------------------------------------------ */
static bool is_x2apic(void)
{
    return lapic() == &lapic_x2apic_ops;
}

static bool is_live(uint32_t dest)
{
    for (unsigned i = 0; i < cpus_online; i++)
        if (cpus[i].apic_id == dest)
            return true;
    return false;
}

static uint32_t nonexistent_id(struct hostile_cpu *h)
{
    for (;;) {
        uint32_t d = is_x2apic() && below(h, 2) ? (uint32_t)rnd(h) : (uint32_t)below(h, 0xff);
        if (!is_live(d) && d != lapic()->broadcast)
            return d;
    }
}

/* A vector that may reach a live CPU: none of 16-31 (exceptions in the IDT) or 0xFF (handled as
 * spurious, left in service); 0-15 (illegal: ESR, not delivered) unless under QEMU TCG or allowed. */
static uint32_t live_vector(uint32_t v, bool illegal_ok)
{
    v &= 0xff;
    if (v == VECTOR_SPURIOUS)
        return 0xfe;
    if ((v >= 16 && v < 32) || (v < 16 && (!illegal_ok || under_tcg)))
        return v + 0x20;
    return v;
}

/* --- ICR ----------------------------------------------------------------------------------------- */
#define DM_FIXED 0
#define DM_LOWEST 1
#define DM_SMI 2
#define DM_NMI 4
#define DM_INIT 5
#define DM_STARTUP 6
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_RESERVED_LOW 0xfff32000u    /* 31:20, 17:16 (xAPIC remote read status), 13 */

static void do_icr(struct hostile_cpu *h)
{
    uint32_t dm = (uint32_t)below(h, 8), vector = (uint32_t)below(h, 256);
    bool logical = below(h, 4) == 0;
    uint32_t shorthand = below(h, 4) == 0 ? (uint32_t)below(h, 4) : 0;
    uint32_t flags = (below(h, 2) ? ICR_ASSERT : 0) | (below(h, 2) ? ICR_TRIGGER_LEVEL : 0);
    /* QEMU TCG stores the read-only delivery-status bit as written (docs/guest.md). */
    uint32_t reserved = below(h, 4) == 0 ? (uint32_t)rnd(h) & ICR_RESERVED_LOW : 0;
    if (!under_tcg && below(h, 8) == 0)
        reserved |= ICR_DELIVERY_PENDING;
    uint32_t dest;
    switch (below(h, 4)) {
    case 0:
        dest = cpus[below(h, cpus_online)].apic_id;
        break;
    case 1:
        dest = nonexistent_id(h);
        break;
    case 2:
        dest = lapic()->broadcast;
        break;
    default:
        dest = is_x2apic() ? (uint32_t)rnd(h) : (uint32_t)below(h, 256);
        break;
    }
    bool reaches_live = shorthand || logical || is_live(dest) || dest == lapic()->broadcast;
    if (reaches_live && (dm == DM_INIT || dm == DM_STARTUP || dm == DM_SMI)) {
        shorthand = 0;
        logical = false;
        dest = nonexistent_id(h);
    } else if (reaches_live && dm == DM_NMI) {
        shorthand = 0;
        logical = false;
        dest = cpus_online > 1 && below(h, 2) ? cpus[1 + below(h, cpus_online - 1)].apic_id : nonexistent_id(h);
    } else if (reaches_live) {
        vector = live_vector(vector, true);
    }
    uint32_t low = vector | dm << 8 | (logical ? ICR_LOGICAL : 0) | flags | shorthand << 18 | reserved;
    note(h, ICR, low, dest);
    if (is_x2apic()) {
        count_fault(h, try_wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), (uint64_t)dest << 32 | low));
        return;
    }
    /* xAPIC: the destination in ICR_HIGH 31:24, with reserved bits 23:0 now and then. */
    uint32_t high = dest << 24 | (below(h, 4) == 0 ? (uint32_t)rnd(h) & 0xffffff : 0);
    volatile uint32_t *icr_low = (volatile uint32_t *)(XAPIC_BASE + LAPIC_ICR_LOW);
    uint64_t deadline = tsc_deadline_us(100000);
    while ((*icr_low & ICR_DELIVERY_PENDING) && !tsc_passed(deadline))
        cpu_relax();
    *(volatile uint32_t *)(XAPIC_BASE + LAPIC_ICR_HIGH) = high;
    *icr_low = low;
    while ((*icr_low & ICR_DELIVERY_PENDING) && !tsc_passed(deadline))
        cpu_relax();
    CHECK(!(*icr_low & ICR_DELIVERY_PENDING), "cpu %u: ICR 0x%x:%x still busy after 100 ms", me(), high, low);
}

/* --- LAPIC registers ----------------------------------------------------------------------------- */
static bool is_lvt(unsigned reg)
{
    return reg == 0x2f0 || (reg >= LAPIC_LVT_TIMER && reg <= LAPIC_LVT_ERROR);
}

/* Registers a random value could turn against the guest; written only through sanitize(). */
static bool is_sensitive(unsigned reg)
{
    return reg == LAPIC_ID || reg == LAPIC_SVR || reg == LAPIC_ICR_LOW || reg == LAPIC_SELF_IPI || is_lvt(reg);
}

/* The value written to register reg: a vector from 32 up in SVR and the LVTs; LINT0/LINT1 keep any
 * delivery mode (their pins never fire here), the other LVTs fixed or NMI. */
static uint64_t sanitize(unsigned reg, uint64_t v)
{
    if (reg == LAPIC_SVR)
        return (v & 0xff) < 0x20 ? v | 0xff : v;
    if (reg == LAPIC_SELF_IPI)
        return (v & ~0xffull) | live_vector((uint32_t)v, false);
    if (reg == LAPIC_TIMER_INITIAL && under_tcg)
        return v | 0x1000;    /* no sub-microsecond periodic timer in the emulator */
    if (!is_lvt(reg))
        return v;
    v = (v & ~0xffull) | live_vector((uint32_t)v, true);
    unsigned dm = (v >> 8) & 7;
    if (reg != LAPIC_LVT_LINT0 && reg != LAPIC_LVT_LINT1 && dm != DM_FIXED && dm != DM_NMI)
        v &= ~0x700ull;
    return v;
}

static uint64_t mmio_read(uintptr_t a, unsigned size)
{
    uint64_t v = 0;
    switch (size) {
    case 1: {
        uint8_t b;
        __asm__ volatile("movb (%1), %0" : "=q"(b) : "r"(a) : "memory");
        v = b;
        break;
    }
    case 2: {
        uint16_t w;
        __asm__ volatile("movw (%1), %0" : "=r"(w) : "r"(a) : "memory");
        v = w;
        break;
    }
    case 4: {
        uint32_t d;
        __asm__ volatile("movl (%1), %0" : "=r"(d) : "r"(a) : "memory");
        v = d;
        break;
    }
    default:
        __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory");
        break;
    }
    return v;
}

static void mmio_write(uintptr_t a, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        __asm__ volatile("movb %0, (%1)" ::"q"((uint8_t)v), "r"(a) : "memory");
        break;
    case 2:
        __asm__ volatile("movw %0, (%1)" ::"r"((uint16_t)v), "r"(a) : "memory");
        break;
    case 4:
        __asm__ volatile("movl %0, (%1)" ::"r"((uint32_t)v), "r"(a) : "memory");
        break;
    default:
        __asm__ volatile("movq %0, (%1)" ::"r"(v), "r"(a) : "memory");
        break;
    }
}

static void do_lapic_read(struct hostile_cpu *h)
{
    if (is_x2apic() && below(h, 5)) {
        uint32_t msr = 0x800 + (uint32_t)below(h, 0x100);
        note(h, LAPIC_READ, msr, 0);
        count_fault(h, try_rdmsr(msr));
        return;
    }
    /* Any size at any offset, the last bytes of the page included (an 8-byte read from 0xFFC
     * crosses into 0xFEE01000); in x2APIC mode the page is not the LAPIC any more. */
    unsigned size = 1u << below(h, 4), off = (unsigned)below(h, 0x1000);
    note(h, LAPIC_READ, XAPIC_BASE + off, size);
    (void)mmio_read(XAPIC_BASE + off, size);
}

/* QEMU sends a write to offset 0-0xF or past the page as an MSI with the written value as its data
 * (hw/intc/apic.c, apic_mem_write): any delivery mode to any CPU.  apicvisor has no MSIs there. */
static bool touches_sensitive(unsigned off, unsigned size)
{
    for (unsigned b = off; b < off + size; b++)
        if (b < 0x1000 ? is_sensitive(b & ~0xfu) || (under_tcg && b < 0x10) : under_tcg)
            return true;
    return false;
}

static void do_lapic_write(struct hostile_cpu *h)
{
    uint64_t v = below(h, 2) ? (uint32_t)rnd(h) : rnd(h);
    if (is_x2apic()) {
        uint32_t msr = 0x800 + (uint32_t)below(h, 0x100);
        unsigned reg = (msr - 0x800) * 16;
        if (reg == LAPIC_ICR_LOW) {
            do_icr(h);
            return;
        }
        if (reg == LAPIC_EOI && below(h, 2))
            v = 0;
        v = sanitize(reg, v);
        note(h, LAPIC_WRITE, msr, v);
        count_fault(h, try_wrmsr(msr, v));
        return;
    }
    unsigned size = 1u << below(h, 4), off = (unsigned)below(h, 0x1000);
    if (size == 4 && off % 16 == 0 && is_sensitive(off)) {
        if (off == LAPIC_ICR_LOW) {
            do_icr(h);
            return;
        }
        /* The ID is written back unchanged: xAPIC IDs are writable on some parts. */
        v = off == LAPIC_ID ? lapic_xapic_ops.read(LAPIC_ID) : sanitize(off, v);
    } else {
        while (touches_sensitive(off, size))
            off = (unsigned)below(h, 0x1000);
    }
    note(h, LAPIC_WRITE, XAPIC_BASE + off, v);
    mmio_write(XAPIC_BASE + off, size, v);
}

/* --- ports, MSRs, CPUID, control registers, VMX ---------------------------------------------------- */
static void do_port_read(struct hostile_cpu *h)
{
    uint16_t port = (uint16_t)rnd(h);
    unsigned size = 1u << below(h, 3);
    note(h, PORT_READ, port, size);
    uint32_t v;
    if (size == 1)
        __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
    else if (size == 2)
        __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
    else
        __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
    (void)v;
}

static bool port_write_ok(uint16_t port, unsigned size)
{
    for (unsigned p = port; p < port + size; p++) {
        if (p == 0xf4 || p == 0x8900 || (p >= 0x3f8 && p <= 0x3ff) || (p >= 0x40 && p <= 0x43) || p == 0x61 ||
            (p >= 0x600 && p <= 0x60b)) /* ACPI PM1: SLP_EN with S5 powers off, as it should */
            return false;
    }
    return true;
}

/* Under apicvisor only: the ports above are left alone; the others are an empty bus or devices
 * that take any value (docs/hypercalls.md "What a guest sees").  Natively random
 * writes reach real devices (reset control, PCI configuration, ACPI). */
static void do_port_write(struct hostile_cpu *h)
{
    if (!under_apicvisor) {
        do_port_read(h);
        return;
    }
    uint16_t port;
    unsigned size = 1u << below(h, 3);
    do
        port = (uint16_t)rnd(h);
    while (!port_write_ok(port, size));
    uint32_t v = (uint32_t)rnd(h);
    note(h, PORT_WRITE, port, v);
    if (size == 1)
        __asm__ volatile("outb %b0, %w1" ::"a"(v), "Nd"(port));
    else if (size == 2)
        __asm__ volatile("outw %w0, %w1" ::"a"(v), "Nd"(port));
    else
        __asm__ volatile("outl %0, %w1" ::"a"(v), "Nd"(port));
}

static void do_msr_read(struct hostile_cpu *h)
{
    uint32_t msr;
    switch (below(h, 5)) {
    case 0:
    case 1:
        msr = (uint32_t)below(h, 0x2000);
        break;
    case 2:
        msr = 0xc0000000u + (uint32_t)below(h, 0x2000);
        break;
    case 3:
        msr = 0x40000000u + (uint32_t)below(h, 0x200);
        break;
    default:
        msr = (uint32_t)rnd(h);
        break;
    }
    note(h, MSR_READ, msr, 0);
    count_fault(h, try_rdmsr(msr));
}

static void do_cpuid(struct hostile_cpu *h)
{
    static const uint32_t bases[] = { 0, 0x40000000u, 0x80000000u };
    uint32_t leaf = below(h, 4) ? bases[below(h, 3)] + (uint32_t)below(h, 0x24) : (uint32_t)rnd(h);
    uint32_t sub = below(h, 2) ? (uint32_t)below(h, 4) : (uint32_t)rnd(h);
    note(h, CPUID, leaf, sub);
    (void)cpuid(leaf, sub);
}

/* One or two bits the guest does not use (PAE is the only one it sets, FRED would change how every
 * event is delivered), with IF=0; restored at once when the write went through.  Under QEMU TCG
 * only bits every CPU has: there a reserved bit (seen: bit 53) hangs the vCPU on the MOV to CR4
 * instead of raising #GP (docs/guest.md). */
static void do_cr4(struct hostile_cpu *h)
{
    uint64_t flip = 0;
    for (unsigned n = 1 + (unsigned)below(h, 2); n; n--) {
        uint64_t bit = 1ull << below(h, 64);
        if (bit != CR4_PAE && bit != CR4_FRED && (!under_tcg || (bit & CR4_BASELINE)))
            flip |= bit;
    }
    uint64_t old = read_cr4();
    note(h, CR4_WRITE, old ^ flip, old);
    bool was_on = interrupts_enabled();
    cli();
    int v = try_cr4(old ^ flip);
    if (v < 0)
        write_cr4(old);
    if (was_on)
        sti();
    count_fault(h, v);
    CHECK(read_cr4() == old, "cpu %u: CR4 0x%lx after writing 0x%lx and restoring 0x%lx", me(), read_cr4(),
          old ^ flip, old);
}

static void do_cr8(struct hostile_cpu *h)
{
    uint64_t v = below(h, 4) ? below(h, 16) : rnd(h);
    note(h, CR8_WRITE, v, 0);
    count_fault(h, try_cr8(v));
}

static void do_vmx(struct hostile_cpu *h)
{
    static const char *const names[] = { "VMXON", "VMXOFF", "VMCLEAR", "VMPTRLD", "VMPTRST", "VMLAUNCH",
                                         "VMRESUME", "VMREAD", "VMWRITE", "INVEPT", "INVVPID", "VMFUNC" };
    uint64_t mem[2] = { rnd(h) & 0xfffff000ull, rnd(h) };
    uint64_t r = below(h, 4), field = rnd(h) & 0xffff;
    unsigned which = (unsigned)below(h, 12);
    int v = -1;
    note(h, VMX, which, mem[0]);
    switch (which) {
    case 0:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmxon %0" ::"m"(mem[0]) : "cc", "memory"));
        break;
    case 1:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmxoff" ::: "cc", "memory"));
        break;
    case 2:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmclear %0" ::"m"(mem[0]) : "cc", "memory"));
        break;
    case 3:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmptrld %0" ::"m"(mem[0]) : "cc", "memory"));
        break;
    case 4:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmptrst %0" : "=m"(mem[0])::"cc", "memory"));
        break;
    case 5:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmlaunch" ::: "cc", "memory"));
        break;
    case 6:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmresume" ::: "cc", "memory"));
        break;
    case 7:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmread %1, %0" : "=r"(r) : "r"(field) : "cc", "memory"));
        break;
    case 8:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmwrite %0, %1" ::"r"(r), "r"(field) : "cc", "memory"));
        break;
    case 9:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("invept %0, %1" ::"m"(mem), "r"(r) : "cc", "memory"));
        break;
    case 10:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("invvpid %0, %1" ::"m"(mem), "r"(r) : "cc", "memory"));
        break;
    default:
        v = FAULT_OF(GP_OR_UD, __asm__ volatile("vmfunc" ::"a"(0), "c"(0) : "cc", "memory"));
        break;
    }
    count_fault(h, v);
    /* QEMU TCG executes some of them without a fault (seen: VMXON, VMPTRST; docs/guest.md). */
    CHECK(v == VECTOR_UD || under_tcg, "cpu %u: %s raised %s, not #UD (CPUID.1:ECX.VMX is clear)", me(),
          names[which], v < 0 ? "nothing" : "#GP");
}

static void one_operation(struct hostile_cpu *h)
{
    unsigned pick = (unsigned)below(h, 100), k = 0;
    while (pick >= kind_weights[k])
        pick -= kind_weights[k++];
    switch (k) {
    case LAPIC_READ:
        do_lapic_read(h);
        break;
    case LAPIC_WRITE:
        do_lapic_write(h);
        break;
    case ICR:
        do_icr(h);
        break;
    case PORT_READ:
        do_port_read(h);
        break;
    case PORT_WRITE:
        do_port_write(h);
        break;
    case MSR_READ:
        do_msr_read(h);
        break;
    case CPUID:
        do_cpuid(h);
        break;
    case CR4_WRITE:
        do_cr4(h);
        break;
    case CR8_WRITE:
        do_cr8(h);
        break;
    default:
        do_vmx(h);
        break;
    }
}

/* --- putting the LAPIC back and checking it ------------------------------------------------------ */
static void drain_and_eoi(void)
{
    sti();
    delay_us(DRAIN_US);
    for (int i = 0; i < 256 && lapic()->read(LAPIC_PPR) >= 0x10; i++)
        lapic_eoi();
}

static void restore_cpu(struct hostile_cpu *h)
{
    cli();
    if (read_cr4() != h->cr4)
        write_cr4(h->cr4);
    __asm__ volatile("mov %0, %%cr8" ::"r"(0ull) : "memory");
    lapic_setup(h->mode);
    if (h->mode == &lapic_xapic_ops) {
        lapic()->write(LAPIC_DFR, h->dfr);
        lapic()->write(LAPIC_LDR, h->ldr);
    }
    drain_and_eoi();
    lapic_read_esr();
}

static void hostile_cpu(void *unused)
{
    (void)unused;
    struct cpu *c = this_cpu();
    struct hostile_cpu *h = &hostile[me()];
    *h = (struct hostile_cpu){ .rng = splitmix(splitmix(options.seed) + me()) | 1, .last_kind = KINDS,
                               .cr4 = read_cr4(), .mode = lapic() };
    if (h->mode == &lapic_xapic_ops) {
        h->ldr = lapic()->read(LAPIC_LDR);
        h->dfr = lapic()->read(LAPIC_DFR);
    }
    /* An unexpected exception ends the operations here, not the whole call: the LAPIC is put back
     * either way (CPU 0 runs this inside the case's own recovery point). */
    struct recover_point outer = c->case_point;
    if (recover_save(&c->case_point) == 0)
        for (unsigned i = 0; i < options.hostile_ops && !test_failed(); i++)
            one_operation(h);
    c->case_point = outer;
    restore_cpu(h);
}

static void check_restored(void *unused)
{
    (void)unused;
    struct hostile_cpu *h = &hostile[me()];
    drain_and_eoi();
    lapic_read_esr();   /* errors of the last hostile IPIs from other CPUs */
    const struct lapic_ops *l = lapic();
    CHECK(l == h->mode && lapic_mode_confirmed(), "cpu %u: IA32_APIC_BASE 0x%lx, not %s mode", me(),
          rdmsr(MSR_APIC_BASE), h->mode->name);
    CHECK((l->read(LAPIC_SVR) & 0x1ff) == (SVR_ENABLE | VECTOR_SPURIOUS), "cpu %u: SVR 0x%x after the restore", me(),
          l->read(LAPIC_SVR));
    CHECK(l->read(LAPIC_TPR) == 0, "cpu %u: TPR 0x%x after the restore", me(), l->read(LAPIC_TPR));
    static const enum lapic_reg lvts[] = { LAPIC_LVT_TIMER, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1, LAPIC_LVT_ERROR };
    for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
        CHECK(l->read(lvts[i]) & LVT_MASKED, "cpu %u: LVT 0x%x reads 0x%x, not masked", me(), lvts[i],
              l->read(lvts[i]));
    for (unsigned i = 0; i < 8; i++) {
        uint32_t isr = l->read(LAPIC_ISR + i * 0x10), irr = l->read(LAPIC_IRR + i * 0x10);
        CHECK(isr == 0 && irr == 0, "cpu %u: vectors 0x%x-0x%x: ISR 0x%x IRR 0x%x after EOIs", me(), i * 32,
              i * 32 + 31, isr, irr);
    }
    CHECK(read_cr4() == h->cr4, "cpu %u: CR4 0x%lx, was 0x%lx", me(), read_cr4(), h->cr4);
}

void test_hostile_random(void)
{
    char sig[13];
    under_apicvisor = hv_is_apicvisor();
    under_tcg = under_qemu_tcg();
    kprintf("# hostile-random: seed %u, %u operations per CPU, %s mode, %u CPUs, %s\n", options.seed,
            options.hostile_ops, lapic()->name, cpus_online,
            under_apicvisor ? "under apicvisor" : hv_signature(sig) ? sig : "no hypervisor");
    uint64_t start = rdtsc();
    smp_call_all(hostile_cpu, 0);
    uint64_t cycles = rdtsc() - start;
    unsigned ops = 0, gp = 0, ud = 0, per_kind[KINDS] = { 0 };
    for (unsigned i = 0; i < cpus_online; i++) {
        ops += hostile[i].ops;
        gp += hostile[i].gp;
        ud += hostile[i].ud;
        for (unsigned k = 0; k < KINDS; k++)
            per_kind[k] += hostile[i].per_kind[k];
    }
    kprintf("# hostile-random: seed %u, %u operations, %u faults (#GP %u, #UD %u), on %u CPUs\n", options.seed, ops,
            gp + ud, gp, ud, cpus_online);
    kprintf("#   by kind:");
    for (unsigned k = 0; k < KINDS; k++)
        kprintf(" %s %u", kind_names[k], per_kind[k]);
    kprintf(", %lu ms\n", tsc_to_us(cycles) / 1000);
    if (test_failed()) {
        for (unsigned i = 0; i < cpus_online; i++)
            if (hostile[i].last_kind < KINDS)
                kprintf("# hostile-random: cpu %u, operation %u: %s 0x%lx 0x%lx\n", i, hostile[i].ops,
                        kind_names[hostile[i].last_kind], hostile[i].last_a, hostile[i].last_b);
        return;
    }
    CHECK(ops == cpus_online * options.hostile_ops, "%u operations of %u", ops, cpus_online * options.hostile_ops);
    /* The machine still works. */
    smp_call_all(check_restored, 0);
    test_lapic_mode();
    test_apic_id();
    if (under_tcg)
        kprintf("# hostile-random: ESR not checked: QEMU TCG never clears it (docs/guest.md)\n");
    else
        test_esr();
    test_ipi_fixed_physical();
}
