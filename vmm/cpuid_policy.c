#include "vmm/cpuid_policy.h"

#include "apicvisor/hypercall.h"

void cpuid_guest_view(const struct cpuid_view *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    (void)subleaf;
    switch (leaf) {
    case 1:
        /* EBX[31:24] initial APIC ID, [23:16] addressable logical processors (SDM CPUID leaf 01H). */
        r->ebx = (r->ebx & 0x0000ffffu) | ((v->apic_id & 0xffu) << 24) | ((v->nvcpus & 0xffu) << 16);
        r->ecx &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_MONITOR | CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE |
                    CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
        r->ecx |= CPUID_1_ECX_HYPERVISOR | (v->x2apic ? CPUID_1_ECX_X2APIC : 0) |
                  (v->tsc_deadline ? CPUID_1_ECX_TSC_DEADLINE : 0);
        /* HTT: EBX[23:16] is only valid with it set (SDM CPUID leaf 01H). */
        r->edx |= CPUID_1_EDX_APIC | CPUID_1_EDX_HTT;
        break;
    case 0xb:
    case 0x1f:
        /* Extended topology: EDX is the x2APIC ID of the logical processor asking. */
        r->edx = v->apic_id;
        break;
    case 0xd:
        r->eax = r->ebx = r->ecx = r->edx = 0; /* no XSAVE state: XSAVE is hidden in leaf 1 */
        break;
    case APICVISOR_CPUID_BASE:
        r->eax = APICVISOR_CPUID_BASE;
        r->ebx = APICVISOR_SIG_EBX;
        r->ecx = APICVISOR_SIG_ECX;
        r->edx = APICVISOR_SIG_EDX;
        break;
    default:
        if (leaf > APICVISOR_CPUID_BASE && leaf < APICVISOR_CPUID_BASE + 0x100)
            r->eax = r->ebx = r->ecx = r->edx = 0;
        break;
    }
}
