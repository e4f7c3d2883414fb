#include "vlapic/vlapic.h"

#include "vlapic/apic_regs.h"
#include "vlapic/irq.h"
#include "vlapic/ldr.h"
#include "vlapic/vapic_page.h"
#include "vlapic/x2apic_msr.h"

/* Writable bits of each LVT (SDM 11.5.1, figure "Local Vector Table"); delivery status and
 * remote IRR are read-only. */
static uint32_t lvt_writable(uint32_t offset)
{
    const uint32_t vec_mask = APIC_LVT_VECTOR_MASK | APIC_LVT_MASKED;
    switch (offset) {
    case APIC_LVT_TIMER: return vec_mask | APIC_LVT_TIMER_MODE_MASK;
    case APIC_LVT_LINT0:
    case APIC_LVT_LINT1: return vec_mask | APIC_LVT_DELIVERY_MASK | APIC_LVT_POLARITY_LOW | APIC_LVT_TRIGGER_LEVEL;
    case APIC_LVT_ERROR: return vec_mask;
    default: return vec_mask | APIC_LVT_DELIVERY_MASK; /* thermal, performance */
    }
}

static bool is_lvt(uint32_t offset)
{
    return offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR;
}

static bool sw_enabled(const struct vlapic *vl)
{
    return vapic_read(vl->page, APIC_SVR) & APIC_SVR_SW_ENABLE;
}

/* SDM 11.5.4: divide configuration bits 3, 1:0 encode 2, 4, 8, 16, 32, 64, 128, 1. */
static uint64_t divisor_of(uint32_t dcr)
{
    unsigned code = ((dcr >> 1) & 4) | (dcr & 3);
    return code == 7 ? 1 : 2ull << code;
}

static uint64_t timer_divisor(const struct vlapic *vl)
{
    return vl->timer_div;
}

static uint32_t timer_mode(const struct vlapic *vl)
{
    return vl->timer_mode;
}

/* Reads the timer's mode and divisor from the page (after a reset or mode switch reseeded it). */
static void timer_sync(struct vlapic *vl)
{
    vl->timer_mode = vapic_read(vl->page, APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE_MASK;
    vl->timer_div = divisor_of(vapic_read(vl->page, APIC_TIMER_DCR));
}

/* A periodic interval at least min_period long: a guest that programs a tiny period would
 * otherwise get its next expiry before it ran an instruction (each VM entry re-arms the
 * VMX-preemption timer at 0) and starve itself.  KVM clamps the same way (min_timer_period_us). */
static uint64_t clamped_period(const struct vlapic *vl, uint64_t ticks)
{
    return ticks < vl->min_period ? vl->min_period : ticks;
}

/* Writing the initial count (re)starts the count-down; 0 stops it (SDM 11.5.4).  In TSC-deadline
 * mode the write is ignored (SDM 11.5.4.1): the register keeps 0 (entering the mode cleared it;
 * in xAPIC mode the CPU has already stored the value) and an armed deadline stays armed. */
static void timer_start(struct vlapic *vl, uint64_t now)
{
    if (timer_mode(vl) == APIC_LVT_TIMER_TSC_DEADLINE) {
        vapic_write(vl->page, APIC_TIMER_ICR, 0);
        return;
    }
    uint64_t count = vapic_read(vl->page, APIC_TIMER_ICR);
    vl->timer_deadline = 0;
    vl->timer_period = 0;
    if (count == 0)
        return;
    uint64_t ticks = count * timer_divisor(vl);
    if (timer_mode(vl) == APIC_LVT_TIMER_PERIODIC)
        ticks = vl->timer_period = clamped_period(vl, ticks);
    vl->timer_deadline = now + ticks;
}

/* SDM 11.5.4.1: only a transition into or out of TSC-deadline mode disarms the timer (and
 * IA32_TSC_DEADLINE reads 0 outside that mode).  Between one-shot and periodic the count goes
 * on: it ends once in one-shot mode and reloads in periodic mode (KVM's apic_update_lvtt). */
static void timer_mode_changed(struct vlapic *vl, uint32_t new_mode)
{
    uint32_t old_mode = vl->timer_mode;
    vl->timer_mode = new_mode;
    if (old_mode == APIC_LVT_TIMER_TSC_DEADLINE || new_mode == APIC_LVT_TIMER_TSC_DEADLINE) {
        vapic_write(vl->page, APIC_TIMER_ICR, 0);
        vl->timer_deadline = vl->timer_period = vl->tsc_deadline = 0;
        return;
    }
    uint64_t count = vapic_read(vl->page, APIC_TIMER_ICR);
    vl->timer_period = vl->timer_deadline && new_mode == APIC_LVT_TIMER_PERIODIC
                           ? clamped_period(vl, count * timer_divisor(vl))
                           : 0;
}

/* A new divide value changes the rate, not the count (SDM 11.5.4): what is left of the count
 * runs on at the new rate (KVM's update_target_expiration). */
static void timer_divisor_changed(struct vlapic *vl, uint64_t new_div, uint64_t now)
{
    uint64_t old_div = vl->timer_div;
    vl->timer_div = new_div;
    if (!vl->timer_deadline || timer_mode(vl) == APIC_LVT_TIMER_TSC_DEADLINE || old_div == new_div)
        return;
    uint64_t left = vl->timer_deadline > now ? (vl->timer_deadline - now) / old_div : 0;
    vl->timer_deadline = now + left * new_div;
    if (vl->timer_period)
        vl->timer_period = clamped_period(vl, vapic_read(vl->page, APIC_TIMER_ICR) * new_div);
}

void vlapic_init(struct vlapic *vl, struct vapic_page *page, uint32_t apic_id, enum lapic_mode mode)
{
    *vl = (struct vlapic){ .page = page, .apic_id = apic_id, .mode = mode };
    timer_sync(vl);
}

void vlapic_reset(struct vlapic *vl, enum lapic_mode mode)
{
    uint64_t min_period = vl->min_period; /* the VM's setting, not LAPIC state */
    vlapic_init(vl, vl->page, vl->apic_id, mode);
    vl->min_period = min_period;
}

void vlapic_set_mode(struct vlapic *vl, enum lapic_mode mode)
{
    if (mode != LAPIC_MODE_X2APIC) { /* xAPIC or disabled: register state was reset */
        vl->timer_deadline = vl->timer_period = vl->esr_pending = vl->tsc_deadline = 0;
        timer_sync(vl);
    }
    vl->mode = mode;
}

/* SDM 11.5.3 "Error Handling": the error is recorded for the next ESR write, and the LVT error
 * entry, when unmasked, raises its interrupt (itself only if its vector is legal). */
static void record_error(struct vlapic *vl, uint32_t esr_bits)
{
    vl->esr_pending |= esr_bits;
    uint32_t lvt = vapic_read(vl->page, APIC_LVT_ERROR);
    uint8_t vector = (uint8_t)(lvt & APIC_LVT_VECTOR_MASK);
    if (!(lvt & APIC_LVT_MASKED) && vector >= APIC_FIRST_LEGAL_VECTOR)
        vapic_vector_set(vl->page, APIC_IRR, vector);
}

bool vlapic_accept(struct vlapic *vl, uint8_t vector)
{
    if (vector < APIC_FIRST_LEGAL_VECTOR) {
        record_error(vl, APIC_ESR_RECEIVE_ILLEGAL_VECTOR);
        return false;
    }
    vapic_vector_set(vl->page, APIC_IRR, vector);
    return true;
}

static struct vlapic_outcome done(void)
{
    return (struct vlapic_outcome){ .result = VLAPIC_DONE };
}

static struct vlapic_outcome gp(void)
{
    return (struct vlapic_outcome){ .result = VLAPIC_GP };
}

/* The x2APIC-only checks (SDM 11.12.1.2-3): which MSRs take writes and their reserved bits. */
static bool x2apic_write_allowed(uint32_t offset, uint64_t value)
{
    enum x2apic_msr_access a = x2apic_msr_access(X2APIC_MSR(offset));
    if (a != X2APIC_MSR_RW && a != X2APIC_MSR_WO)
        return false;
    switch (offset) {
    case APIC_ICR_LO: return true; /* icr_decide checks the 64-bit value */
    case APIC_ESR: return value == 0;
    case APIC_SELF_IPI: return (value & ~0xffull) == 0;
    case APIC_EOI: return value == 0;
    default: return (value >> 32) == 0;
    }
}

static struct vlapic_outcome send(struct vlapic *vl, uint64_t icr)
{
    struct vlapic_outcome o = { .result = VLAPIC_SEND_IPI, .ipi = icr_decide(icr, vl->mode == LAPIC_MODE_X2APIC) };
    if (o.ipi.verdict == ICR_GP)
        return gp();
    if (o.ipi.verdict == ICR_DROP_WITH_ESR)
        record_error(vl, o.ipi.esr);
    return o;
}

/* x2APIC: the ICR is the 8 bytes at 0x300, which is what a passed-through RDMSR 0x830 reads
 * (Vol. 3C "Virtualizing MSR-Based APIC Accesses"); a WRMSR that #GPs stores nothing. */
static struct vlapic_outcome x2apic_send(struct vlapic *vl, uint64_t icr)
{
    struct vlapic_outcome o = send(vl, icr);
    if (o.result == VLAPIC_GP)
        return o;
    vapic_write(vl->page, APIC_ICR_LO, (uint32_t)icr);
    vapic_write(vl->page, APIC_ICR_LO + 4, (uint32_t)(icr >> 32));
    return o;
}

struct vlapic_outcome vlapic_write(struct vlapic *vl, uint32_t offset, uint64_t value, uint64_t now)
{
    bool x2 = vl->mode == LAPIC_MODE_X2APIC;
    if (x2 && !x2apic_write_allowed(offset, value))
        return gp();
    uint32_t v32 = (uint32_t)value;
    switch (offset) {
    case APIC_ICR_LO:
        if (x2)
            return x2apic_send(vl, value);
        /* xAPIC: the IPI is sent at once, so the delivery-status bit reads idle (SDM 11.6.1). */
        vapic_write(vl->page, APIC_ICR_LO, v32 & ~APIC_ICR_DELIVERY_STATUS);
        return send(vl, icr_xapic_value(v32, vapic_read(vl->page, APIC_ICR_HI)));
    case APIC_ID:
        /* Writable in xAPIC mode (SDM 11.4.6; the x2APIC ID is read-only and #GPs above): bits
         * 31:24 count.  Nothing the CPU virtualizes depends on it, since apicvisor routes every
         * IPI itself by the IDs in the pages (vmm/apic_virt_hv.c). */
        vapic_write(vl->page, APIC_ID, v32 & 0xff000000u);
        return done();
    case APIC_ICR_HI:
        vapic_write(vl->page, APIC_ICR_HI, v32 & 0xff000000u);
        return done();
    case APIC_ESR:
        /* A write latches the errors seen since the last write and clears them (11.5.3). */
        vapic_write(vl->page, APIC_ESR, vl->esr_pending);
        vl->esr_pending = 0;
        return done();
    case APIC_SVR:
        vapic_write(vl->page, APIC_SVR, v32 & (APIC_SVR_VECTOR_MASK | APIC_SVR_SW_ENABLE | APIC_SVR_FOCUS_CHECK_DISABLE));
        if (!(v32 & APIC_SVR_SW_ENABLE)) /* software disable masks every LVT (11.4.7.2) */
            for (uint32_t lvt = APIC_LVT_TIMER; lvt <= APIC_LVT_ERROR; lvt += 0x10)
                vapic_write(vl->page, lvt, vapic_read(vl->page, lvt) | APIC_LVT_MASKED);
        return done();
    case APIC_LDR:
        vapic_write(vl->page, APIC_LDR, v32 & 0xff000000u);
        return done();
    case APIC_DFR:
        vapic_write(vl->page, APIC_DFR, v32 | 0x0fffffffu);
        return done();
    case APIC_TIMER_ICR:
        vapic_write(vl->page, APIC_TIMER_ICR, v32);
        timer_start(vl, now);
        return done();
    case APIC_TIMER_DCR:
        vapic_write(vl->page, APIC_TIMER_DCR, v32 & 0xbu);
        timer_divisor_changed(vl, divisor_of(v32), now);
        return done();
    /* With virtual-interrupt delivery the CPU does these three itself (SDM 30.1.2-3, 30.5) and
     * they never come here; at apicv=tpr/off the model does what the APIC would. */
    case APIC_EOI: {
        int vector = vlapic_eoi(vl->page);
        if (vector < 0)
            return done();
        return (struct vlapic_outcome){ .result = VLAPIC_EOI, .eoi_vector = (uint8_t)vector };
    }
    case APIC_TPR:
        vlapic_set_tpr(vl->page, v32);
        return done();
    case APIC_SELF_IPI:
        if (x2) /* SDM 11.12.11: the SELF IPI register exists in x2APIC mode only */
            vlapic_accept(vl, (uint8_t)v32);
        return done();
    default:
        if (is_lvt(offset)) {
            uint32_t val = v32 & lvt_writable(offset);
            if (!sw_enabled(vl))
                val |= APIC_LVT_MASKED;
            vapic_write(vl->page, offset, val);
            if (offset == APIC_LVT_TIMER && (val & APIC_LVT_TIMER_MODE_MASK) != timer_mode(vl))
                timer_mode_changed(vl, val & APIC_LVT_TIMER_MODE_MASK);
            return done();
        }
        /* xAPIC: a write to a read-only or reserved register is ignored; x2APIC got #GP above. */
        return done();
    }
}

bool vlapic_read(struct vlapic *vl, uint32_t offset, uint64_t now, uint64_t *value)
{
    if (vl->mode == LAPIC_MODE_X2APIC) {
        enum x2apic_msr_access a = x2apic_msr_access(X2APIC_MSR(offset));
        if (a != X2APIC_MSR_RO && a != X2APIC_MSR_RW)
            return false;
    }
    if (offset == APIC_TIMER_CCR) {
        if (timer_mode(vl) == APIC_LVT_TIMER_TSC_DEADLINE) { /* always 0 (SDM 11.5.4.1) */
            *value = 0;
            return true;
        }
        uint64_t left = vl->timer_deadline > now ? vl->timer_deadline - now : 0;
        *value = vl->timer_deadline ? left / timer_divisor(vl) : 0;
        return true;
    }
    /* The PPR follows TPR writes that never exit (a TPR shadow, SDM 29.1.2): computed, not stored. */
    *value = offset == APIC_PPR ? vapic_compute_ppr(vl->page) : vapic_read(vl->page, offset);
    if (vl->mode == LAPIC_MODE_X2APIC && offset == APIC_ICR_LO)
        *value |= (uint64_t)vapic_read(vl->page, APIC_ICR_LO + 4) << 32;
    return true;
}

void vlapic_write_tsc_deadline(struct vlapic *vl, uint64_t value, uint64_t now)
{
    (void)now;
    if (timer_mode(vl) != APIC_LVT_TIMER_TSC_DEADLINE)
        return; /* ignored, and the MSR keeps reading 0 (SDM 11.5.4.1) */
    vl->tsc_deadline = value;
    vl->timer_deadline = value;
    vl->timer_period = 0;
}

void vlapic_tsc_moved(struct vlapic *vl, int64_t delta)
{
    if (vl->timer_deadline && timer_mode(vl) != APIC_LVT_TIMER_TSC_DEADLINE)
        vl->timer_deadline += (uint64_t)delta;
}

int vlapic_timer_poll(struct vlapic *vl, uint64_t now)
{
    if (!vl->timer_deadline || now < vl->timer_deadline)
        return -1;
    if (vl->timer_period) {
        /* Periodic: the next expiry follows the last one, skipping missed periods. */
        uint64_t missed = (now - vl->timer_deadline) / vl->timer_period;
        vl->timer_deadline += (missed + 1) * vl->timer_period;
    } else {
        vl->timer_deadline = 0;
        if (timer_mode(vl) == APIC_LVT_TIMER_TSC_DEADLINE)
            vl->tsc_deadline = 0; /* SDM 11.5.4.1: the MSR reads 0 after it fires */
    }
    uint32_t lvt = vapic_read(vl->page, APIC_LVT_TIMER);
    if (lvt & APIC_LVT_MASKED)
        return -1;
    return (int)(lvt & APIC_LVT_VECTOR_MASK);
}
