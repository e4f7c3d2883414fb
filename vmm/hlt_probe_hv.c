/* Running the hlt=auto probe (vmm/hlt_probe.h) on a scratch vCPU before the guest starts. */
#include "vmm/hlt_probe_run.h"

#include "lib/console.h"
#include "lib/rflags.h"
#include "vlapic/vapic_regs.h"
#include "vmm/host/tsc.h"
#include "vmm/vmcs_setup.h"
#include "vmx/vmcs_access.h"

#define PROBE_BOUND_US 10000 /* a woken probe exits within microseconds */
#define PROBE_TRIES 3

/* One VM entry: flat protected mode (vmcs_guest_multiboot), halted with IF=1, the probe vector in
 * VIRR and RVI.  Delivering it finds its gate beyond the IDT limit 0, a #GP (SDM 6.12.1), and the
 * exception bitmap makes the #GP a VM exit: no guest code or memory is used. */
static bool probe_once(struct vcpu *p, struct hlt_probe_exit *e)
{
    struct vapic_page *page = (struct vapic_page *)p->vapic_page;
    if (vmcs_setup(p))
        return false;
    vmcs_guest_multiboot(p, 0, 0);
    vmwrite_natural(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
    vmwrite32(GUEST_IDTR_LIMIT, 0);
    vmwrite32(EXCEPTION_BITMAP, 1u << 13); /* #GP */
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
    vapic_vector_clear(page, APIC_ISR, HLT_PROBE_VECTOR); /* what an earlier try delivered */
    vapic_write(page, APIC_PPR, 0);
    vapic_vector_set(page, APIC_IRR, HLT_PROBE_VECTOR);
    vmwrite16(GUEST_INTR_STATUS, HLT_PROBE_VECTOR); /* RVI; SVI 0 */
    vmwrite32(PIN_BASED_VM_EXEC_CONTROL, vmread32(PIN_BASED_VM_EXEC_CONTROL) | PIN_VMX_PREEMPTION_TIMER);
    e->bound = tsc_us_to_ticks(PROBE_BOUND_US);
    uint64_t timer = e->bound >> p->vm->preemption_shift;
    vmwrite32(VMX_PREEMPTION_TIMER_VALUE, timer > 0xffffffffu ? 0xffffffffu : (uint32_t)timer);
    uint64_t t0 = rdtsc();
    int failed = vmx_run(&p->regs, 0);
    e->elapsed = rdtsc() - t0;
    if (failed) {
        uint32_t err = vmread32(VM_INSTRUCTION_ERROR);
        kprintf("vm: hlt=auto: the probe's VMLAUNCH failed: VM-instruction error %u\n", err);
    } else {
        e->reason = vmread32(VM_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
        e->intr_info = vmread32(VM_EXIT_INTR_INFO);
        e->error_code = vmread32(VM_EXIT_INTR_ERROR_CODE);
        e->idt_vectoring = vmread32(IDT_VECTORING_INFO);
    }
    vmcs_release(p);
    return !failed;
}

bool hlt_probe_run(struct vcpu *p)
{
    if (!vmx_ctl_can_be_1(p->vm->caps->ctl[VMX_CTL_PIN], PIN_VMX_PREEMPTION_TIMER)) {
        kprintf("vm: HLT exits (hlt=auto: no VMX-preemption timer to bound the probe with)\n");
        return false;
    }
    struct hlt_probe_exit e = { 0 };
    for (unsigned i = 0; i < PROBE_TRIES; i++) {
        if (!probe_once(p, &e))
            break;
        switch (hlt_probe_judge(&e)) {
        case HLT_PROBE_WOKE:
            kprintf("vm: HLT runs in the guest (hlt=auto: a pending virtual interrupt woke the halted probe "
                    "after %lu us)\n", (unsigned long)(e.elapsed * 1000 / tsc_get_khz()));
            return true;
        case HLT_PROBE_SLEPT:
            kprintf("vm: HLT exits (hlt=auto): platform deviation: a pending virtual interrupt did not wake the "
                    "halted probe within %u us (exit reason %u), SDM 30.2.2 says it does\n",
                    PROBE_BOUND_US, e.reason);
            return false;
        case HLT_PROBE_UNCLEAR:
            break;
        }
    }
    kprintf("vm: HLT exits (hlt=auto: the probe did not settle; last exit reason %u, interruption info 0x%x, "
            "error code 0x%x, IDT vectoring 0x%x)\n", e.reason, e.intr_info, e.error_code, e.idt_vectoring);
    return false;
}
