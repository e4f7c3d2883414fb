#include "vmm/apic_virt.h"

#include "vlapic/apic_regs.h"
#include "vlapic/dest.h"
#include "vlapic/irq.h"
#include "vlapic/ldr.h"
#include "vlapic/vapic_page.h"
#include "vlapic/x2apic_msr.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "vmm/exits.h"
#include "vlapic/mmio.h"
#include "vmm/vcpu_events.h"
#include "vmm/host/lapic.h"
#include "vmm/host/percpu.h"
#include "vmm/mem_emul.h"
#include "vmm/platform.h"
#include "lib/msr.h"
#include "lib/rflags.h"
#include "vmm/host/tsc.h"
#include "vmx/tlb.h"
#include "vmx/vmcs_access.h"
#include "vmm/vmcs_setup.h"

/* The vLAPIC keeps time in the guest's TSC (host TSC + TSC_OFFSET), the clock of
 * IA32_TSC_DEADLINE. */
static uint64_t guest_tsc(const struct vcpu *v)
{
    return rdtsc() + v->tsc_offset;
}

static struct vapic_page *page_of(struct vcpu *v)
{
    return (struct vapic_page *)v->vapic_page;
}

/* --- mode switches ------------------------------------------------------------------------------ */

/* INVEPT of the VM's EPT (guest-physical and combined mappings) and INVVPID of this vCPU's VPID
 * (linear mappings), each with the narrowest type the CPU supports. */
static void flush_guest_translations(struct vcpu *v)
{
    uint64_t ept_type = invept_type(v->vm->caps->ept_vpid);
    if (ept_type)
        invept(ept_type, v->vm->eptp);
    uint64_t vpid_type = invvpid_type(v->vm->caps->ept_vpid);
    if (vpid_type && (vmread32(SECONDARY_VM_EXEC_CONTROL) & CPU2_ENABLE_VPID))
        invvpid(vpid_type, vmread16(VIRTUAL_PROCESSOR_ID));
}

void apic_apply_mode(struct vcpu *v, enum lapic_mode mode)
{
    /* SDM 30.1: virtualize x2APIC mode for an x2APIC, APIC-access virtualization for an xAPIC
     * (the two exclude each other, SDM 27.2.1.1); a disabled APIC gets neither.  Below
     * apicv=vid they virtualize only the TPR (SDM 30.4.1, 30.5), where the CPU has them. */
    const struct vm *vm = v->vm;
    uint32_t proc2 = vmread32(SECONDARY_VM_EXEC_CONTROL) &
                     ~(CPU2_VIRTUALIZE_X2APIC_MODE | CPU2_VIRTUALIZE_APIC_ACCESSES);
    if (mode == LAPIC_MODE_X2APIC && vm->x2apic_virt)
        proc2 |= CPU2_VIRTUALIZE_X2APIC_MODE;
    else if (mode == LAPIC_MODE_XAPIC && vm->apic_access_page && apic_base_address(v->apic_base) == APIC_DEFAULT_BASE)
        proc2 |= CPU2_VIRTUALIZE_APIC_ACCESSES; /* a relocated xAPIC is emulated (apic_mmio_claims) */
    bool vapic_on = (proc2 & CPU2_VIRTUALIZE_APIC_ACCESSES) &&
                    !(vmread32(SECONDARY_VM_EXEC_CONTROL) & CPU2_VIRTUALIZE_APIC_ACCESSES);
    vmwrite32(SECONDARY_VM_EXEC_CONTROL, proc2);
    if (proc2 & CPU2_VIRTUALIZE_APIC_ACCESSES)
        vmwrite64(APIC_ACCESS_ADDR, v->vm->apic_access_page);
    /* SDM 29.4.5: while the page was plain memory the TLB may have cached a translation of
     * 0xFEE00000 that would bypass APIC-access virtualization; flush it, as KVM does at this
     * point (vmx_set_virtual_apic_mode). */
    if (vapic_on)
        flush_guest_translations(v);
    /* Without virtualize x2APIC mode a passed-through TPR MSR would reach the physical APIC. */
    enum apicv_level msr_level = (proc2 & CPU2_VIRTUALIZE_X2APIC_MODE) ? vm->apicv : APICV_OFF;
    msr_bitmap_apply_apic_policy((uint8_t *)v->msr_bitmap, mode, msr_level);
}

static bool has_vid(const struct vcpu *v)
{
    return v->vm->apicv >= APICV_VID;
}

/* RVI and SVI start over (the page was reset); the field exists only with virtual-interrupt delivery. */
static void clear_intr_status(struct vcpu *v)
{
    if (has_vid(v))
        vmwrite16(GUEST_INTR_STATUS, 0);
}

/* SDM 11.4.5 lets the xAPIC page move; apicvisor refuses a place inside guest RAM (#GP), where
 * the page would be memory, not an APIC. */
static bool base_allowed(const struct vcpu *v, uint64_t apic_base)
{
    return apic_base_address(apic_base) >= v->vm->ram_size;
}

static void write_apic_base(struct vcpu *v, uint64_t value, bool *gp)
{
    unsigned maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
    struct apic_base_write w = apic_base_check_write(v->apic_base, value, maxphyaddr, v->vm->opts->x2apic);
    *gp = w.verdict == APIC_BASE_GP || !base_allowed(v, w.new_value);
    if (*gp)
        return;
    bool moved = apic_base_address(w.new_value) != apic_base_address(v->apic_base);
    v->apic_base = w.new_value;
    if (w.new_mode == w.old_mode) {
        if (moved) {
            apic_apply_mode(v, w.new_mode);
            kprintf("vcpu %u: xAPIC page moved to 0x%lx\n", v->id, (unsigned long)apic_base_address(w.new_value));
        }
        return;
    }
    vapic_page_switch_mode(page_of(v), v->apic_id, w.new_mode);
    if (w.new_mode != LAPIC_MODE_X2APIC)
        clear_intr_status(v); /* the page was reset: nothing requested or in service */
    vlapic_set_mode(&v->vlapic, w.new_mode);
    apic_apply_mode(v, w.new_mode);
    kprintf("vcpu %u: LAPIC %s -> %s\n", v->id, lapic_mode_name(w.old_mode), lapic_mode_name(w.new_mode));
}

/* --- delivering interrupts ----------------------------------------------------------------------- */

/* Posted interrupts (SDM 30.6): PIR bit, then ON; the notification IPI only on ON's 0 -> 1.
 * A target in VMX non-root operation takes it without a VM exit; for one in root operation the
 * notification waits in its LAPIC (the hypervisor never enables interrupts) and is taken right
 * after its next VM entry, see apic_prepare_entry.  Below apicv=full the descriptor is only a
 * mailbox, the same protocol in software: the kick makes the target exit, and it moves the PIR
 * into its IRR before its next entry (take_mailbox). */
static void deliver_posted(struct vcpu *target, uint8_t vector)
{
    if (!pi_post(target->pi_desc, vector))
        return;
    if (target->vm->apicv == APICV_FULL)
        lapic_send_ipi(target->apic_id, ICR_DM_FIXED | target->vm->pi_vector);
    else
        vcpu_kick(target);
}

/* SDM 11.4.7.2: a software-disabled APIC (SVR bit 8 clear, as after INIT) accepts only INIT,
 * NMI, SMI and SIPI; a CPU in wait-for-SIPI takes nothing but INIT and SIPI. */
static bool accepts_fixed(struct vcpu *t)
{
    return t->state == VCPU_RUNNING && (vapic_read(page_of(t), APIC_SVR) & APIC_SVR_SW_ENABLE);
}

static void deliver_one(struct vcpu *src, struct vcpu *t, const struct icr_fields *ipi)
{
    switch (ipi->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (!accepts_fixed(t))
            break;
        if (t == src)
            vlapic_accept(&t->vlapic, ipi->vector); /* the IRR; RVI follows before the next entry */
        else
            deliver_posted(t, ipi->vector);
        break;
    case APIC_DM_NMI:
        vcpu_post(t, VCPU_EV_NMI);
        break;
    case APIC_DM_INIT:
        vcpu_post(t, VCPU_EV_INIT);
        break;
    case APIC_DM_STARTUP:
        vcpu_post_sipi(t, ipi->vector);
        break;
    default:
        break;
    }
}

/* The ID IPIs are routed by: the xAPIC ID as the guest last wrote it (SDM 11.4.6), or the
 * read-only x2APIC ID.  Another vCPU's page changes only by its own writes; a read racing with
 * one gets the old or the new ID, as an IPI racing with the write would on hardware. */
static uint32_t apic_id_of(const struct vcpu *t)
{
    if (t->vlapic.mode != LAPIC_MODE_XAPIC)
        return t->apic_id;
    return vapic_read(page_of((struct vcpu *)t), APIC_ID) >> 24;
}

static void send_ipi_from(struct vm *vm, struct vcpu *src, const struct icr_decision *d)
{
    if (d->verdict != ICR_SEND)
        return;
    struct apic_target targets[APICVISOR_MAX_CPUS];
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        struct vcpu *t = &vm->vcpus[i];
        targets[i] = (struct apic_target){
            .apic_id = apic_id_of(t),
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

static void send_ipi(struct vcpu *src, const struct icr_decision *d)
{
    send_ipi_from(src->vm, src, d);
}

/* A device interrupt from the I/O APIC (its 8-bit xAPIC-format destination: there is no
 * interrupt remapping), raised by the vCPU whose exit is being handled on this CPU: routed like
 * an IPI from it, so that it goes into that vCPU's own IRR directly when it is a target (a
 * posted-interrupt notification to itself would be taken right after the next entry, and
 * Bochs 3.1 takes it even with IF=0: docs/design.md, platform deviations), posted to the others. */
void apic_deliver_msg(struct vm *vm, uint32_t dest, bool logical, uint8_t delivery_mode, uint8_t vector)
{
    struct icr_decision d = {
        .verdict = ICR_SEND,
        .ipi = { .vector = vector, .delivery = (enum apic_delivery_mode)delivery_mode, .logical = logical,
                 .level_assert = true, .shorthand = APIC_SH_NONE, .dest = dest, .x2apic = false },
    };
    send_ipi_from(vm, &vm->vcpus[this_cpu()->cpu], &d);
}

/* Whether vector is a level-triggered device interrupt, whose EOI the I/O APIC must see. */
static bool level_triggered(const struct vm *vm, uint8_t vector)
{
    uint64_t bitmap[4] = { 0 };
    platform_eoi_exit_vectors(vm, bitmap);
    return bitmap[vector / 64] & (1ull << (vector % 64));
}

static bool apply_outcome(struct vcpu *v, struct vlapic_outcome o)
{
    if (o.result == VLAPIC_GP)
        return false;
    if (o.result == VLAPIC_SEND_IPI)
        send_ipi(v, &o.ipi);
    if (o.result == VLAPIC_EOI && level_triggered(v->vm, o.eoi_vector))
        platform_eoi(v, o.eoi_vector);
    return true;
}

/* SDM 29.1.4: with virtual-interrupt delivery, the EOI of a vector set in the EOI-exit bitmap
 * (a level-triggered device interrupt) exits after the CPU updated ISR and PPR. */
enum exit_action handle_virtualized_eoi(struct vcpu *v)
{
    platform_eoi(v, (uint8_t)vmread_natural(EXIT_QUALIFICATION));
    return EXIT_RESUME;
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
        *gp = v->vm->timer == VM_TIMER_NONE;
        *val = v->vlapic.tsc_deadline;
        return true;
    }
    if (!in_x2apic_range(msr))
        return false;
    /* SDM 11.12.1.2: x2APIC MSRs #GP unless the APIC is in x2APIC mode. */
    *gp = v->vlapic.mode != LAPIC_MODE_X2APIC ||
          !vlapic_read(&v->vlapic, X2APIC_MSR_OFFSET(msr), guest_tsc(v), val);
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
        *gp = v->vm->timer == VM_TIMER_NONE;
        if (!*gp)
            vlapic_write_tsc_deadline(&v->vlapic, val, guest_tsc(v));
        return true;
    }
    if (!in_x2apic_range(msr))
        return false;
    *gp = v->vlapic.mode != LAPIC_MODE_X2APIC ||
          !apply_outcome(v, vlapic_write(&v->vlapic, X2APIC_MSR_OFFSET(msr), val, guest_tsc(v)));
    return true;
}

/* --- xAPIC MMIO -------------------------------------------------------------------------------- */

/* SDM 30.4.3.3: a trap-like exit after the CPU wrote the value into the virtual-APIC page. */
enum exit_action handle_apic_write(struct vcpu *v)
{
    uint32_t offset = (uint32_t)vmread_natural(EXIT_QUALIFICATION) & 0xff0;
    uint32_t value = vapic_read(page_of(v), offset);
    apply_outcome(v, vlapic_write(&v->vlapic, offset, value, guest_tsc(v)));
    return EXIT_RESUME;
}

/* The page offset of the access being emulated: from the exit qualification of an APIC-access
 * exit (SDM 28.2.1, table 28-6), or from the guest-physical address of an EPT violation. */
static uint32_t apic_mmio_offset(void)
{
    if ((vmread32(VM_EXIT_REASON) & EXIT_REASON_BASIC_MASK) == EXIT_REASON_APIC_ACCESS)
        return (uint32_t)vmread_natural(EXIT_QUALIFICATION) & 0xfff;
    return (uint32_t)vmread64(GUEST_PHYSICAL_ADDRESS) & 0xfff;
}

static uint64_t apic_mmio_load(struct vcpu *v, unsigned size)
{
    return vlapic_mmio_read(&v->vlapic, apic_mmio_offset(), size, guest_tsc(v));
}

static void apic_mmio_store(struct vcpu *v, unsigned size, uint64_t value)
{
    apply_outcome(v, vlapic_mmio_write(&v->vlapic, apic_mmio_offset(), size, (uint32_t)value, guest_tsc(v)));
}

static enum exit_action emulate_apic_mmio(struct vcpu *v, bool write)
{
    if (!mem_emulate(v, write, apic_mmio_load, apic_mmio_store))
        return exit_stop(v, "APIC access by an instruction apicvisor does not emulate");
    return EXIT_RESUME;
}

/* SDM 29.4: accesses the CPU does not virtualize (the timer current count, sizes and offsets
 * other than aligned 32-bit, writes to read-only registers; below apicv=vid every register but
 * the TPR) exit fault-like: emulate the instruction against the register model. */
enum exit_action handle_apic_access(struct vcpu *v)
{
    uint32_t type = (uint32_t)(vmread_natural(EXIT_QUALIFICATION) >> 12) & 0xf;
    if (type > 1) /* 0: linear read, 1: linear write (SDM 28.2.1, table 28-6) */
        return exit_stop(v, "APIC access that is not a data read or write");
    return emulate_apic_mmio(v, type == 1);
}

bool apic_mmio_claims(const struct vcpu *v, uint64_t gpa)
{
    const uint64_t base_mask = 0x000ffffffffff000ull; /* IA32_APIC_BASE bits 51:12 (SDM 11.4.4) */
    return v->vlapic.mode == LAPIC_MODE_XAPIC && (gpa & base_mask) == (v->apic_base & base_mask);
}

enum exit_action apic_mmio_ept_violation(struct vcpu *v, bool write)
{
    return emulate_apic_mmio(v, write);
}

/* --- CR8 (apicv=off: no TPR shadow, so MOV to and from CR8 exit) ------------------------------ */

/* SDM 10.8.6.1 (Vol. 3A "Interaction of Task Priorities between CR8 and APIC"): CR8[3:0] is
 * TPR[7:4]; a write of bits 63:4 #GPs. */
bool apic_cr8_write(struct vcpu *v, uint64_t value)
{
    if (value >> 4)
        return false;
    vlapic_set_tpr(page_of(v), (uint32_t)value << 4);
    return true;
}

uint64_t apic_cr8_read(struct vcpu *v)
{
    return vapic_read(page_of(v), APIC_TPR) >> 4;
}

/* --- INIT and SIPI ------------------------------------------------------------------------------- */

/* What an INIT does to the LAPIC and the CPU (SDM 11.4.7.3, 11.12.5.1; the INIT column of the
 * table "IA-32 and Intel 64 Processor States Following Power-up, Reset, or INIT"): the APIC keeps
 * its mode and base (an x2APIC stays in x2APIC mode, a disabled APIC stays disabled), its
 * registers return to their reset values (IRR, ISR, TMR cleared, SVR software-disabled), pending
 * NMIs and events waiting for injection are gone, and the TLBs are flushed. */
void apic_init_reset(struct vcpu *v)
{
    enum lapic_mode mode = v->vlapic.mode;
    uint32_t id = vapic_read(page_of(v), APIC_ID);
    /* Seeding cannot fail here: the ID was seeded in this mode before (create_vcpu or a switch). */
    vapic_page_seed(page_of(v), v->apic_id, mode);
    if (mode == LAPIC_MODE_XAPIC) /* INIT leaves the APIC ID alone (SDM 11.4.7.3) */
        vapic_write(page_of(v), APIC_ID, id);
    vlapic_reset(&v->vlapic, mode);
    pi_reset(v->pi_desc);
    apic_apply_mode(v, mode);
    clear_intr_status(v);
    v->nmi_pending = false;
    vmwrite32(VM_ENTRY_INTR_INFO, 0);
    vmwrite32(CPU_BASED_VM_EXEC_CONTROL,
              vmread32(CPU_BASED_VM_EXEC_CONTROL) & ~(CPU_NMI_WINDOW_EXITING | CPU_INTERRUPT_WINDOW_EXITING));
    vmwrite_natural(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmcs_guest_startup(v, 0);
    flush_guest_translations(v); /* INIT flushes the TLBs, global entries included */
    v->state = VCPU_WAIT_SIPI;
}

void apic_start_up(struct vcpu *v, uint8_t vector)
{
    /* Fixed IPIs are dropped while parked, but one may have raced with the INIT: start clean,
     * before RUNNING lets senders post again. */
    pi_reset(v->pi_desc);
    vmcs_guest_startup(v, vector);
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE); /* whatever it was before the INIT */
    __atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
    kprintf("vcpu %u: started by SIPI at 0x%x\n", v->id, (unsigned)vector << 12);
}

/* A physical INIT reached this CPU in non-root operation (SDM 26.2): it is the guest's. */
enum exit_action handle_init_signal(struct vcpu *v)
{
    __atomic_fetch_or(&v->events, VCPU_EV_INIT, __ATOMIC_SEQ_CST);
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

/* An NMI waits when NMIs are blocked, behind STI/MOV-SS blocking (KVM's vmx_nmi_blocked: the
 * SDM lets a CPU refuse NMI injection there), or behind an event already being injected; the
 * NMI window then exits as soon as it can be delivered (SDM 26.7.6), so it is never late. */
static void inject_pending_nmi(struct vcpu *v)
{
    if (!v->nmi_pending)
        return;
    if ((vmread32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
        (vmread32(GUEST_INTERRUPTIBILITY_INFO) &
         (GUEST_INTR_BLOCKING_NMI | GUEST_INTR_BLOCKING_MOV_SS | GUEST_INTR_BLOCKING_STI))) {
        vmwrite32(CPU_BASED_VM_EXEC_CONTROL, vmread32(CPU_BASED_VM_EXEC_CONTROL) | CPU_NMI_WINDOW_EXITING);
        return;
    }
    v->nmi_pending = false;
    vmwrite32(CPU_BASED_VM_EXEC_CONTROL, vmread32(CPU_BASED_VM_EXEC_CONTROL) & ~CPU_NMI_WINDOW_EXITING);
    vmwrite32(VM_ENTRY_INTR_INFO, 2 | (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID);
    if (vmread32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
        vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

/* Without a VMX-preemption timer this CPU's own LAPIC timer stands in: armed at the deadline
 * (a guest-TSC value: the host's is that minus the TSC offset), it interrupts the guest however
 * it waits (spinning with IF=0, halted), and wakes a vCPU parked in the hypervisor. */
static void program_host_timer(struct vcpu *v, uint64_t deadline)
{
    uint64_t host = deadline ? deadline - v->tsc_offset : 0;
    if (deadline && !host)
        host = 1; /* 0 would disarm: due at once */
    if (host != v->host_timer) {
        lapic_timer_at_tsc(host, VCPU_TIMER_VECTOR);
        v->host_timer = host;
    }
}

/* deadline: the guest TSC of the next LAPIC timer or device event (0: none). */
static void program_timer(struct vcpu *v, uint64_t now, uint64_t deadline)
{
    if (v->vm->timer == VM_TIMER_HOST_LAPIC)
        program_host_timer(v, deadline);
    if (v->vm->timer != VM_TIMER_PREEMPTION)
        return;
    uint32_t pin = vmread32(PIN_BASED_VM_EXEC_CONTROL);
    uint32_t want = deadline ? pin | PIN_VMX_PREEMPTION_TIMER : pin & ~PIN_VMX_PREEMPTION_TIMER;
    if (want != pin)
        vmwrite32(PIN_BASED_VM_EXEC_CONTROL, want);
    if (deadline) {
        uint64_t ticks = deadline > now ? (deadline - now) >> v->vm->preemption_shift : 0;
        vmwrite32(VMX_PREEMPTION_TIMER_VALUE, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
    }
}

/* Below apicv=full: the vectors other vCPUs left in the descriptor, into the IRR. */
static void take_mailbox(struct vcpu *v)
{
    uint64_t posted[4] = { 0 };
    if (pi_harvest(v->pi_desc, posted))
        vapic_vectors_or(page_of(v), APIC_IRR, posted);
}

#define GUEST_INTR_BLOCKING_STI_OR_MOV_SS (GUEST_INTR_BLOCKING_STI | GUEST_INTR_BLOCKING_MOV_SS)

/* Below apicv=vid the hypervisor is the APIC's delivery logic (SDM 11.8.4): the highest
 * deliverable vector is acknowledged and injected as an external interrupt when the guest can
 * take one (IF=1, no STI or MOV-SS blocking, no event already being injected, SDM 26.6.5);
 * otherwise the interrupt window exits when it can (SDM 26.7.5).  A vector that only the TPR
 * holds back sets the TPR threshold, so that a CR8 write lowering the TPR exits (SDM 29.1.2). */
static void inject_interrupt(struct vcpu *v)
{
    struct vapic_page *page = page_of(v);
    uint32_t proc = vmread32(CPU_BASED_VM_EXEC_CONTROL);
    uint32_t want = proc & ~CPU_INTERRUPT_WINDOW_EXITING;
    int vector = vlapic_deliverable(page);
    if (vector >= 0) {
        bool blocked = (vmread32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
                       !(vmread_natural(GUEST_RFLAGS) & RFLAGS_IF) ||
                       (vmread32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_BLOCKING_STI_OR_MOV_SS);
        if (blocked) {
            want |= CPU_INTERRUPT_WINDOW_EXITING;
        } else {
            vlapic_ack(page, (uint8_t)vector);
            vmwrite32(VM_ENTRY_INTR_INFO,
                      (uint32_t)vector | (INTR_TYPE_EXTERNAL_INTERRUPT << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID);
            if (vmread32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
                vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
        }
    }
    if (want != proc)
        vmwrite32(CPU_BASED_VM_EXEC_CONTROL, want);
    if (want & CPU_USE_TPR_SHADOW)
        vmwrite32(TPR_THRESHOLD, vlapic_tpr_threshold(page));
}

/* SDM 29.1.4: the EOI-exit bitmap names the level-triggered device vectors, whose EOIs must
 * reach the I/O APIC; reloaded when the platform says they changed. */
static void load_eoi_exit_bitmap(struct vcpu *v)
{
    uint64_t bitmap[4] = { 0 };
    uint32_t generation = platform_eoi_exit_vectors(v->vm, bitmap);
    if (generation == v->eoi_exit_generation)
        return;
    v->eoi_exit_generation = generation;
    vmwrite64(EOI_EXIT_BITMAP0, bitmap[0]);
    vmwrite64(EOI_EXIT_BITMAP1, bitmap[1]);
    vmwrite64(EOI_EXIT_BITMAP2, bitmap[2]);
    vmwrite64(EOI_EXIT_BITMAP3, bitmap[3]);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* With virtual-interrupt delivery: RVI, and waking a halted vCPU that has an interrupt. */
static void request_virtual_interrupt(struct vcpu *v)
{
    uint8_t rvi = update_rvi(v);
    /* A halted vCPU with a deliverable interrupt runs again; virtual-interrupt delivery then
     * takes the interrupt at once (SDM 30.2.1). */
    if (rvi && vmread32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT && (vmread_natural(GUEST_RFLAGS) & RFLAGS_IF) &&
        (rvi & 0xf0) > (vapic_read(page_of(v), APIC_PPR) & 0xf0))
        vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

void apic_prepare_entry(struct vcpu *v)
{
    uint64_t device_deadline = platform_poll(v);
    uint64_t now = guest_tsc(v);
    int timer_vector = vlapic_timer_poll(&v->vlapic, now);
    if (timer_vector >= 0)
        vlapic_accept(&v->vlapic, (uint8_t)timer_vector);
    if (v->vm->apicv < APICV_FULL)
        take_mailbox(v);
    /* At apicv=full posted interrupts are left to the CPU.  Every vCPU stays on its own physical CPU, so ON
     * set means a notification is pending in this CPU's LAPIC or on its way (the sender sends
     * one on every 0 -> 1 of ON, right after setting it): it is taken in non-root operation right
     * after this entry, or wakes the vCPU from HLT.  Moving PIR here as well (pi_harvest) would
     * leave that notification to find an empty PIR, which Bochs 3.1 turns into a bogus virtual
     * interrupt 255 (its RVI update takes the highest VIRR bit, -1 when there is none). */
    inject_pending_nmi(v); /* an NMI goes before an external interrupt (SDM 6.9) */
    if (has_vid(v)) {
        load_eoi_exit_bitmap(v);
        request_virtual_interrupt(v);
    } else {
        inject_interrupt(v);
    }
    program_timer(v, now, earlier(v->vlapic.timer_deadline, device_deadline));
}
