#include "vmm/cpu_state.h"

#include "lib/msr.h"
#include "vmm/apic_virt.h"
#include "vmm/arch_rules.h"
#include "vmm/cpuid_policy.h"
#include "vmm/exits.h"
#include "vmm/host/tsc.h"
#include "vmx/vmcs_access.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_TSC_ADJUST 0x3b
#define MSR_IA32_XAPIC_DISABLE_STATUS 0xbd
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define ARCH_CAP_XAPIC_DISABLE_STATUS (1ull << 21)  /* MSR 0xBD exists (SDM Vol. 4, 2.1) */
#define XAPIC_DISABLE_STATUS_LEGACY_DISABLED (1ull << 0)
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_BIOS_SIGN_ID 0x8b   /* the microcode revision, bits 63:32 (SDM 10.11.7.1) */
#define MICROCODE_REVISION (1ull << 32) /* no update loaded into the virtual CPU: revision 1, as KVM says */
#define MSR_MTRRCAP 0xfe
#define MSR_MTRR_DEF_TYPE 0x2ff
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define CPUID_LEAF_XSAVE 0xd

/* --- CPUID -------------------------------------------------------------------------------------- */

/* The guest's view of a control register: host-owned bits from the read shadow (SDM 25.6.6). */
static uint64_t guest_cr(uint32_t field, uint32_t mask_field, uint32_t shadow_field)
{
    uint64_t mask = vmread_natural(mask_field);
    return (vmread_natural(field) & ~mask) | (vmread_natural(shadow_field) & mask);
}

static uint64_t guest_cr0(void)
{
    return guest_cr(GUEST_CR0, CR0_GUEST_HOST_MASK, CR0_READ_SHADOW);
}

static uint64_t guest_cr4(void)
{
    return guest_cr(GUEST_CR4, CR4_GUEST_HOST_MASK, CR4_READ_SHADOW);
}

/* x2apic=only: the x2APIC cannot leave x2APIC mode, which the guest learns from
 * IA32_XAPIC_DISABLE_STATUS, enumerated by IA32_ARCH_CAPABILITIES[21], enumerated by
 * CPUID.(7,0):EDX[29] (seeds/002; SDM Vol. 4 MSR 0BDH). */
static bool xapic_disabled(const struct vm *vm)
{
    return vm->opts->x2apic == X2APIC_ONLY;
}

static struct cpuid_view view_of(const struct vcpu *v, bool in_vmcs)
{
    uint32_t proc2 = v->vm->controls.ctl[VMX_CTL_PROC2];
    return (struct cpuid_view){
        .apic_id = v->apic_id,
        .nvcpus = v->vm->cpuid_id_space,
        .host_max_basic = v->vm->host_max_basic,
        .host_max_ext = v->vm->host_max_ext,
        .apic_enabled = v->apic_base & APIC_BASE_ENABLE,
        .x2apic = v->vm->opts->x2apic != X2APIC_OFF,
        .tsc_deadline = v->vm->timer != VM_TIMER_NONE,
        .xsave = v->vm->xsave,
        .osxsave = in_vmcs && (guest_cr4() & CR4_OSXSAVE),
        .xcr0 = v->xcr0,
        .rdtscp = proc2 & CPU2_ENABLE_RDTSCP,
        .invpcid = proc2 & CPU2_ENABLE_INVPCID,
        .tsc_adjust = true,
        .arch_capabilities = xapic_disabled(v->vm),
        .kvm_signature = v->vm->opts->hv_signature == HV_SIGNATURE_KVM,
    };
}

static struct cpuid_regs view_cpuid(const struct cpuid_view *view, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r = cpuid(leaf, subleaf);
    cpuid_guest_view(view, leaf, subleaf, &r);
    return r;
}

struct cpuid_regs guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_view view = view_of(v, true);
    return view_cpuid(&view, leaf, subleaf);
}

void cpu_state_init_vm(struct vm *vm)
{
    uint32_t ids[APICVISOR_MAX_CPUS];
    for (unsigned i = 0; i < vm->nvcpus; i++)
        ids[i] = vm->vcpus[i].apic_id;
    vm->cpuid_id_space = cpuid_id_space(ids, vm->nvcpus);
    /* Read once: under nested virtualization every CPUID in root operation is an exit too. */
    vm->host_max_basic = cpuid(0, 0).eax;
    vm->host_max_ext = cpuid(0x80000000u, 0).eax;
    vm->xsave = cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE;
    struct cpuid_view view = view_of(&vm->vcpus[0], false);
    struct cpuid_regs l1 = view_cpuid(&view, 1, 0), l7 = view_cpuid(&view, 7, 0);
    vm->cr4_allowed = cr4_cpuid_bits(l1.ecx, l7.ebx, l7.ecx, l7.edx);
    struct cpuid_regs xs = view_cpuid(&view, CPUID_LEAF_XSAVE, 0);
    vm->xcr0_supported = vm->xsave ? ((uint64_t)xs.edx << 32 | xs.eax) : 0;
}

uint64_t cpu_state_cr4_host_mask(const struct vm *vm)
{
    return vm->caps->cr4_fixed0 | ~vm->cr4_allowed;
}

static void load_xcr0(uint64_t xcr0)
{
    __asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
}

/* The hypervisor uses no extended state (-mgeneral-regs-only), so the guest's XCR0 and register
 * contents stay in this CPU across exits: nothing to save or restore. */
void cpu_state_init_vcpu(struct vcpu *v)
{
    v->xcr0 = XCR0_X87; /* the reset value (SDM 13.3); INIT keeps XCR0 */
    if (v->vm->xsave)
        load_xcr0(v->xcr0);
}

static enum exit_action inject_gp(void)
{
    inject_exception(VECTOR_GP, true, 0);
    return EXIT_RESUME;
}

static enum exit_action inject_ud(void)
{
    inject_exception(VECTOR_UD, false, 0);
    return EXIT_RESUME;
}

static unsigned guest_cpl(void)
{
    return (vmread32(GUEST_SS_AR_BYTES) >> 5) & 3; /* SS.DPL (SDM 25.4.1) */
}

/* --- MSRs --------------------------------------------------------------------------------------- */

/* A new guest TSC: the offset moves, IA32_TSC_ADJUST moves with it (SDM 18.17.3), and the
 * vLAPIC's count-downs follow. */
static void move_guest_tsc(struct vcpu *v, int64_t delta)
{
    v->tsc_offset += (uint64_t)delta;
    v->tsc_adjust += (uint64_t)delta;
    vmwrite64(TSC_OFFSET, v->tsc_offset);
    vlapic_tsc_moved(&v->vlapic, delta);
}

static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    bool gp;
    if (apic_msr_read(v, msr, val, &gp))
        return !gp;
    switch (msr) {
    case MSR_IA32_TSC: *val = rdtsc() + v->tsc_offset; return true;
    case MSR_IA32_TSC_ADJUST: *val = v->tsc_adjust; return true;
    case MSR_IA32_ARCH_CAPABILITIES:
        *val = ARCH_CAP_XAPIC_DISABLE_STATUS;
        return xapic_disabled(v->vm);
    case MSR_IA32_XAPIC_DISABLE_STATUS:
        *val = XAPIC_DISABLE_STATUS_LEGACY_DISABLED;
        return xapic_disabled(v->vm);
    case MSR_IA32_EFER: *val = vmread64(GUEST_IA32_EFER); return true;
    case MSR_IA32_PAT: *val = vmread64(GUEST_IA32_PAT); return true;
    case MSR_IA32_MISC_ENABLE: *val = 1; return true; /* fast strings only */
    case MSR_MTRRCAP: case MSR_MTRR_DEF_TYPE: *val = 0; return true;
    case MSR_IA32_BIOS_SIGN_ID: *val = MICROCODE_REVISION; return true;
    default: return false;
    }
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    bool gp;
    if (apic_msr_write(v, msr, val, &gp))
        return !gp;
    switch (msr) {
    case MSR_IA32_TSC: move_guest_tsc(v, (int64_t)(val - (rdtsc() + v->tsc_offset))); return true;
    case MSR_IA32_TSC_ADJUST: move_guest_tsc(v, (int64_t)(val - v->tsc_adjust)); return true;
    case MSR_IA32_EFER: {
        /* SDM 2.2.1, 10.8.5: reserved bits and an LME change while paging is on are #GP; LMA is
         * the CPU's and keeps its value. */
        uint64_t efer = vmread64(GUEST_IA32_EFER);
        if (!efer_write_ok(efer, val, guest_cr0() & CR0_PG, EFER_GUEST_BITS))
            return false;
        vmwrite64(GUEST_IA32_EFER, efer_write_value(efer, val));
        return true;
    }
    case MSR_IA32_PAT:
        if (!pat_write_ok(val)) /* SDM 13.12.2: each entry 0, 1, 4, 5, 6 or 7 */
            return false;
        vmwrite64(GUEST_IA32_PAT, val);
        return true;
    /* A write of IA32_BIOS_SIGN_ID asks the CPU to load the revision into it (SDM 10.11.7.1):
     * the revision reads the same, so the write is taken and changes nothing. */
    case MSR_IA32_MISC_ENABLE: case MSR_MTRR_DEF_TYPE: case MSR_IA32_BIOS_SIGN_ID: return true;
    default: return false;
    }
}

enum exit_action handle_rdmsr(struct vcpu *v)
{
    uint64_t val;
    if (!msr_read(v, (uint32_t)v->regs.gpr[REG_RCX], &val))
        return inject_gp();
    v->regs.gpr[REG_RAX] = (uint32_t)val;
    v->regs.gpr[REG_RDX] = val >> 32;
    return skip_instruction();
}

enum exit_action handle_wrmsr(struct vcpu *v)
{
    uint64_t val = (v->regs.gpr[REG_RDX] << 32) | (uint32_t)v->regs.gpr[REG_RAX];
    if (!msr_write(v, (uint32_t)v->regs.gpr[REG_RCX], val))
        return inject_gp();
    return skip_instruction();
}

/* --- control registers -------------------------------------------------------------------------- */

/* SDM 4.4.1: MOV to CR0/CR4 that leaves PAE paging on (re)loads the four PDPTEs from CR3; with
 * EPT the CPU takes them from these VMCS fields at the next entry (SDM 26.3.2.4), so an exiting
 * write must load them itself.  A PDPTE with reserved bits set is #GP. */
static bool load_pdptes(struct vcpu *v)
{
    static const uint32_t fields[4] = { GUEST_PDPTE0, GUEST_PDPTE1, GUEST_PDPTE2, GUEST_PDPTE3 };
    const uint64_t *pdpte = guest_ram_ptr(v->vm, vmread_natural(GUEST_CR3) & 0xffffffe0u, 32);
    unsigned maxphyaddr = cpuid(0x80000008u, 0).eax & 0xff;
    if (!pdpte || !pae_pdptes_ok(pdpte, maxphyaddr))
        return false;
    for (unsigned i = 0; i < 4; i++)
        vmwrite64(fields[i], pdpte[i]);
    return true;
}

/* A MOV to CR0 or CR4 that touched a host-owned bit (CR0.NE; CR4.VMXE and every CR4 bit the
 * guest's CPUID does not offer).  The CPU did none of its checks: apply the SDM's (MOV to CR
 * instruction page), keep the guest's view in the read shadow and give the CPU the value with
 * the host's bits forced.  Turning paging on with EFER.LME set enters IA-32e mode, which the CPU
 * does not do for an intercepted write. */
/* MOV to/from CR8 (type 0/1, SDM 28.2.1 table 28-3) at apicv=off, against the vLAPIC's TPR. */
static enum exit_action handle_cr8(struct vcpu *v, bool to_cr8, unsigned reg)
{
    if (to_cr8) {
        uint64_t val = reg == 4 ? vmread_natural(GUEST_RSP) : v->regs.gpr[reg];
        if (!apic_cr8_write(v, val))
            return inject_gp();
    } else if (reg == 4) {
        vmwrite_natural(GUEST_RSP, apic_cr8_read(v));
    } else {
        v->regs.gpr[reg] = apic_cr8_read(v);
    }
    return skip_instruction();
}

enum exit_action handle_cr_access(struct vcpu *v)
{
    uint64_t q = vmread_natural(EXIT_QUALIFICATION);
    unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
    if (cr == 8 && type <= 1)
        return handle_cr8(v, type == 0, reg);
    if (type != 0 || (cr != 0 && cr != 4))
        return exit_stop(v, "control-register access apicvisor does not intercept");
    uint64_t val = reg == 4 ? vmread_natural(GUEST_RSP) : v->regs.gpr[reg];
    uint64_t cr0 = guest_cr0(), cr4 = guest_cr4(), efer = vmread64(GUEST_IA32_EFER);
    bool cs_l = (vmread32(GUEST_CS_AR_BYTES) >> 13) & 1;
    uint64_t new_cr0 = cr0, new_cr4 = cr4;
    if (cr == 0) {
        if (!cr0_write_ok(cr0, val, efer, cr4, cs_l))
            return inject_gp();
        new_cr0 = cr0_write_value(val);
    } else {
        if (!cr4_write_ok(cr4, val, efer, cr0, vmread_natural(GUEST_CR3), v->vm->cr4_allowed))
            return inject_gp();
        new_cr4 = val;
    }
    if (cr_write_loads_pdptes(cr0, new_cr0, cr4, new_cr4, efer) && !load_pdptes(v))
        return inject_gp();
    if (cr == 4) {
        vmwrite_natural(CR4_READ_SHADOW, new_cr4);
        vmwrite_natural(GUEST_CR4, new_cr4 | v->vm->caps->cr4_fixed0);
        return skip_instruction();
    }
    vmwrite_natural(CR0_READ_SHADOW, new_cr0);
    vmwrite_natural(GUEST_CR0, new_cr0 | vmread_natural(CR0_GUEST_HOST_MASK));
    if ((new_cr0 & CR0_PG) && (efer & EFER_LME)) {
        vmwrite64(GUEST_IA32_EFER, efer | EFER_LMA);
        vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST);
    } else if (!(new_cr0 & CR0_PG)) {
        vmwrite64(GUEST_IA32_EFER, efer & ~EFER_LMA);
        vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
    }
    return skip_instruction();
}

/* --- XSETBV, MONITOR/MWAIT ------------------------------------------------------------------------ */

/* SDM Vol. 2 XSETBV: #UD without CR4.OSXSAVE; #GP(0) at CPL > 0, for ECX != 0, and for an XCR0
 * value the guest's CPUID does not allow (bit 0 clear, AVX without SSE, unsupported bits). */
enum exit_action handle_xsetbv(struct vcpu *v)
{
    uint64_t val = (v->regs.gpr[REG_RDX] << 32) | (uint32_t)v->regs.gpr[REG_RAX];
    if (!v->vm->xsave || !(guest_cr4() & CR4_OSXSAVE))
        return inject_ud();
    if (guest_cpl() != 0 || (uint32_t)v->regs.gpr[REG_RCX] != 0 || !xcr0_write_ok(val, v->vm->xcr0_supported))
        return inject_gp();
    load_xcr0(val);
    v->xcr0 = val;
    return skip_instruction();
}

/* CPUID hides MONITOR/MWAIT, and the instructions exit: #UD, as on a CPU without them.  A guest
 * must not put a physical CPU into a C-state where the VMX-preemption timer stops (SDM 25.5.1). */
enum exit_action handle_monitor_mwait(struct vcpu *v)
{
    (void)v;
    return inject_ud();
}
