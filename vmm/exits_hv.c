#include "vmm/exits.h"

#include "apicvisor/hypercall.h"
#include "vmm/apic_virt.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/cpu_state.h"
#include "vmm/exit_names.h"
#include "vmm/hypercall.h"
#include "vmm/mem_emul.h"
#include "vmm/platform.h"
#include "vmm/host/lapic.h"
#include "lib/msr.h"
#include "lib/rflags.h"
#include "vmm/host/percpu.h"
#include "lib/spinlock.h"
#include "vmm/vcpu_dump.h"
#include "vmm/vm.h"
#include "vmm/vmcs_dump.h"
#include "vmx/vectoring.h"
#include "vmx/vmcs_access.h"

void inject_exception(unsigned vector, bool has_error_code, uint32_t error_code)
{
    uint32_t info = vector | (INTR_TYPE_HARDWARE_EXCEPTION << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;
    if (has_error_code) {
        info |= INTR_INFO_ERROR_CODE_VALID;
        vmwrite32(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
    }
    vmwrite32(VM_ENTRY_INTR_INFO, info);
}

#define PENDING_DBG_BS (1ull << 14) /* single-step, as DR6.BS (SDM 25.4.2) */

void complete_instruction(uint64_t length)
{
    vmwrite_natural(GUEST_RIP, vmread_natural(GUEST_RIP) + length);
    uint32_t intr = vmread32(GUEST_INTERRUPTIBILITY_INFO);
    if (intr & (GUEST_INTR_BLOCKING_STI | GUEST_INTR_BLOCKING_MOV_SS))
        vmwrite32(GUEST_INTERRUPTIBILITY_INFO, intr & ~(GUEST_INTR_BLOCKING_STI | GUEST_INTR_BLOCKING_MOV_SS));
    /* A single-stepping guest gets its #DB after the instruction, as from the CPU: the pending
     * debug exception is delivered right after VM entry (KVM's kvm_vcpu_do_singlestep). */
    if (vmread_natural(GUEST_RFLAGS) & RFLAGS_TF)
        vmwrite_natural(GUEST_PENDING_DBG_EXCEPTIONS, vmread_natural(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

enum exit_action skip_instruction(void)
{
    complete_instruction(vmread32(VM_EXIT_INSTRUCTION_LEN));
    return EXIT_RESUME;
}

void vcpu_dump(struct vcpu *v, const char *why)
{
    kprintf("vcpu %u: VMCS dump (%s)\n", v->id, why);
    struct vmcs_dump_apic_hook apic_dump_hook = { vcpu_apic_dump, v };
    static spinlock_t dump_lock; /* one dump at a time: several vCPUs can fail together */
    struct console_lines out = { .used = 0 };
    spin_lock(&dump_lock);
    vmcs_dump(&vmcs_current_reader, v->vm->caps, &apic_dump_hook, console_lines_sink, &out);
    console_lines_flush(&out);
    spin_unlock(&dump_lock);
}

void vm_power_off(struct vm *vm, uint64_t code, const char *why)
{
    static volatile int claimed; /* the first request wins, on whichever vCPU */
    if (__atomic_exchange_n(&claimed, 1, __ATOMIC_SEQ_CST))
        return;
    vm->exit_code = code;
    vm->stopped_by = this_cpu()->cpu;
    __atomic_store_n(&vm->powered_off, true, __ATOMIC_SEQ_CST);
    kprintf("apicvisor: guest powered off (%s), exit code %lu\n", why, (unsigned long)code);
    /* Every other vCPU leaves the guest now, halted, spinning with IF=0 or parked alike. */
    vm_stop_vcpus(vm, this_cpu()->cpu);
}

enum exit_action exit_stop(struct vcpu *v, const char *why)
{
    kprintf("vcpu %u: stopping the guest: %s\n", v->id, why);
    vcpu_dump(v, why);
    v->dumped = true;
    vm_power_off(v->vm, 0x7f, why);
    return EXIT_STOP;
}

static enum exit_action handle_unhandled(struct vcpu *v)
{
    uint32_t reason = vmread32(VM_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
    kprintf("vcpu %u: unhandled VM exit %u (%s) at rip 0x%lx\n", v->id, reason, vmx_exit_reason_name(reason),
            (unsigned long)vmread_natural(GUEST_RIP));
    return exit_stop(v, "unhandled VM exit");
}

static enum exit_action handle_nmi_or_exception(struct vcpu *v)
{
    uint32_t info = vmread32(VM_EXIT_INTR_INFO);
    /* A host NMI (the guest's NMIs are latched events, never physical NMIs): nothing to do. */
    if (((info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_NMI) {
        /* An NMI that causes a VM exit leaves NMIs blocked in root operation until the next
         * IRET, as one delivered through the IDT would (KVM runs its NMI handler for the same
         * reason); without an IRET this CPU would never see another NMI. */
        __asm__ volatile("mov %%rsp, %%rax\n\t"
                         "pushq $0x10\n\t"
                         "pushq %%rax\n\t"
                         "pushfq\n\t"
                         "pushq $0x08\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "iretq\n"
                         "1:"
                         ::: "rax", "memory");
        return EXIT_RESUME;
    }
    return handle_unhandled(v);
}

static enum exit_action handle_external_interrupt(struct vcpu *v)
{
    (void)v;
    /* "Acknowledge interrupt on exit" took the vector from the LAPIC; end it there. */
    lapic_eoi();
    return EXIT_RESUME;
}

static enum exit_action handle_triple_fault(struct vcpu *v)
{
    kprintf("vcpu %u: triple fault at rip 0x%lx\n", v->id, (unsigned long)vmread_natural(GUEST_RIP));
    return exit_stop(v, "guest triple fault");
}

static enum exit_action handle_cpuid(struct vcpu *v)
{
    struct cpuid_regs r = guest_cpuid(v, (uint32_t)v->regs.gpr[REG_RAX], (uint32_t)v->regs.gpr[REG_RCX]);
    v->regs.gpr[REG_RAX] = r.eax;
    v->regs.gpr[REG_RBX] = r.ebx;
    v->regs.gpr[REG_RCX] = r.ecx;
    v->regs.gpr[REG_RDX] = r.edx;
    return skip_instruction();
}

/* HLT with IF=1: entering with activity state HLT (SDM 25.4.2) lets the CPU wait in the guest,
 * and an interrupt wakes it there.  HLT with IF=0 is legal too (Linux parks and stops CPUs with
 * `cli; hlt`): only NMI and INIT wake it (SDM Vol. 2 HLT), and both are events of the vCPU, so it
 * waits in root operation (VCPU_HALTED), as KVM blocks a halted vCPU.  Waiting in the guest
 * instead would rely on the kick's external-interrupt exit from HLT with IF=0, which Bochs 3.1
 * does not deliver (docs/design.md, platform deviations). */
static enum exit_action handle_hlt(struct vcpu *v)
{
    skip_instruction();
    if (vmread_natural(GUEST_RFLAGS) & RFLAGS_IF)
        vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
    else if (!v->nmi_pending) /* an NMI already waiting for its window ends the halt at once */
        v->state = VCPU_HALTED;
    return EXIT_RESUME;
}

/* --- VMCALL ---------------------------------------------------------------------------------- */
static const void *hc_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
    return guest_ram_ptr(((struct vcpu *)ctx)->vm, gpa, len);
}

/* A finished guest line (prefixed, split, escaped by vmm/dev/guest_serial.c): one console write,
 * so no other CPU's output lands inside it. */
void guest_line_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    console_write(line, len);
}

static void hc_dump(void *ctx)
{
    vcpu_dump(ctx, "requested by the guest");
}

static void hc_power_off(void *ctx, uint64_t code)
{
    vm_power_off(((struct vcpu *)ctx)->vm, code, "hypercall");
}

static enum exit_action handle_vmcall(struct vcpu *v)
{
    struct hc_env env = { .guest_ptr = hc_guest_ptr, .print_line = guest_line_sink, .dump = hc_dump,
                          .power_off = hc_power_off, .exit_counts = v->exits,
                          .exit_reasons = EXIT_REASON_COUNT, .vcpu = v->id, .ctx = v };
    unsigned cpl = (vmread32(GUEST_SS_AR_BYTES) >> 5) & 3; /* SS.DPL is the CPL (SDM 25.4.1) */
    uint64_t *r = v->regs.gpr;
    r[REG_RAX] = (uint64_t)hypercall_dispatch(&env, cpl, r[REG_RAX], r[REG_RBX], r[REG_RCX], r[REG_RDX]);
    skip_instruction();
    return v->vm->powered_off ? EXIT_STOP : EXIT_RESUME;
}

/* --- I/O --------------------------------------------------------------------------------------- */
#define PORT_QEMU_DEBUG_EXIT 0xf4
#define PORT_BOCHS_SHUTDOWN 0x8900

static enum exit_action handle_io(struct vcpu *v)
{
    /* SDM 28.2.1, table 28-5: size-1 in 2:0, IN in bit 3, string in bit 4, port in 31:16. */
    uint64_t q = vmread_natural(EXIT_QUALIFICATION);
    unsigned size = (unsigned)(q & 7) + 1;
    bool in = q & (1u << 3), string = q & (1u << 4);
    uint16_t port = (uint16_t)(q >> 16);
    uint64_t *rax = &v->regs.gpr[REG_RAX];
    if (string) {
        kprintf("vcpu %u: string I/O on port 0x%x is not emulated\n", v->id, port);
        return exit_stop(v, "string I/O");
    }
    uint32_t value = (uint32_t)*rax;
    if (platform_io(v, port, size, in, &value)) {
        if (in)
            *rax = size == 4 ? value : (*rax & ~((1ull << (size * 8)) - 1)) | (value & ((1u << (size * 8)) - 1));
        return skip_instruction();
    }
    if (!in && port == PORT_QEMU_DEBUG_EXIT) {
        vm_power_off(v->vm, *rax & 0xff, "isa-debug-exit port 0xf4");
        return EXIT_STOP;
    }
    if (!in && port == PORT_BOCHS_SHUTDOWN) {
        vm_power_off(v->vm, 0, "Bochs shutdown port 0x8900");
        return EXIT_STOP;
    }
    /* No device here: reads float high, writes are dropped, like an empty ISA bus. */
    if (in)
        *rax = size == 4 ? 0xffffffffull : (*rax & ~((1ull << (size * 8)) - 1)) | ((1ull << (size * 8)) - 1);
    return skip_instruction();
}

/* --- faults in the guest's physical address space ---------------------------------------------- */
static uint64_t device_load(struct vcpu *v, unsigned size)
{
    return platform_mmio_read(v, vmread64(GUEST_PHYSICAL_ADDRESS), size);
}

static void device_store(struct vcpu *v, unsigned size, uint64_t value)
{
    platform_mmio_write(v, vmread64(GUEST_PHYSICAL_ADDRESS), size, value);
}

static uint64_t unclaimed_load(struct vcpu *v, unsigned size)
{
    (void)v;
    return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Guest-physical addresses that are neither RAM nor a device: a data access by an instruction
 * reads all ones and its write is dropped, as on a bus where nobody answers (the EPT leaves these
 * addresses unmapped, so every access exits).  What has no such answer stops the VM: an
 * instruction fetch, an access by the CPU itself (a page walk, event delivery), or an instruction
 * apicvisor does not emulate (SDM 28.2.1, table 28-7: bit 0 read, 1 write, 2 fetch, 7 linear
 * address valid, 8 the access was to the linear address itself). */
static enum exit_action handle_ept_violation(struct vcpu *v)
{
    uint64_t gpa = vmread64(GUEST_PHYSICAL_ADDRESS), q = vmread_natural(EXIT_QUALIFICATION);
    bool by_instruction = (q & (1u << 7)) && (q & (1u << 8)) && !(q & 4) &&
                          !(vmread32(IDT_VECTORING_INFO) & INTR_INFO_VALID);
    if (by_instruction && apic_mmio_claims(v, gpa))
        return apic_mmio_ept_violation(v, q & 2);
    if (by_instruction && platform_mmio_claims(v->vm, gpa) && mem_emulate(v, q & 2, device_load, device_store))
        return EXIT_RESUME;
    if (by_instruction && mem_emulate(v, q & 2, unclaimed_load, 0))
        return EXIT_RESUME;
    kprintf("vcpu %u: EPT violation: %s at guest-physical 0x%lx (rip 0x%lx): not guest RAM\n", v->id,
            (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read", (unsigned long)gpa,
            (unsigned long)vmread_natural(GUEST_RIP));
    return exit_stop(v, by_instruction ? "access outside guest RAM by an instruction apicvisor does not emulate"
                                       : "EPT violation");
}

static enum exit_action handle_ept_misconfig(struct vcpu *v)
{
    kprintf("vcpu %u: EPT misconfiguration at guest-physical 0x%lx\n", v->id,
            (unsigned long)vmread64(GUEST_PHYSICAL_ADDRESS));
    return exit_stop(v, "EPT misconfiguration");
}

static enum exit_action handle_vmx_instruction(struct vcpu *v)
{
    (void)v;
    inject_exception(VECTOR_UD, false, 0); /* no nested VMX: the guest sees no VMX (CPUID) */
    return EXIT_RESUME;
}

static enum exit_action handle_entry_failure(struct vcpu *v)
{
    uint32_t reason = vmread32(VM_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
    kprintf("vcpu %u: VM entry failed: %s (exit qualification %lu)\n", v->id, vmx_exit_reason_name(reason),
            (unsigned long)vmread_natural(EXIT_QUALIFICATION));
    return exit_stop(v, "VM-entry failure");
}

/* The NMI window, the interrupt window, and a TPR write below the threshold: apic_prepare_entry
 * injects what waited for them. */
static enum exit_action handle_window(struct vcpu *v)
{
    (void)v;
    return EXIT_RESUME;
}

static const exit_handler_fn exit_handlers[EXIT_REASON_COUNT] = {
    [EXIT_REASON_EXCEPTION_NMI] = handle_nmi_or_exception,
    [EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
    [EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
    [EXIT_REASON_CPUID] = handle_cpuid,
    [EXIT_REASON_HLT] = handle_hlt,
    [EXIT_REASON_VMCALL] = handle_vmcall,
    [EXIT_REASON_VMCLEAR] = handle_vmx_instruction,
    [EXIT_REASON_VMLAUNCH] = handle_vmx_instruction,
    [EXIT_REASON_VMPTRLD] = handle_vmx_instruction,
    [EXIT_REASON_VMPTRST] = handle_vmx_instruction,
    [EXIT_REASON_VMREAD] = handle_vmx_instruction,
    [EXIT_REASON_VMRESUME] = handle_vmx_instruction,
    [EXIT_REASON_VMWRITE] = handle_vmx_instruction,
    [EXIT_REASON_VMXOFF] = handle_vmx_instruction,
    [EXIT_REASON_VMXON] = handle_vmx_instruction,
    [EXIT_REASON_INVEPT] = handle_vmx_instruction,
    [EXIT_REASON_INVVPID] = handle_vmx_instruction,
    [EXIT_REASON_CR_ACCESS] = handle_cr_access,
    [EXIT_REASON_XSETBV] = handle_xsetbv,
    [EXIT_REASON_MWAIT] = handle_monitor_mwait,
    [EXIT_REASON_MONITOR] = handle_monitor_mwait,
    [EXIT_REASON_IO_INSTRUCTION] = handle_io,
    [EXIT_REASON_RDMSR] = handle_rdmsr,
    [EXIT_REASON_WRMSR] = handle_wrmsr,
    [EXIT_REASON_INVALID_GUEST_STATE] = handle_entry_failure,
    [EXIT_REASON_MSR_LOADING] = handle_entry_failure,
    [EXIT_REASON_MACHINE_CHECK] = handle_entry_failure,
    [EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
    [EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
    [EXIT_REASON_INIT_SIGNAL] = handle_init_signal,
    [EXIT_REASON_NMI_WINDOW] = handle_window,
    [EXIT_REASON_INTERRUPT_WINDOW] = handle_window,
    [EXIT_REASON_TPR_BELOW_THRESHOLD] = handle_window,
    [EXIT_REASON_APIC_ACCESS] = handle_apic_access,
    [EXIT_REASON_APIC_WRITE] = handle_apic_write,
    [EXIT_REASON_VIRTUALIZED_EOI] = handle_virtualized_eoi,
    [EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
};

/* test_crash=last-vcpu: a hypervisor bug as it would strike, in the middle of printing. */
static void crash_for_test(void)
{
    console_lock_for_test();
    __asm__ volatile("ud2");
}

enum exit_action exit_dispatch(struct vcpu *v, uint32_t exit_reason)
{
    uint32_t basic = exit_reason & EXIT_REASON_BASIC_MASK;
    if (basic >= EXIT_REASON_COUNT)
        return handle_unhandled(v);
    v->exits[basic]++;
    if (v->vm->opts->test_crash == TEST_CRASH_LAST_VCPU && v->id == v->vm->nvcpus - 1)
        crash_for_test();
    /* VM-entry failures have no vectoring information (SDM 28.2.4): read it for the others only. */
    uint32_t vectoring = (exit_reason & EXIT_REASON_FAILED_VMENTRY) ? 0 : vmread32(IDT_VECTORING_INFO);
    enum exit_action a = exit_handlers[basic] ? exit_handlers[basic](v) : handle_unhandled(v);
    if (a == EXIT_RESUME)
        vmx_reinject_vectoring_event(vectoring);
    return a;
}
