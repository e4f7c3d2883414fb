/* Running the probes of vmm/apicv_probe.h on a scratch vCPU before the guest starts. */
#include "vmm/apicv_probe_run.h"

#include <string.h>

#include "lib/console.h"
#include "lib/rflags.h"
#include "vlapic/vapic_regs.h"
#include "vmm/apicv_probe.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/vcpu_events.h"
#include "vmm/vmcs_setup.h"
#include "vmx/vmcs_access.h"

#define PROBE_BOUND_US 10000 /* an entry that goes as the SDM says exits within microseconds */
#define PROBE_TRIES 3
#define PROBE_CODE_GPA 0 /* the if probe's code, in guest RAM the guest's loader fills later */

struct probe_setup {
    uint32_t activity;   /* GUEST_ACTIVITY_* */
    uint64_t rflags;
    uint8_t host_vector; /* sent to this CPU's own LAPIC before the entry (0: none) */
};

/* Ends on this CPU's LAPIC what the probe left there: the vector "acknowledge interrupt on exit"
 * took (SDM 28.2.2), and one still pending, which the IDT's EOI handler takes (vm_create). */
static void settle_host_interrupts(const struct apicv_probe_exit *e)
{
    if (e->reason == EXIT_REASON_EXTERNAL_INTERRUPT && (e->intr_info & INTR_INFO_VALID))
        lapic_eoi();
    __asm__ volatile("sti; nop; cli" ::: "memory");
}

/* One VM entry in flat protected mode (vmcs_guest_multiboot) at PROBE_CODE_GPA with the probe
 * vector in VIRR and RVI.  Its delivery finds the gate beyond the IDT limit 0, a #GP (SDM 6.12.1),
 * and the exception bitmap makes the #GP a VM exit. */
static bool probe_once(struct vcpu *p, const struct probe_setup *s, struct apicv_probe_exit *e)
{
    struct vapic_page *page = (struct vapic_page *)p->vapic_page;
    *e = (struct apicv_probe_exit){ 0 }; /* nothing of an earlier try: settle_host_interrupts reads it */
    if (vmcs_setup(p))
        return false;
    vmcs_guest_multiboot(p, PROBE_CODE_GPA, 0);
    vmwrite_natural(GUEST_RFLAGS, s->rflags);
    vmwrite32(GUEST_IDTR_LIMIT, 0);
    vmwrite32(EXCEPTION_BITMAP, 1u << 13); /* #GP */
    vmwrite32(GUEST_ACTIVITY_STATE, s->activity);
    vapic_vector_clear(page, APIC_ISR, APICV_PROBE_VECTOR); /* what an earlier try delivered */
    vapic_write(page, APIC_PPR, 0);
    vapic_vector_set(page, APIC_IRR, APICV_PROBE_VECTOR);
    vmwrite16(GUEST_INTR_STATUS, APICV_PROBE_VECTOR); /* RVI; SVI 0 */
    vmwrite32(PIN_BASED_VM_EXEC_CONTROL, vmread32(PIN_BASED_VM_EXEC_CONTROL) | PIN_VMX_PREEMPTION_TIMER);
    e->bound = tsc_us_to_ticks(PROBE_BOUND_US);
    uint64_t timer = e->bound >> p->vm->preemption_shift;
    vmwrite32(VMX_PREEMPTION_TIMER_VALUE, timer > 0xffffffffu ? 0xffffffffu : (uint32_t)timer);
    if (s->host_vector) /* it waits in the LAPIC: the hypervisor runs with interrupts disabled */
        lapic_send_ipi(lapic_id(), ICR_DM_FIXED | s->host_vector);
    uint64_t t0 = rdtsc();
    int failed = vmx_run(&p->regs, 0);
    e->elapsed = rdtsc() - t0;
    if (failed) {
        uint32_t err = vmread32(VM_INSTRUCTION_ERROR);
        kprintf("vm: the APIC virtualization probe's VMLAUNCH failed: VM-instruction error %u\n", err);
    } else {
        e->reason = vmread32(VM_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
        e->intr_info = vmread32(VM_EXIT_INTR_INFO);
        e->error_code = vmread32(VM_EXIT_INTR_ERROR_CODE);
        e->idt_vectoring = vmread32(IDT_VECTORING_INFO);
    }
    vmcs_release(p);
    settle_host_interrupts(e);
    return !failed;
}

typedef enum apicv_probe_verdict (*probe_judge_fn)(const struct apicv_probe_exit *e, uint8_t host_vector);

/* Up to PROBE_TRIES entries, until one settles the question. */
static enum apicv_probe_verdict probe(struct vcpu *p, const struct probe_setup *s, probe_judge_fn judge,
                                      struct apicv_probe_exit *e)
{
    for (unsigned i = 0; i < PROBE_TRIES; i++) {
        if (!probe_once(p, s, e))
            return APICV_PROBE_UNCLEAR;
        enum apicv_probe_verdict v = judge(e, s->host_vector);
        if (v != APICV_PROBE_UNCLEAR)
            return v;
    }
    return APICV_PROBE_UNCLEAR;
}

static bool has_preemption_timer(const struct vcpu *p)
{
    return vmx_ctl_can_be_1(p->vm->caps->ctl[VMX_CTL_PIN], PIN_VMX_PREEMPTION_TIMER);
}

static void say_unclear(const char *what, const struct apicv_probe_exit *e)
{
    kprintf("vm: %s: the probe did not settle (last exit reason %u, interruption info 0x%x, error code 0x%x, "
            "IDT vectoring 0x%x)\n", what, e->reason, e->intr_info, e->error_code, e->idt_vectoring);
}

static enum apicv_probe_verdict judge_hlt(const struct apicv_probe_exit *e, uint8_t host_vector)
{
    (void)host_vector;
    return apicv_probe_judge_hlt(e);
}

bool apicv_probe_hlt(struct vcpu *p)
{
    if (!has_preemption_timer(p)) {
        kprintf("vm: HLT exits (hlt=auto: no VMX-preemption timer to bound the probe with)\n");
        return false;
    }
    const struct probe_setup halted = { GUEST_ACTIVITY_HLT, RFLAGS_FIXED | RFLAGS_IF, 0 };
    struct apicv_probe_exit e = { 0 };
    switch (probe(p, &halted, judge_hlt, &e)) {
    case APICV_PROBE_AS_SDM:
        kprintf("vm: HLT runs in the guest (hlt=auto: a pending virtual interrupt woke the halted probe "
                "after %lu us)\n", (unsigned long)(e.elapsed * 1000 / tsc_get_khz()));
        return true;
    case APICV_PROBE_DEVIATION:
        kprintf("vm: HLT exits (hlt=auto): platform deviation: a pending virtual interrupt did not wake the "
                "halted probe within %u us (exit reason %u), SDM 30.2.2 says it does\n", PROBE_BOUND_US, e.reason);
        return false;
    case APICV_PROBE_UNCLEAR:
        break;
    }
    say_unclear("HLT exits (hlt=auto)", &e);
    return false;
}

void apicv_probe_if(struct vcpu *p)
{
    if (!has_preemption_timer(p)) {
        kprintf("vm: virtual interrupts and RFLAGS.IF: not probed (no VMX-preemption timer to bound it with)\n");
        return;
    }
    /* A CPU that follows the SDM exits for the physical interrupt before the first instruction.
     * Bochs 3.1 does not see that interrupt while the guest's IF stays as VM entry set it to 0;
     * `sti; cli` (no interrupt in STI's shadow) is what makes it look, with IF = 0 again. */
    static const uint8_t sti_cli_spin[] = { 0xfb, 0xfa, 0xeb, 0xfe }; /* sti; cli; jmp $ */
    uint8_t *code = guest_ram_ptr(p->vm, PROBE_CODE_GPA, sizeof(sti_cli_spin));
    memcpy(code, sti_cli_spin, sizeof(sti_cli_spin));
    const struct probe_setup masked = { GUEST_ACTIVITY_ACTIVE, RFLAGS_FIXED, VCPU_KICK_VECTOR };
    struct apicv_probe_exit e = { 0 };
    enum apicv_probe_verdict v = probe(p, &masked, apicv_probe_judge_if, &e);
    memset(code, 0, sizeof(sti_cli_spin));
    switch (v) {
    case APICV_PROBE_AS_SDM:
        kprintf("vm: virtual interrupts wait for RFLAGS.IF (probe: a physical interrupt exited first)\n");
        return;
    case APICV_PROBE_DEVIATION:
        kprintf("vm: platform deviation: a physical interrupt made the CPU deliver a pending virtual interrupt "
                "with RFLAGS.IF = 0 (SDM 30.2.1 needs IF = 1): a guest here may take interrupts while it has them "
                "disabled\n");
        return;
    case APICV_PROBE_UNCLEAR:
        break;
    }
    say_unclear("virtual interrupts and RFLAGS.IF", &e);
}
