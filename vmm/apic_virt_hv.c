#include "vmm/apic_virt.h"

#include "vlapic/apic_regs.h"
#include "vlapic/dest.h"
#include "vlapic/ldr.h"
#include "vlapic/vapic_page.h"
#include "vlapic/x2apic_msr.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/exits.h"
#include "vmm/guest_mem.h"
#include "vmm/insn_decode.h"
#include "vmm/host/lapic.h"
#include "lib/msr.h"
#include "vmm/host/tsc.h"
#include "vmx/vmcs_access.h"
#include "vmm/vmcs_setup.h"

#define RFLAGS_IF (1ull << 9)

static struct vapic_page *page_of(struct vcpu *v)
{
    return (struct vapic_page *)v->vapic_page;
}

/* --- mode switches ------------------------------------------------------------------------------ */

void apic_apply_mode(struct vcpu *v, enum lapic_mode mode)
{
    /* SDM 30.1: virtualize x2APIC mode for an x2APIC, APIC-access virtualization for an xAPIC
     * (the two exclude each other, SDM 27.2.1.1); a disabled APIC gets neither. */
    uint32_t proc2 = vmread32(SECONDARY_VM_EXEC_CONTROL) &
                     ~(CPU2_VIRTUALIZE_X2APIC_MODE | CPU2_VIRTUALIZE_APIC_ACCESSES);
    if (mode == LAPIC_MODE_X2APIC)
        proc2 |= CPU2_VIRTUALIZE_X2APIC_MODE;
    else if (mode == LAPIC_MODE_XAPIC)
        proc2 |= CPU2_VIRTUALIZE_APIC_ACCESSES;
    vmwrite32(SECONDARY_VM_EXEC_CONTROL, proc2);
    if (proc2 & CPU2_VIRTUALIZE_APIC_ACCESSES)
        vmwrite64(APIC_ACCESS_ADDR, v->vm->apic_access_page);
    msr_bitmap_apply_apic_policy((uint8_t *)v->msr_bitmap, mode);
}

static void write_apic_base(struct vcpu *v, uint64_t value, bool *gp)
{
    unsigned maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
    struct apic_base_write w = apic_base_check_write(v->apic_base, value, maxphyaddr, v->vm->opts->x2apic);
    *gp = w.verdict == APIC_BASE_GP;
    if (*gp)
        return;
    v->apic_base = w.new_value;
    if (w.new_mode == w.old_mode)
        return;
    vapic_page_switch_mode(page_of(v), v->apic_id, w.new_mode);
    if (w.new_mode != LAPIC_MODE_X2APIC)
        vmwrite16(GUEST_INTR_STATUS, 0); /* the page was reset: nothing requested or in service */
    vlapic_set_mode(&v->vlapic, w.new_mode);
    apic_apply_mode(v, w.new_mode);
    kprintf("vcpu %u: LAPIC %s -> %s\n", v->id, lapic_mode_name(w.old_mode), lapic_mode_name(w.new_mode));
}

/* --- delivering interrupts ----------------------------------------------------------------------- */

/* Posted interrupts (SDM 30.6): PIR bit, then ON; the notification IPI only on ON's 0 -> 1.
 * A target in VMX non-root operation takes it without a VM exit; for one in root operation the
 * notification waits in its LAPIC (the hypervisor never enables interrupts) and is taken right
 * after its next VM entry, see apic_prepare_entry. */
static void deliver_posted(struct vcpu *target, uint8_t vector)
{
    if (pi_post(target->pi_desc, vector))
        lapic_send_ipi(target->apic_id, ICR_DM_FIXED | target->vm->pi_vector);
}

static void deliver_one(struct vcpu *src, struct vcpu *t, const struct icr_fields *ipi)
{
    switch (ipi->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (t == src)
            vlapic_accept(&t->vlapic, ipi->vector); /* the IRR; RVI follows before the next entry */
        else
            deliver_posted(t, ipi->vector);
        break;
    case APIC_DM_NMI:
        t->nmi_pending = true;
        if (t != src)
            lapic_send_ipi(t->apic_id, ICR_DM_NMI); /* a VM exit on the target, which injects it */
        break;
    case APIC_DM_INIT:
        /* A running target gets a physical INIT: in non-root operation it causes a VM exit
         * (SDM 26.2 "Other Causes of VM Exits"), whose handler parks the vCPU in wait-for-SIPI.
         * A parked target is in that state already, and must not get one: INIT is blocked in
         * wait-for-SIPI, so it would stay pending and undo the SIPI that follows. */
        if (t != src && !t->waiting_for_sipi)
            lapic_send_ipi(t->apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT);
        break;
    case APIC_DM_STARTUP:
        /* In wait-for-SIPI a SIPI causes a VM exit (SDM 26.2); anywhere else it is dropped,
         * as on hardware. */
        if (t != src && t->waiting_for_sipi)
            lapic_send_ipi(t->apic_id, ICR_DM_STARTUP | ipi->vector);
        break;
    default:
        break;
    }
}

static void send_ipi(struct vcpu *src, const struct icr_decision *d)
{
    if (d->verdict != ICR_SEND)
        return;
    struct vm *vm = src->vm;
    struct apic_target targets[APICVISOR_MAX_CPUS];
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        struct vcpu *t = &vm->vcpus[i];
        targets[i] = (struct apic_target){
            .apic_id = t->apic_id,
            .mode = t->vlapic.mode,
            .ldr = vapic_read(page_of(t), APIC_LDR),
            .dfr = vapic_read(page_of(t), APIC_DFR),
        };
    }
    uint64_t mask = apic_ipi_targets(targets, vm->nvcpus, src->id, &d->ipi);
    for (unsigned i = 0; i < vm->nvcpus; i++)
        if (mask & (1ull << i))
            deliver_one(src, &vm->vcpus[i], &d->ipi);
}

static bool apply_outcome(struct vcpu *v, struct vlapic_outcome o)
{
    if (o.result == VLAPIC_GP)
        return false;
    if (o.result == VLAPIC_SEND_IPI)
        send_ipi(v, &o.ipi);
    return true;
}

/* --- MSR accesses ------------------------------------------------------------------------------- */

static bool in_x2apic_range(uint32_t msr)
{
    return msr >= X2APIC_MSR_BASE && msr <= X2APIC_MSR_LAST;
}

bool apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val, bool *gp)
{
    *gp = false;
    if (msr == MSR_IA32_APIC_BASE) {
        *val = v->apic_base;
        return true;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        *gp = !v->vm->preemption_timer;
        *val = v->vlapic.tsc_deadline;
        return true;
    }
    if (!in_x2apic_range(msr))
        return false;
    /* SDM 11.12.1.2: x2APIC MSRs #GP unless the APIC is in x2APIC mode. */
    *gp = v->vlapic.mode != LAPIC_MODE_X2APIC ||
          !vlapic_read(&v->vlapic, X2APIC_MSR_OFFSET(msr), rdtsc(), val);
    return true;
}

bool apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val, bool *gp)
{
    *gp = false;
    if (msr == MSR_IA32_APIC_BASE) {
        write_apic_base(v, val, gp);
        return true;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        *gp = !v->vm->preemption_timer;
        if (!*gp)
            vlapic_write_tsc_deadline(&v->vlapic, val, rdtsc());
        return true;
    }
    if (!in_x2apic_range(msr))
        return false;
    *gp = v->vlapic.mode != LAPIC_MODE_X2APIC ||
          !apply_outcome(v, vlapic_write(&v->vlapic, X2APIC_MSR_OFFSET(msr), val, rdtsc()));
    return true;
}

/* --- xAPIC MMIO -------------------------------------------------------------------------------- */

/* SDM 30.4.3.3: a trap-like exit after the CPU wrote the value into the virtual-APIC page. */
enum exit_action handle_apic_write(struct vcpu *v)
{
    uint32_t offset = (uint32_t)vmread_natural(EXIT_QUALIFICATION) & 0xff0;
    uint32_t value = vapic_read(page_of(v), offset);
    apply_outcome(v, vlapic_write(&v->vlapic, offset, value, rdtsc()));
    return EXIT_RESUME;
}

static void *guest_phys(void *ctx, uint64_t gpa, uint64_t len)
{
    return guest_ram_ptr(ctx, gpa, len);
}

/* SDM 30.4.2 / 30.4.3: accesses the CPU does not virtualize (the timer current count, writes to
 * read-only registers) exit fault-like, without an instruction length: decode the MOV. */
enum exit_action handle_apic_access(struct vcpu *v)
{
    uint64_t q = vmread_natural(EXIT_QUALIFICATION);
    uint32_t offset = (uint32_t)q & 0xfff, type = (uint32_t)(q >> 12) & 0xf;
    if (type > 1) /* 0: linear read, 1: linear write (SDM 28.2.1, table 28-6) */
        return exit_stop(v, "APIC access that is not a data read or write");
    struct guest_paging pg = {
        vmread_natural(GUEST_CR0), vmread_natural(GUEST_CR3), vmread_natural(GUEST_CR4),
        vmread64(GUEST_IA32_EFER), guest_phys, v->vm,
    };
    uint8_t code[15];
    struct mov_insn mov;
    uint64_t rip = vmread_natural(GUEST_RIP);
    bool long64 = (vmread32(GUEST_CS_AR_BYTES) >> 13) & 1;
    if (!guest_read_linear(&pg, vmread_natural(GUEST_CS_BASE) + rip, code, sizeof(code)) ||
        !decode_mov(code, sizeof(code), long64, &mov) || mov.to_memory != (type == 1))
        return exit_stop(v, "APIC access by an instruction apicvisor does not emulate");
    if (type == 0) {
        uint64_t val = 0;
        vlapic_read(&v->vlapic, offset & ~0xfu, rdtsc(), &val);
        /* A 32-bit load zero-extends into the 64-bit register. */
        v->regs.gpr[mov.reg] = mov.size == 8 ? val : (uint32_t)val;
    } /* a write to a register the CPU does not virtualize is read-only or reserved: ignored */
    vmwrite_natural(GUEST_RIP, rip + mov.length);
    return EXIT_RESUME;
}

/* --- INIT and SIPI ------------------------------------------------------------------------------- */

void apic_reset_to_wait_for_sipi(struct vcpu *v)
{
    enum lapic_mode mode = lapic_mode_of(apic_base_reset_value(false, v->vm->opts->x2apic));
    v->apic_base = apic_base_reset_value(v->id == 0, v->vm->opts->x2apic);
    vapic_page_seed(page_of(v), v->apic_id, mode);
    vlapic_init(&v->vlapic, page_of(v), v->apic_id, mode);
    apic_apply_mode(v, mode);
    vmwrite16(GUEST_INTR_STATUS, 0);
    vmcs_guest_startup(v, 0);
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_WAIT_SIPI);
    v->waiting_for_sipi = true;
}

enum exit_action handle_init_signal(struct vcpu *v)
{
    if (v->id == 0)
        return exit_stop(v, "INIT to the bootstrap vCPU (guest reset) is not supported");
    apic_reset_to_wait_for_sipi(v);
    return EXIT_RESUME;
}

enum exit_action handle_sipi(struct vcpu *v)
{
    uint8_t vector = (uint8_t)vmread_natural(EXIT_QUALIFICATION);
    vmcs_guest_startup(v, vector);
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
    v->waiting_for_sipi = false;
    kprintf("vcpu %u: started by SIPI at 0x%x\n", v->id, (unsigned)vector << 12);
    return EXIT_RESUME;
}

enum exit_action handle_preemption_timer(struct vcpu *v)
{
    (void)v;
    return EXIT_RESUME; /* apic_prepare_entry raises the timer interrupt */
}

/* --- before every VM entry ------------------------------------------------------------------------ */

/* RVI, the low byte of the guest interrupt status (SDM 30.1.3.1), must name the highest vector
 * in the virtual IRR.  The CPU moves it itself as it delivers virtual interrupts, so it is read
 * back every time rather than remembered.  Returns it. */
static uint8_t update_rvi(struct vcpu *v)
{
    int highest = vapic_highest_vector(page_of(v), APIC_IRR);
    uint8_t rvi = highest < 0 ? 0 : (uint8_t)highest;
    uint16_t status = vmread16(GUEST_INTR_STATUS);
    if ((status & 0xff) != rvi)
        vmwrite16(GUEST_INTR_STATUS, (uint16_t)((status & 0xff00) | rvi));
    return rvi;
}

static void inject_pending_nmi(struct vcpu *v)
{
    if (!v->nmi_pending || (vmread32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID))
        return;
    if (vmread32(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_BLOCKING_NMI | GUEST_INTR_BLOCKING_MOV_SS)) {
        vmwrite32(CPU_BASED_VM_EXEC_CONTROL, vmread32(CPU_BASED_VM_EXEC_CONTROL) | CPU_NMI_WINDOW_EXITING);
        return;
    }
    v->nmi_pending = false;
    vmwrite32(CPU_BASED_VM_EXEC_CONTROL, vmread32(CPU_BASED_VM_EXEC_CONTROL) & ~CPU_NMI_WINDOW_EXITING);
    vmwrite32(VM_ENTRY_INTR_INFO, 2 | (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID);
    if (vmread32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
        vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

static void program_preemption_timer(struct vcpu *v, uint64_t now)
{
    if (!v->vm->preemption_timer)
        return;
    uint32_t pin = vmread32(PIN_BASED_VM_EXEC_CONTROL);
    uint64_t deadline = v->vlapic.timer_deadline;
    uint32_t want = deadline ? pin | PIN_VMX_PREEMPTION_TIMER : pin & ~PIN_VMX_PREEMPTION_TIMER;
    if (want != pin)
        vmwrite32(PIN_BASED_VM_EXEC_CONTROL, want);
    if (deadline) {
        uint64_t ticks = deadline > now ? (deadline - now) >> v->vm->preemption_shift : 0;
        vmwrite32(VMX_PREEMPTION_TIMER_VALUE, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
    }
}

void apic_prepare_entry(struct vcpu *v)
{
    uint64_t now = rdtsc();
    int timer_vector = vlapic_timer_poll(&v->vlapic, now);
    if (timer_vector >= 0)
        vlapic_accept(&v->vlapic, (uint8_t)timer_vector);
    /* Posted interrupts are left to the CPU.  Every vCPU stays on its own physical CPU, so ON
     * set means a notification is pending in this CPU's LAPIC or on its way (the sender sends
     * one on every 0 -> 1 of ON, right after setting it): it is taken in non-root operation right
     * after this entry, or wakes the vCPU from HLT.  Moving PIR here as well (pi_harvest) would
     * leave that notification to find an empty PIR, which Bochs 3.1 turns into a bogus virtual
     * interrupt 255 (its RVI update takes the highest VIRR bit, -1 when there is none). */
    uint8_t rvi = update_rvi(v);
    inject_pending_nmi(v);
    program_preemption_timer(v, now);
    /* A halted vCPU with a deliverable interrupt runs again; virtual-interrupt delivery then
     * takes the interrupt at once (SDM 30.2.1). */
    if (rvi && vmread32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT && (vmread_natural(GUEST_RFLAGS) & RFLAGS_IF) &&
        (rvi & 0xf0) > (vapic_read(page_of(v), APIC_PPR) & 0xf0))
        vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}
