#include "vmm/vm.h"

#include <string.h>

#include "vlapic/vapic_page.h"
#include "vlapic/x2apic_msr.h"
#include "vmm/apic_virt.h"
#include "vmm/apicv_level.h"
#include "vmm/cpu_state.h"
#include "vmm/host/cpu_setup.h"
#include "vmm/vcpu_events.h"
#include "lib/console.h"
#include "vmm/host/lapic.h"
#include "vmm/exit_names.h"
#include "vmm/exits.h"
#include "vmm/apicv_probe_run.h"
#include "vmm/msr_bitmap.h"
#include "vmm/multiboot.h"
#include "vmm/platform.h"
#include "vmx/vmcs_access.h"
#include "vmm/vmcs_setup.h"
#include "lib/cpu.h"
#include "vmm/host/tsc.h"

#define XAPIC_DEFAULT_BASE 0xfee00000ull
#define PI_NOTIFICATION_VECTOR 0xf2
#define LAPIC_MIN_PERIOD_US 200     /* the shortest periodic LAPIC timer interval (KVM's default) */ /* above every vector the guest's devices could use */
#define VMX_MISC_PREEMPTION_SHIFT 0x1full

static struct pmem *pm;
static struct vcpu vcpu_table[APICVISOR_MAX_CPUS];

static uint64_t alloc_zeroed_pages(uint64_t pages, uint64_t align)
{
    uint64_t pa = pmem_alloc_any(pm, pages, align);
    if (pa)
        memset((void *)pa, 0, pages * PAGE_SIZE);
    return pa;
}

static void *ept_alloc_page(void *ctx)
{
    (void)ctx;
    return (void *)alloc_zeroed_pages(1, PAGE_SIZE);
}

static uint64_t identity_v2p(void *ctx, void *p)
{
    (void)ctx;
    return (uint64_t)p;
}

static void *identity_p2v(void *ctx, uint64_t pa)
{
    (void)ctx;
    return (void *)pa;
}

static const struct page_alloc ept_pages = { ept_alloc_page, identity_v2p, identity_p2v, 0 };

void *guest_ram_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
    if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
        return 0;
    return (void *)(vm->ram_hpa + gpa);
}

static enum lapic_mode initial_mode(const struct options *o)
{
    return (o->x2apic == X2APIC_ON || o->x2apic == X2APIC_ONLY) ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
}

static int create_memory(struct vm *vm)
{
    vm->ram_size = (uint64_t)vm->opts->mem_mib << 20;
    vm->ram_hpa = alloc_zeroed_pages(vm->ram_size / PAGE_SIZE, EPT_LARGE_PAGE_SIZE);
    if (!vm->ram_hpa) {
        kprintf("vm: cannot allocate %u MiB of guest RAM\n", vm->opts->mem_mib);
        return -1;
    }
    int err = ept_init(&vm->ept, &ept_pages, vm->caps->ept_vpid);
    if (!err)
        err = ept_map(&vm->ept, 0, vm->ram_hpa, vm->ram_size, EPT_RWX, EPT_MEMTYPE_WB);
    if (!err && vm->apicv >= APICV_TPR && vmx_ctl_can_be_1(vm->caps->ctl[VMX_CTL_PROC2], CPU2_VIRTUALIZE_APIC_ACCESSES)) {
        /* SDM 30.4: accesses to this page are virtualized; its contents are never used.  Every
         * x2apic= policy has it: a guest that starts in x2APIC mode may still go back to xAPIC
         * (x2APIC -> disabled -> xAPIC, as Linux does without interrupt remapping).  Without it
         * (apicv=off) the xAPIC page is left out of the EPT and its accesses are emulated. */
        vm->apic_access_page = alloc_zeroed_pages(1, PAGE_SIZE);
        err = vm->apic_access_page ? ept_map_page(&vm->ept, XAPIC_DEFAULT_BASE, vm->apic_access_page,
                                                  EPT_READ | EPT_WRITE, EPT_MEMTYPE_UC)
                                   : EPT_ERR_NO_MEMORY;
    }
    if (!err)
        err = ept_eptp(&vm->ept, false, &vm->eptp);
    if (err) {
        kprintf("vm: building the EPT failed: %s\n", ept_error_name(err));
        return -1;
    }
    kprintf("vm: %u MiB guest RAM at host 0x%lx, EPT root 0x%lx\n", vm->opts->mem_mib, (unsigned long)vm->ram_hpa,
            (unsigned long)vm->ept.pml4_pa);
    return 0;
}

static int create_io_bitmaps(struct vm *vm)
{
    vm->io_bitmap_a = alloc_zeroed_pages(1, PAGE_SIZE);
    vm->io_bitmap_b = alloc_zeroed_pages(1, PAGE_SIZE);
    if (!vm->io_bitmap_a || !vm->io_bitmap_b)
        return -1;
    /* SDM 25.6.4: bitmap A covers ports 0-0x7fff, B 0x8000-0xffff; a 1 bit exits. */
    memset((void *)vm->io_bitmap_a, 0xff, PAGE_SIZE);
    memset((void *)vm->io_bitmap_b, 0xff, PAGE_SIZE);
    return 0;
}

static int create_vcpu(struct vm *vm, struct vcpu *v, unsigned id, uint32_t apic_id)
{
    enum lapic_mode mode = initial_mode(vm->opts);
    v->id = id;
    v->apic_id = apic_id;
    v->vm = vm;
    v->vmcs = alloc_zeroed_pages(1, PAGE_SIZE);
    v->vapic_page = alloc_zeroed_pages(1, PAGE_SIZE);
    v->msr_bitmap = alloc_zeroed_pages(1, PAGE_SIZE);
    /* A page of its own: Bochs 3.0 wants the descriptor 4 KiB aligned (PLATFORM.md). */
    v->pi_desc = (struct pi_desc *)alloc_zeroed_pages(1, PAGE_SIZE);
    if (!v->vmcs || !v->vapic_page || !v->msr_bitmap || !v->pi_desc)
        return -1;
    pi_desc_init(v->pi_desc, vm->pi_vector, apic_id, lapic_x2apic());
    v->apic_base = apic_base_reset_value(id == 0, vm->opts->x2apic);
    /* seeds/001: every vCPU's page carries its own APIC ID, in the format of its mode. */
    if (!vapic_page_seed((struct vapic_page *)v->vapic_page, apic_id, mode)) {
        kprintf("vm: APIC ID %u cannot be seeded in %s mode\n", apic_id, lapic_mode_name(mode));
        return -1;
    }
    vlapic_init(&v->vlapic, (struct vapic_page *)v->vapic_page, apic_id, mode);
    v->vlapic.min_period = tsc_us_to_ticks(LAPIC_MIN_PERIOD_US);
    msr_bitmap_init_guest((uint8_t *)v->msr_bitmap);
    msr_bitmap_apply_apic_policy((uint8_t *)v->msr_bitmap, mode, vm->apicv);
    return 0;
}

/* The guest= file by its format: a Linux bzImage (the Linux boot protocol, vmm/linux_boot.c) or
 * a Multiboot kernel (vmm/multiboot.c).  guest_cmdline= is its command line. */
static int load_guest(struct vm *vm, const struct boot_info *bi, enum lapic_mode mode, uint64_t rsdp)
{
    char err[160];
    uint8_t *ram = (uint8_t *)vm->ram_hpa;
    if (vm->linux_guest) {
        struct linux_load *l = &vm->linux_boot;
        if (linux_load(bi->guest_image, bi->guest_size, bi->initrd_image, bi->initrd_size, vm->opts->guest_cmdline,
                       ram, vm->ram_size, rsdp, l, err, sizeof(err))) {
            kprintf("vm: cannot load the Linux kernel %s: %s\n", vm->opts->guest, err);
            return -1;
        }
        kprintf("vm: Linux kernel %s (boot protocol %u.%02u) loaded at 0x%lx-0x%lx, %s entry 0x%lx, boot_params "
                "0x%lx, %u vCPUs, LAPIC starts in %s mode\n", vm->opts->guest, l->version >> 8, l->version & 0xff,
                (unsigned long)l->kernel_addr, (unsigned long)l->kernel_end, l->entry64 ? "64-bit" : "32-bit",
                (unsigned long)l->entry, (unsigned long)l->boot_params, vm->nvcpus, lapic_mode_name(mode));
        if (l->initrd_size)
            kprintf("vm: initrd %s at 0x%lx, %lu bytes\n", vm->opts->initrd, (unsigned long)l->initrd_addr,
                    (unsigned long)l->initrd_size);
        return 0;
    }
    if (bi->initrd_image) {
        kprintf("vm: option 'initrd': %s is a Multiboot kernel; initrd= is for a Linux bzImage\n", vm->opts->guest);
        return -1;
    }
    struct multiboot_load mb;
    if (multiboot_load(bi->guest_image, bi->guest_size, ram, vm->ram_size, vm->opts->guest_cmdline, &mb, err,
                       sizeof(err))) {
        kprintf("vm: cannot load the guest %s: %s\n", vm->opts->guest, err);
        return -1;
    }
    kprintf("vm: guest %s loaded at 0x%x-0x%x, entry 0x%x, %u vCPUs, LAPIC starts in %s mode\n", vm->opts->guest,
            mb.image_lo, mb.image_hi, mb.entry, vm->nvcpus, lapic_mode_name(mode));
    vm->entry = mb.entry;
    vm->multiboot_info = mb.info_addr;
    return 0;
}

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static enum vm_timer choose_timer(const struct vm *vm)
{
    static const char *const names[] = {
        [VM_TIMER_NONE] = "none: LAPIC timer interrupts wait for the next VM exit, no TSC-deadline mode",
        [VM_TIMER_PREEMPTION] = "VMX-preemption timer",
        [VM_TIMER_HOST_LAPIC] = "the host LAPIC timer in TSC-deadline mode (no VMX-preemption timer)",
    };
    enum vm_timer t = VM_TIMER_NONE;
    if (vmx_ctl_can_be_1(vm->caps->ctl[VMX_CTL_PIN], PIN_VMX_PREEMPTION_TIMER) &&
        vm->opts->preemption_timer == PREEMPTION_TIMER_AUTO)
        t = VM_TIMER_PREEMPTION;
    else if (cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE)
        t = VM_TIMER_HOST_LAPIC;
    kprintf("vm: LAPIC timer deadlines: %s\n", names[t]);
    return t;
}

static void discard(void *ctx, const char *s, size_t n)
{
    (void)ctx, (void)s, (void)n;
}

/* The level efi/main.c chose (and reported) before the hand-over: opts->apicv is never auto here. */
static int set_apicv(struct vm *vm, enum lapic_mode mode, bool hlt_in_guest)
{
    int level = apicv_choose(vm->caps, vm->opts->apicv, mode, hlt_in_guest, &vm->controls, discard, 0);
    if (level < 0) {
        kprintf("vm: this CPU lacks controls apicv=%s needs\n", apicv_level_name(vm->opts->apicv));
        return -1;
    }
    vm->apicv = (enum apicv_level)level;
    vm->x2apic_virt = level >= APICV_TPR && vmx_ctl_can_be_1(vm->caps->ctl[VMX_CTL_PROC2], CPU2_VIRTUALIZE_X2APIC_MODE);
    vm->hlt_in_guest = !(vm->controls.ctl[VMX_CTL_PROC] & CPU_HLT_EXITING);
    return 0;
}

/* Where HLT runs at apicv=full (the other levels need its exit to inject): hlt=auto keeps it in the
 * guest only where the CPU passes the hlt probe of vmm/apicv_probe.h. */
static int choose_hlt(struct vm *vm, struct vcpu *probe, enum lapic_mode mode)
{
    if (vm->apicv != APICV_FULL)
        return 0;
    if (!vm->hlt_in_guest || vm->opts->hlt != HLT_AUTO) {
        const char *why = vm->opts->hlt == HLT_EXIT ? "hlt=exit"
                          : vm->hlt_in_guest       ? "hlt=guest"
                                                   : "no NMI exiting, which kicks need with HLT in the guest";
        kprintf("vm: HLT %s (%s)\n", vm->hlt_in_guest ? "runs in the guest" : "exits", why);
        return 0;
    }
    return apicv_probe_hlt(probe) ? 0 : set_apicv(vm, mode, false);
}

/* With virtual-interrupt delivery, the probes of vmm/apicv_probe.h on a scratch vCPU. */
static int probe_apicv(struct vm *vm, uint32_t apic_id, enum lapic_mode mode)
{
    static struct vcpu probe; /* VPID nvcpus + 1, which no vCPU has */
    if (vm->apicv < APICV_VID)
        return 0;
    if (create_vcpu(vm, &probe, vm->nvcpus, apic_id)) {
        kprintf("vm: out of memory for the APIC virtualization probes\n");
        return -1;
    }
    apicv_probe_if(&probe);
    return choose_hlt(vm, &probe, mode);
}

int vm_create(struct vm *vm, struct boot_info *bi)
{
    pm = &bi->pmem;
    memset(vm, 0, sizeof(*vm));
    vm->opts = &bi->opts;
    vm->caps = &bi->caps;
    vm->nvcpus = bi->ncpus;
    vm->vcpus = vcpu_table;
    enum lapic_mode mode = initial_mode(vm->opts);
    if (set_apicv(vm, mode, vm->opts->hlt != HLT_EXIT))
        return -1;
    vm->pi_vector = PI_NOTIFICATION_VECTOR;
    /* Root operation takes these only while a parked vCPU waits in HLT: end them and go on. */
    idt_set_eoi_vector(VCPU_KICK_VECTOR);
    idt_set_eoi_vector(VCPU_TIMER_VECTOR);
    idt_set_eoi_vector(PI_NOTIFICATION_VECTOR);
    vm->timer = choose_timer(vm);
    vm->preemption_shift = (unsigned)(vm->caps->misc & VMX_MISC_PREEMPTION_SHIFT);
    if (create_memory(vm) || create_io_bitmaps(vm))
        return -1;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (create_vcpu(vm, &vm->vcpus[i], i, bi->apic_id[i])) {
            kprintf("vm: out of memory for vCPU %u\n", i);
            return -1;
        }
    }
    if (probe_apicv(vm, bi->apic_id[0], mode))
        return -1;
    cpu_state_init_vm(vm);
    uint64_t rsdp = 0;
    vm->linux_guest = linux_is_bzimage(bi->guest_image, bi->guest_size);
    if (platform_init(vm, &rsdp))
        return -1;
    return load_guest(vm, bi, mode, rsdp);
}

/* Runs the current VMCS until the vCPU stops: its events first, then (unless it is parked) one
 * VM entry and the exit's handler, until the VM powers off. */
static void vcpu_loop(struct vcpu *v)
{
    if (v->vm->opts->dump == DUMP_ENTRY || v->vm->opts->dump == DUMP_ALL)
        vcpu_dump(v, "before the first VM entry (dump=entry)");
    v->ready = true;
    uint64_t exit_tsc = 0;
    uint32_t last_reason = EXIT_REASON_COUNT; /* none yet */
    while (!v->vm->powered_off) {
        if (!vcpu_accept_events(v))
            break;
        if (v->state != VCPU_RUNNING) {
            vcpu_park(v);
            continue;
        }
        apic_prepare_entry(v);
        if (last_reason < EXIT_REASON_COUNT)
            exit_stats_record(&v->stats, last_reason, rdtsc() - exit_tsc);
        if (vmx_run(&v->regs, v->launched)) {
            uint32_t err = vmread32(VM_INSTRUCTION_ERROR);
            kprintf("vcpu %u: %s failed: VM-instruction error %u (%s)\n", v->id, v->launched ? "VMRESUME" : "VMLAUNCH",
                    err, vmx_instruction_error_name(err));
            vcpu_dump(v, "VM-entry instruction failed");
            v->dumped = true;
            vm_power_off(v->vm, 0x7f, "VM entry failed");
            break;
        }
        exit_tsc = rdtsc();
        v->launched = true;
        uint32_t reason = vmread32(VM_EXIT_REASON);
        last_reason = reason & EXIT_REASON_BASIC_MASK;
        if (exit_dispatch(v, reason) == EXIT_STOP)
            break;
    }
    /* A failed guest: every vCPU shows where it was, not only the one that noticed. */
    bool poweroff_dump = v->vm->opts->dump == DUMP_POWEROFF || v->vm->opts->dump == DUMP_ALL;
    if ((v->vm->exit_code != 0 || poweroff_dump) && !v->dumped && v->launched)
        vcpu_dump(v, v->vm->exit_code == 0 ? "the guest powered off (dump=poweroff)"
                     : v->id == v->vm->stopped_by ? "the guest reported a failure"
                                                  : "the guest failed on another vCPU");
    __atomic_store_n(&v->state, VCPU_STOPPED, __ATOMIC_RELEASE);
}

/* Every vCPU that has started its loop leaves it after its next kick: the kick forces a VM exit
 * wherever it runs (halted, IF=0) and wakes a parked one. */
static bool must_stop(const struct vcpu *v, unsigned self)
{
    return v->id != self && v->ready && v->state != VCPU_STOPPED;
}

void vm_stop_vcpus(struct vm *vm, unsigned self)
{
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (must_stop(&vm->vcpus[i], self))
            vcpu_kick(&vm->vcpus[i]);
}

static void wait_for_vcpus(struct vm *vm, unsigned self)
{
    vm_stop_vcpus(vm, self);
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < vm->nvcpus; i++)
        while (must_stop(&vm->vcpus[i], self) && !tsc_elapsed_us(t0, 20000000)) /* dumps are slow */
            cpu_relax();
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (must_stop(&vm->vcpus[i], self))
            kprintf("vcpu %u: did not stop within 20 s\n", i);
}

void vm_run_bsp(struct vm *vm)
{
    struct vcpu *v = &vm->vcpus[0];
    if (vmcs_setup(v)) {
        vm_power_off(vm, 0x7f, "VMCS setup failed");
        return;
    }
    cpu_state_init_vcpu(v);
    if (vm->linux_guest)
        vmcs_guest_linux(v, &vm->linux_boot);
    else
        vmcs_guest_multiboot(v, vm->entry, vm->multiboot_info);
    apic_apply_mode(v, v->vlapic.mode);
    v->state = VCPU_RUNNING;
    /* The APs' VMCS setup reports its problems before the guest starts. */
    for (unsigned i = 1; i < vm->nvcpus; i++)
        while (!vm->vcpus[i].ready && !vm->powered_off)
            cpu_relax();
    kprintf("vcpu 0: entering the guest at 0x%lx\n", (unsigned long)vmread_natural(GUEST_RIP));
    vcpu_loop(v);
}

void vm_run_ap(struct vm *vm, unsigned id)
{
    struct vcpu *v = &vm->vcpus[id];
    if (vmcs_setup(v)) {
        vm_power_off(vm, 0x7f, "VMCS setup failed");
        v->state = VCPU_STOPPED;
        v->ready = true;
        return;
    }
    cpu_state_init_vcpu(v);
    apic_init_reset(v);
    vcpu_loop(v);
}

/* perf kvm stat's view: each vCPU's exits with the hypervisor's time per reason, then all. */
static void print_exit_stats(struct vm *vm)
{
    static struct exit_stats total;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        char who[16];
        fmt_snprintf(who, sizeof(who), "vcpu %u", i);
        struct console_lines out = { .used = 0 };
        exit_stats_print(&vm->vcpus[i].stats, who, console_lines_sink, &out);
        console_lines_flush(&out);
        exit_stats_add(&total, &vm->vcpus[i].stats);
    }
    struct console_lines out = { .used = 0 };
    exit_stats_print(&total, "all vCPUs", console_lines_sink, &out);
    console_lines_flush(&out);
}

/* One verdict line per run, whichever CPU gets there first. */
static bool claim_verdict(void)
{
    static volatile int printed;
    return !__atomic_exchange_n(&printed, 1, __ATOMIC_SEQ_CST);
}

void vm_report(struct vm *vm)
{
    wait_for_vcpus(vm, 0);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        platform_com1_flush(v);
        uint64_t total = 0;
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
            total += v->exits[r];
        kprintf("exits: vcpu %u: %lu in total%s\n", v->id, (unsigned long)total,
                v->launched ? "" : " (never started by the guest)");
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
            if (v->exits[r])
                kprintf("exits:   %-28s %10lu\n", vmx_exit_reason_name(r), (unsigned long)v->exits[r]);
    }
    print_exit_stats(vm);
    if (claim_verdict())
        kprintf("apicvisor: verdict: %s (guest exit code %lu)\n", vm->exit_code == 0 ? "PASS" : "FAIL",
                (unsigned long)vm->exit_code);
}

void vm_fail(struct vm *vm, const char *why)
{
    vm_power_off(vm, 0x7f, why);
    if (claim_verdict())
        kprintf("apicvisor: verdict: FAIL (%s)\n", why);
}
