#include "vmm/host/smp.h"

#include <string.h>

#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/host/lapic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/tsc.h"

extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_params[];

struct ap_params {
    uint64_t cr3, stack, entry, arg;
};

/* SDM Vol. 3A 9.4.4.1 "Typical BSP Initialization Sequence": INIT, 10 ms, SIPI, 200 us, SIPI.
 * A CPU that already left wait-for-SIPI ignores the second SIPI. */
static void start_one(const struct percpu *pc, uint64_t trampoline)
{
    lapic_send_ipi(pc->apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
    udelay(10000);
    for (int i = 0; i < 2 && !pc->online; i++) {
        lapic_send_ipi(pc->apic_id, ICR_DM_STARTUP | (uint32_t)(trampoline >> 12));
        udelay(200);
    }
}

unsigned smp_start_aps(uint64_t trampoline, uint64_t cr3, void (*ap_main)(void *percpu))
{
    size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
    memcpy((void *)trampoline, ap_trampoline_start, size);
    struct ap_params *params = (struct ap_params *)(trampoline + (uint64_t)(ap_trampoline_params - ap_trampoline_start));
    unsigned started = 0;
    for (unsigned cpu = 1; cpu < ncpus; cpu++) {
        struct percpu *pc = &percpus[cpu];
        /* One AP at a time: the parameter block is reused, so wait until this one is up. */
        *params = (struct ap_params){ cr3, pc->stack_top, (uint64_t)ap_main, (uint64_t)pc };
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        start_one(pc, trampoline);
        uint64_t t0 = rdtsc();
        while (!pc->online && !tsc_elapsed_us(t0, 500000))
            cpu_relax();
        if (pc->online)
            started++;
        else
            kprintf("smp: cpu %u (APIC ID %u) did not start within 500 ms\n", cpu, pc->apic_id);
    }
    return started;
}
