#include "guest/smp.h"

#include <string.h>

#include "guest/idt.h"
#include "guest/lapic.h"
#include "guest/percpu.h"
#include "guest/test.h"
#include "guest/timebase.h"
#include "guest/x86.h"

#define TRAMPOLINE_BASE 0x8000u          /* trampoline.asm is assembled for this address */
#define AP_START_TIMEOUT_US 1000000
#define AP_STRAGGLER_WAIT_US 20000
#define MSR_IA32_GS_BASE 0xc0000101u

struct cpu cpus[GUEST_MAX_CPUS];
volatile unsigned cpus_online = 1;
volatile uint32_t ap_ticket = 1;          /* boot.asm: the next AP's CPU number */
static const struct lapic_ops *ap_lapic;  /* the mode the BSP chose, for the APs to follow */

extern char trampoline_start[], trampoline_end[];

void cpu_setup(unsigned index)
{
    struct cpu *c = &cpus[index];
    c->self = c;
    c->index = index;
    c->fault_expected = -1;
    c->defer_eoi_vector = -1;
    wrmsr(MSR_IA32_GS_BASE, (uint64_t)c);
    idt_load();
}

/* A remote call runs under a recovery point so that an exception in it fails the case, not the CPU. */
static void run_call(struct cpu *c)
{
    if (recover_save(&c->case_point) == 0) {
        c->case_point_armed = true;
        c->call_fn(c->call_arg);
    }
    c->case_point_armed = false;
    __atomic_store_n(&c->call_done, c->call_req, __ATOMIC_RELEASE);
}

static __attribute__((noreturn)) void idle_loop(struct cpu *c)
{
    for (;;) {
        cli();
        if (__atomic_load_n(&c->call_req, __ATOMIC_ACQUIRE) != c->call_done) {
            sti();
            run_call(c);
        } else {
            sti_hlt();
        }
    }
}

void ap_main(unsigned index)
{
    cpu_setup(index);
    lapic_setup(ap_lapic);
    cpus[index].apic_id = lapic()->id();
    __atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
    idle_loop(&cpus[index]);
}

/* SDM Vol. 3A 9.4.4.1: INIT, wait 10 ms, SIPI, wait 200 us, SIPI.  The APs race for CPU numbers
 * and stacks in ap_start64 (boot.asm). */
unsigned smp_start_aps(unsigned expected)
{
    ap_lapic = lapic();
    memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, trampoline_start,
                     (size_t)(trampoline_end - trampoline_start));
    lapic()->send_ipi(0, ICR_ALL_EXCLUDING | ICR_ASSERT | ICR_INIT);
    delay_us(10000);
    for (int i = 0; i < 2; i++) {
        lapic()->send_ipi(0, ICR_ALL_EXCLUDING | ICR_ASSERT | ICR_STARTUP | (TRAMPOLINE_BASE >> 12));
        delay_us(200);
    }
    uint64_t deadline = tsc_deadline_us(AP_START_TIMEOUT_US);
    while (cpus_online < expected && !tsc_passed(deadline))
        cpu_relax();
    delay_us(AP_STRAGGLER_WAIT_US);
    return cpus_online;
}

bool smp_call_start(unsigned cpu, cpu_fn fn, void *arg)
{
    struct cpu *c = &cpus[cpu];
    if (c == this_cpu()) {
        fn(arg);
        return true;
    }
    if (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != c->call_req) {
        test_fail("cpu %u is still busy with an earlier call", cpu);
        return false;
    }
    c->call_fn = fn;
    c->call_arg = arg;
    __atomic_store_n(&c->call_req, c->call_req + 1, __ATOMIC_RELEASE);
    return lapic()->send_ipi(c->apic_id, ICR_ASSERT | ICR_FIXED | VECTOR_WAKE);
}

bool smp_call_wait(unsigned cpu)
{
    struct cpu *c = &cpus[cpu];
    while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != c->call_req) {
        if (test_timed_out()) {
            test_fail("cpu %u did not finish its call in time", cpu);
            return false;
        }
        cpu_relax();
    }
    return true;
}

bool smp_call(unsigned cpu, cpu_fn fn, void *arg)
{
    return smp_call_start(cpu, fn, arg) && smp_call_wait(cpu);
}

bool smp_call_all(cpu_fn fn, void *arg)
{
    bool ok = true;
    unsigned self = this_cpu()->index;
    for (unsigned i = 0; i < cpus_online; i++)
        if (i != self)
            ok &= smp_call_start(i, fn, arg);
    fn(arg);
    for (unsigned i = 0; i < cpus_online; i++)
        if (i != self)
            ok &= smp_call_wait(i);
    return ok;
}
