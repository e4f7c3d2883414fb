/* The emulated side of a vCPU's local APIC: what the hypervisor does when a guest access to an
 * APIC register reaches it (an x2APIC WRMSR/RDMSR that the MSR bitmap intercepts, or an
 * APIC-write exit in xAPIC mode), and the LAPIC timer.  Everything the CPU virtualizes itself
 * (TPR, EOI, self-IPI, reads of the page) never comes here.  Plain C over the virtual-APIC page,
 * so a software-vLAPIC fallback and the unit tests use the same model.
 *
 * Time is the TSC: the timer's input clock is the TSC, divided by the divide configuration
 * (apicvisor's choice; the SDM leaves the clock implementation-specific, 11.5.4). */
#ifndef VLAPIC_VLAPIC_H
#define VLAPIC_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/icr.h"
#include "vlapic/mode.h"
#include "vlapic/vapic_regs.h"

struct vlapic {
    struct vapic_page *page;
    uint32_t apic_id;
    enum lapic_mode mode;
    uint32_t esr_pending;   /* errors since the last ESR write (SDM 11.5.3) */
    uint64_t timer_deadline; /* TSC of the next expiry; 0: not armed */
    uint64_t timer_period;   /* TSC ticks per period in periodic mode, else 0 */
    uint64_t tsc_deadline;   /* IA32_TSC_DEADLINE as the guest reads it (0 outside TSC-deadline mode) */
    uint64_t min_period;     /* shortest periodic interval in TSC ticks (0: none; see vlapic_write) */
    /* The timer's mode and divisor as the model last applied them: in xAPIC mode the CPU stores a
     * new LVT timer or DCR value in the page before the model sees the write, so the page cannot
     * say what they were. */
    uint32_t timer_mode;
    uint64_t timer_div;
};

enum vlapic_result {
    VLAPIC_DONE,      /* nothing more to do */
    VLAPIC_GP,        /* inject #GP(0) (x2APIC: read-only/invalid register, reserved bits) */
    VLAPIC_SEND_IPI,  /* an ICR write: `ipi` says what to send */
    VLAPIC_EOI,       /* an EOI (apicv=tpr/off) ended `eoi_vector`: level-triggered ones go on */
};

struct vlapic_outcome {
    enum vlapic_result result;
    struct icr_decision ipi;
    uint8_t eoi_vector;
};

void vlapic_init(struct vlapic *vl, struct vapic_page *page, uint32_t apic_id, enum lapic_mode mode);
/* The same for an INIT (the page already reseeded in mode): keeps the page, the APIC ID and
 * min_period. */
void vlapic_reset(struct vlapic *vl, enum lapic_mode mode);

/* A guest write of value to the register at offset (xAPIC offsets; x2APIC MSRs are translated
 * with X2APIC_MSR_OFFSET).  In xAPIC mode the CPU has already stored the value in the page
 * (APIC-write exits are trap-like, SDM 30.4.3.3); the model applies the register's rules to it.
 * In x2APIC mode value is the 64-bit WRMSR operand. */
struct vlapic_outcome vlapic_write(struct vlapic *vl, uint32_t offset, uint64_t value, uint64_t now);

/* A guest read the CPU does not virtualize: the timer current count (and, in x2APIC mode, any
 * intercepted register).  Returns false when the read must #GP. */
bool vlapic_read(struct vlapic *vl, uint32_t offset, uint64_t now, uint64_t *value);

/* WRMSR IA32_TSC_DEADLINE (SDM 11.5.4.1): arms the timer in TSC-deadline mode, 0 disarms.
 * Ignored in the other timer modes, as the SDM says. */
void vlapic_write_tsc_deadline(struct vlapic *vl, uint64_t value, uint64_t now);

/* Called with the current TSC: if the timer expired, re-arms or disarms it and returns the
 * vector to raise (the LVT timer vector), or -1 when nothing is due or the LVT is masked. */
int vlapic_timer_poll(struct vlapic *vl, uint64_t now);

/* Records an interrupt for this vCPU in its IRR (the CPU delivers it through RVI).  An illegal
 * vector (0-15) is not accepted and sets "receive illegal vector" in the ESR (SDM 11.5.2). */
bool vlapic_accept(struct vlapic *vl, uint8_t vector);

/* The guest's TSC jumped by delta (a write of IA32_TSC or IA32_TSC_ADJUST).  The model keeps
 * time in the guest's TSC: a count-down keeps its remaining count (the LAPIC timer does not run
 * on the TSC), a TSC deadline stays where it is on the TSC (SDM 11.5.4.1). */
void vlapic_tsc_moved(struct vlapic *vl, int64_t delta);

/* After an IA32_APIC_BASE write changed the mode. */
void vlapic_set_mode(struct vlapic *vl, enum lapic_mode mode);

#endif
