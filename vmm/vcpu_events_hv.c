#include "vmm/vcpu_events.h"

#include "vmm/apic_virt.h"
#include "vmm/exits.h"
#include "vmm/host/lapic.h"
#include "vmm/host/percpu.h"

void vcpu_kick(struct vcpu *t)
{
    if (t->id == this_cpu()->cpu)
        return;
    lapic_send_ipi(t->apic_id, ICR_DM_FIXED | VCPU_KICK_VECTOR);
    /* With HLT in the guest (apicv=full) the target may sit in `cli; hlt` there.  The kick's
     * external-interrupt exit ends that on hardware (SDM 26.2: IF does not matter), but not in
     * Bochs 3.1 (docs/design.md, platform deviations); an NMI exits everywhere.  The fixed kick
     * stays: an NMI that lands in root operation is gone (exceptions.asm), the fixed one waits
     * in the LAPIC for the next VM entry. */
    if (t->vm->hlt_in_guest)
        lapic_send_ipi(t->apic_id, ICR_DM_NMI);
}

void vcpu_post(struct vcpu *t, uint32_t event)
{
    /* A locked RMW: the event is globally visible before the kick's ICR write. */
    __atomic_fetch_or(&t->events, event, __ATOMIC_SEQ_CST);
    vcpu_kick(t);
}

void vcpu_post_sipi(struct vcpu *t, uint8_t vector)
{
    __atomic_store_n(&t->sipi_vector, vector, __ATOMIC_RELEASE);
    vcpu_post(t, VCPU_EV_SIPI);
}

bool vcpu_accept_events(struct vcpu *v)
{
    uint32_t ev = __atomic_exchange_n(&v->events, 0, __ATOMIC_ACQ_REL);
    if (ev & VCPU_EV_INIT) {
        if (v->id == 0) {
            exit_stop(v, "INIT to the bootstrap vCPU (a platform reset) is not supported");
            return false;
        }
        apic_init_reset(v);
    }
    if ((ev & VCPU_EV_SIPI) && v->state == VCPU_WAIT_SIPI)
        apic_start_up(v, __atomic_load_n(&v->sipi_vector, __ATOMIC_ACQUIRE));
    if ((ev & VCPU_EV_NMI) && v->state != VCPU_WAIT_SIPI) {
        v->nmi_pending = true;
        v->state = VCPU_RUNNING; /* an NMI ends HLT, even with IF=0 */
    }
    return true;
}

void vcpu_park(struct vcpu *v)
{
    /* STI's one-instruction shadow keeps the kick from landing between the check and HLT. */
    while (!__atomic_load_n(&v->events, __ATOMIC_ACQUIRE) && !v->vm->powered_off)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}
