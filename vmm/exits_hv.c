#include "vmm/exits.h"

#include "apicvisor/hypercall.h"
#include "vmm/apic_virt.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/cpuid_policy.h"
#include "vmm/exit_names.h"
#include "vmm/hypercall.h"
#include "vmm/host/lapic.h"
#include "lib/msr.h"
#include "vmm/host/percpu.h"
#include "lib/spinlock.h"
#include "vmm/vcpu_dump.h"
#include "vmm/vmcs_dump.h"
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

/* Completes an emulated instruction: RIP past it, and no STI/MOV SS blocking left behind
 * (SDM 25.4.2: that blocking lasts one instruction). */
static enum exit_action skip_instruction(void)
{
    vmwrite_natural(GUEST_RIP, vmread_natural(GUEST_RIP) + vmread32(VM_EXIT_INSTRUCTION_LEN));
    uint32_t intr = vmread32(GUEST_INTERRUPTIBILITY_INFO);
    if (intr & (GUEST_INTR_BLOCKING_STI | GUEST_INTR_BLOCKING_MOV_SS))
        vmwrite32(GUEST_INTERRUPTIBILITY_INFO, intr & ~(GUEST_INTR_BLOCKING_STI | GUEST_INTR_BLOCKING_MOV_SS));
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
    if (!vm->powered_off) {
        vm->exit_code = code;
        vm->stopped_by = this_cpu()->cpu;
        vm->powered_off = true;
        kprintf("apicvisor: guest powered off (%s), exit code %lu\n", why, (unsigned long)code);
    }
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
    /* An NMI IPI for this vCPU (its nmi_pending is set, apic_prepare_entry injects it) or a
     * stray host NMI: either way nothing to do here. */
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
    uint32_t leaf = (uint32_t)v->regs.gpr[REG_RAX], subleaf = (uint32_t)v->regs.gpr[REG_RCX];
    struct cpuid_regs r = cpuid(leaf, subleaf);
    struct cpuid_view view = {
        .apic_id = v->apic_id,
        .nvcpus = v->vm->nvcpus,
        .x2apic = v->vm->opts->x2apic != X2APIC_OFF,
        .tsc_deadline = v->vm->preemption_timer,
    };
    cpuid_guest_view(&view, leaf, subleaf, &r);
    v->regs.gpr[REG_RAX] = r.eax;
    v->regs.gpr[REG_RBX] = r.ebx;
    v->regs.gpr[REG_RCX] = r.ecx;
    v->regs.gpr[REG_RDX] = r.edx;
    return skip_instruction();
}

static enum exit_action handle_hlt(struct vcpu *v)
{
    if (!(vmread_natural(GUEST_RFLAGS) & (1u << 9))) {
        kprintf("vcpu %u: HLT with interrupts disabled at rip 0x%lx: the vCPU can never wake up\n", v->id,
                (unsigned long)vmread_natural(GUEST_RIP));
        return exit_stop(v, "HLT with interrupts disabled");
    }
    skip_instruction();
    /* Entering with activity state HLT (SDM 25.4.2) lets the CPU wait in the guest's HLT. */
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
    return EXIT_RESUME;
}

/* --- VMCALL ---------------------------------------------------------------------------------- */
static const void *hc_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
    return guest_ram_ptr(((struct vcpu *)ctx)->vm, gpa, len);
}

static void hc_print(void *ctx, const char *text, size_t len)
{
    kprintf("[vcpu %u] %.*s\n", ((struct vcpu *)ctx)->id, (int)len, text);
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
    struct hc_env env = { hc_guest_ptr, hc_print, hc_dump, hc_power_off, v->exits, EXIT_REASON_COUNT, v };
    uint64_t *r = v->regs.gpr;
    r[REG_RAX] = (uint64_t)hypercall_dispatch(&env, r[REG_RAX], r[REG_RBX], r[REG_RCX], r[REG_RDX]);
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
    if (guest_serial_claims(port)) {
        if (in)
            *rax = (*rax & ~0xffull) | guest_serial_read(&v->serial, port);
        else
        {
            struct console_lines out = { .used = 0 };
            guest_serial_write(&v->serial, port, (uint8_t)*rax, v->id, console_lines_sink, &out);
            console_lines_flush(&out);
        }
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

/* --- MSRs -------------------------------------------------------------------------------------- */
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRRCAP 0xfe
#define MSR_MTRR_DEF_TYPE 0x2ff
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SCE (1ull << 0)

static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    bool gp;
    if (apic_msr_read(v, msr, val, &gp))
        return !gp;
    switch (msr) {
    case MSR_IA32_EFER: *val = vmread64(GUEST_IA32_EFER); return true;
    case MSR_IA32_PAT: *val = vmread64(GUEST_IA32_PAT); return true;
    case MSR_IA32_MISC_ENABLE: *val = 1; return true; /* fast strings only */
    case MSR_MTRRCAP: case MSR_MTRR_DEF_TYPE: *val = 0; return true;
    default: return false;
    }
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    bool gp;
    if (apic_msr_write(v, msr, val, &gp))
        return !gp;
    switch (msr) {
    case MSR_IA32_EFER: {
        if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
            return false;
        /* LMA is the CPU's to set (SDM 2.2.1): keep the current one. */
        uint64_t lma = vmread64(GUEST_IA32_EFER) & EFER_LMA;
        vmwrite64(GUEST_IA32_EFER, (val & ~EFER_LMA) | lma);
        return true;
    }
    case MSR_IA32_PAT: vmwrite64(GUEST_IA32_PAT, val); return true;
    case MSR_IA32_MISC_ENABLE: case MSR_MTRR_DEF_TYPE: return true;
    default: return false;
    }
}

static enum exit_action handle_rdmsr(struct vcpu *v)
{
    uint64_t val;
    if (!msr_read(v, (uint32_t)v->regs.gpr[REG_RCX], &val)) {
        inject_exception(VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    v->regs.gpr[REG_RAX] = (uint32_t)val;
    v->regs.gpr[REG_RDX] = val >> 32;
    return skip_instruction();
}

static enum exit_action handle_wrmsr(struct vcpu *v)
{
    uint64_t val = (v->regs.gpr[REG_RDX] << 32) | (uint32_t)v->regs.gpr[REG_RAX];
    if (!msr_write(v, (uint32_t)v->regs.gpr[REG_RCX], val)) {
        inject_exception(VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    return skip_instruction();
}

/* --- control registers -------------------------------------------------------------------------- */

/* A MOV to CR0/CR4 that touched a host-owned bit (CR0.NE, CR4.VMXE): the guest keeps its view
 * in the read shadow, the CPU gets the value with the host bits forced; turning paging on with
 * EFER.LME set enters IA-32e mode, which the CPU does not do for an intercepted write. */
static enum exit_action handle_cr_access(struct vcpu *v)
{
    uint64_t q = vmread_natural(EXIT_QUALIFICATION);
    unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
    if (type != 0 || (cr != 0 && cr != 4))
        return handle_unhandled(v);
    uint64_t val = reg == 4 ? vmread_natural(GUEST_RSP) : v->regs.gpr[reg];
    if (cr == 4) {
        vmwrite_natural(CR4_READ_SHADOW, val);
        vmwrite_natural(GUEST_CR4, val | v->vm->caps->cr4_fixed0);
        return skip_instruction();
    }
    uint64_t host_bits = vmread_natural(CR0_GUEST_HOST_MASK);
    vmwrite_natural(CR0_READ_SHADOW, val);
    vmwrite_natural(GUEST_CR0, val | host_bits);
    uint64_t efer = vmread64(GUEST_IA32_EFER);
    if ((val & CR0_PG) && (efer & EFER_LME)) {
        vmwrite64(GUEST_IA32_EFER, efer | EFER_LMA);
        vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST);
    } else if (!(val & CR0_PG)) {
        vmwrite64(GUEST_IA32_EFER, efer & ~EFER_LMA);
        vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
    }
    return skip_instruction();
}

/* --- faults in the guest's physical address space ---------------------------------------------- */
static enum exit_action handle_ept_violation(struct vcpu *v)
{
    uint64_t gpa = vmread64(GUEST_PHYSICAL_ADDRESS), q = vmread_natural(EXIT_QUALIFICATION);
    /* SDM 28.2.1, table 28-7: bit 0 read, 1 write, 2 instruction fetch. */
    kprintf("vcpu %u: EPT violation: %s at guest-physical 0x%lx (rip 0x%lx): not guest RAM\n", v->id,
            (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read", (unsigned long)gpa,
            (unsigned long)vmread_natural(GUEST_RIP));
    return exit_stop(v, "EPT violation");
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

static enum exit_action handle_window(struct vcpu *v)
{
    (void)v;
    return EXIT_RESUME; /* apic_prepare_entry injects the NMI that waited for this window */
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
    [EXIT_REASON_IO_INSTRUCTION] = handle_io,
    [EXIT_REASON_RDMSR] = handle_rdmsr,
    [EXIT_REASON_WRMSR] = handle_wrmsr,
    [EXIT_REASON_INVALID_GUEST_STATE] = handle_entry_failure,
    [EXIT_REASON_MSR_LOADING] = handle_entry_failure,
    [EXIT_REASON_MACHINE_CHECK] = handle_entry_failure,
    [EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
    [EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
    [EXIT_REASON_INIT_SIGNAL] = handle_init_signal,
    [EXIT_REASON_SIPI] = handle_sipi,
    [EXIT_REASON_NMI_WINDOW] = handle_window,
    [EXIT_REASON_APIC_ACCESS] = handle_apic_access,
    [EXIT_REASON_APIC_WRITE] = handle_apic_write,
    [EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
};

enum exit_action exit_dispatch(struct vcpu *v, uint32_t exit_reason)
{
    uint32_t basic = exit_reason & EXIT_REASON_BASIC_MASK;
    if (basic >= EXIT_REASON_COUNT)
        return handle_unhandled(v);
    v->exits[basic]++;
    return exit_handlers[basic] ? exit_handlers[basic](v) : handle_unhandled(v);
}
