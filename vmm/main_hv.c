/* The hypervisor after handover: its own page tables and descriptor tables, every CPU started
 * and put in VMX root operation. */
#include <string.h>

#include "vmm/boot_info.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/host/cpu_setup.h"
#include "vmm/host/exceptions.h"
#include "vmm/host/lapic.h"
#include "vmm/host/paging.h"
#include "vmm/host/percpu.h"
#include "vmm/host/power.h"
#include "vmm/host/smp.h"
#include "vmm/host/tsc.h"
#include "vmm/vm.h"
#include "vmx/vmxon.h"

struct percpu percpus[APICVISOR_MAX_CPUS];
unsigned ncpus;
static struct boot_info *boot;
static struct vm vm;
static volatile bool vm_ready;

static void *identity(uint64_t pa)
{
    return (void *)pa;
}

static uint64_t alloc_zeroed(uint64_t bytes)
{
    uint64_t pa = pmem_alloc_any(&boot->pmem, (bytes + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE);
    if (pa)
        memset((void *)pa, 0, bytes);
    return pa;
}

/* After a hypervisor exception (vmm/host/exceptions_hv.c has printed it): the other vCPUs are
 * kicked out of the guest, the run ends with a FAIL verdict, and the machine powers off. */
__attribute__((noreturn)) static void fatal_exception(void)
{
    if (vm_ready)
        vm_fail(&vm, "hypervisor exception");
    else
        kprintf("apicvisor: verdict: FAIL (hypervisor exception)\n");
    power_off(&boot->s5, boot->have_s5, 0x7f);
}

__attribute__((noreturn)) static void fatal(const char *why)
{
    kprintf("apicvisor: fatal: %s\n", why);
    kprintf("apicvisor: verdict: FAIL (hypervisor error)\n");
    power_off(&boot->s5, boot->have_s5, 0x7f);
}

static void prepare_cpus(void)
{
    ncpus = boot->ncpus;
    for (unsigned i = 0; i < ncpus; i++) {
        struct percpu *pc = &percpus[i];
        uint64_t stack = alloc_zeroed(CPU_STACK_SIZE), df = alloc_zeroed(PAGE_SIZE);
        pc->vmxon_region = alloc_zeroed(PAGE_SIZE);
        if (!stack || !df || !pc->vmxon_region)
            fatal("out of memory for per-CPU state");
        pc->cpu = i;
        pc->apic_id = boot->apic_id[i];
        pc->stack_top = stack + CPU_STACK_SIZE;
        pc->df_stack_top = df + PAGE_SIZE;
    }
}

/* Every CPU, the BSP included, ends its bring-up here. */
static void enter_vmx_root(struct percpu *pc)
{
    if (vmx_enter_root(&boot->caps, pc->vmxon_region, pc->cpu) == 0) {
        pc->in_vmx_root = true;
        kprintf("cpu %u: APIC ID %u in VMX root operation\n", pc->cpu, pc->apic_id);
    } else {
        pc->failed = true;
    }
}

static void report_switch(unsigned cpu, enum lapic_switch r, const char *why)
{
    switch (r) {
    case LAPIC_SWITCHED:
        kprintf("cpu %u: host LAPIC switched from xAPIC to x2APIC mode (%s)\n", cpu, why);
        return;
    case LAPIC_WAS_X2APIC:
        kprintf("cpu %u: host LAPIC already in x2APIC mode (%s)\n", cpu, why);
        return;
    case LAPIC_NO_X2APIC:
        kprintf("cpu %u: %s: no x2APIC (CPUID.1:ECX[21] = 0); the host LAPIC stays in xAPIC mode\n", cpu, why);
        return;
    case LAPIC_DISABLED:
        kprintf("cpu %u: %s: the host LAPIC is disabled (IA32_APIC_BASE.EN = 0); left alone\n", cpu, why);
        return;
    }
}

/* Every CPU uses the mode lapic_init() cached on the BSP.  An AP comes out of INIT-SIPI with its
 * LAPIC as it was (SDM 11.12.5.1: INIT keeps the mode), in xAPIC mode when the firmware left it
 * there, as with host_x2apic=on; it switches itself before anything uses its LAPIC. */
static bool ap_lapic_as_bsp(struct percpu *pc)
{
    if (lapic_x2apic() && !lapic_this_cpu_x2apic())
        report_switch(pc->cpu, lapic_switch_to_x2apic(),
                      boot->opts.host_x2apic == HOST_X2APIC_ON ? "host_x2apic=on" : "as the BSP's");
    if (lapic_this_cpu_x2apic() == lapic_x2apic())
        return true;
    kprintf("cpu %u: host LAPIC in %s mode but the BSP's in %s mode; this CPU stops\n", pc->cpu,
            lapic_this_cpu_x2apic() ? "x2APIC" : "xAPIC", lapic_x2apic() ? "x2APIC" : "xAPIC");
    return false;
}

static void ap_main(void *arg)
{
    struct percpu *pc = arg;
    cpu_setup(pc);
    pc->online = true;
    if (!ap_lapic_as_bsp(pc)) {
        pc->failed = true;
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    if (lapic_id() != pc->apic_id)
        kprintf("cpu %u: started as APIC ID %u, expected %u\n", pc->cpu, lapic_id(), pc->apic_id);
    enter_vmx_root(pc);
    /* The BSP builds the VM; each AP then runs its own vCPU. */
    while (!vm_ready)
        cpu_relax();
    if (pc->in_vmx_root && pc->cpu < vm.nvcpus)
        vm_run_ap(&vm, pc->cpu);
    for (;;)
        __asm__ volatile("cli; hlt");
}

__attribute__((noreturn)) void vmm_main(struct boot_info *bi)
{
    boot = bi;
    tsc_set_khz(bi->tsc_khz);
    kprintf("vmm: boot services exited; %lu MiB free for the hypervisor\n",
            (unsigned long)(bi->pmem.free_pages * PAGE_SIZE >> 20));
    /* All of RAM, so that nothing allocated is left unmapped on a machine with RAM above 4 GiB. */
    uint64_t cr3 = paging_build_identity(&bi->pmem, bi->pmem.top, identity);
    if (!cr3)
        fatal("out of memory for page tables");
    __asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
    idt_init();
    exceptions_on_fatal(fatal_exception);
    prepare_cpus();
    struct percpu *bsp = &percpus[0];
    cpu_setup(bsp);
    bsp->online = true;
    if (bi->opts.host_x2apic == HOST_X2APIC_ON) /* before lapic_init() caches the mode */
        report_switch(0, lapic_switch_to_x2apic(), "host_x2apic=on");
    lapic_init();
    kprintf("vmm: own GDT, IDT and page tables loaded; host LAPIC in %s mode\n", lapic_x2apic() ? "x2APIC" : "xAPIC");

    unsigned started = smp_start_aps(bi->ap_trampoline, cr3, ap_main);
    kprintf("vmm: %u of %u APs started\n", started, ncpus - 1);
    enter_vmx_root(bsp);

    /* Wait for every started CPU to report its VMXON result. */
    uint64_t t0 = rdtsc();
    unsigned in_root = 0, done = 0;
    while (!tsc_elapsed_us(t0, 1000000)) {
        in_root = done = 0;
        for (unsigned i = 0; i < ncpus; i++) {
            in_root += percpus[i].in_vmx_root;
            done += percpus[i].in_vmx_root || percpus[i].failed || !percpus[i].online;
        }
        if (done == ncpus)
            break;
        cpu_relax();
    }
    kprintf("vmm: %u of %u CPUs in VMX root operation\n", in_root, ncpus);
    if (in_root != ncpus)
        fatal("not every CPU entered VMX root operation");
    lapic_mask_firmware_interrupts();
    if (vm_create(&vm, bi))
        fatal("cannot create the guest");
    vm_ready = true;
    vm_run_bsp(&vm);
    vm_report(&vm);
    power_off(&bi->s5, bi->have_s5, (unsigned)vm.exit_code);
}
