#include "guest/hypercall.h"

#include "guest/x86.h"

static bool apicvisor_at(uint32_t base)
{
    struct cpuid_regs r = cpuid(base, 0);
    return r.ebx == APICVISOR_SIG_EBX && r.ecx == APICVISOR_SIG_ECX && r.edx == APICVISOR_SIG_EDX;
}

/* docs/hypercalls.md "Detection": at 40000000H, or at 40000100H behind KVM's signature. */
bool hv_is_apicvisor(void)
{
    if (!(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR))
        return false;
    return apicvisor_at(APICVISOR_CPUID_BASE) || apicvisor_at(APICVISOR_CPUID_BASE_KVM);
}

bool hv_signature(char out[13])
{
    if (!(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR))
        return false;
    struct cpuid_regs r = cpuid(APICVISOR_CPUID_BASE, 0);
    uint32_t words[3] = { r.ebx, r.ecx, r.edx };
    for (int i = 0; i < 12; i++) {
        char ch = (char)(words[i / 4] >> (8 * (i % 4)));
        out[i] = ch >= 0x20 && ch < 0x7f ? ch : '.';
    }
    out[12] = '\0';
    return true;
}

/* The ABI: RAX = function, RBX/RCX/RDX = arguments; result in RAX; other registers preserved. */
static int64_t vmcall(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3)
{
    int64_t ret;
    __asm__ volatile("vmcall" : "=a"(ret) : "a"(function), "b"(a1), "c"(a2), "d"(a3) : "memory");
    return ret;
}

int64_t hc_exit_count(uint32_t reason)
{
    return vmcall(HC_EXIT_COUNT, reason, 0, 0);
}

int64_t hc_dump_vmcs(void)
{
    return vmcall(HC_DUMP_VMCS, 0, 0, 0);
}

bool under_qemu_tcg(void)
{
    char sig[13];
    static const char tcg[] = "TCGTCGTCGTCG";
    if (!hv_signature(sig))
        return false;
    for (int i = 0; i < 12; i++)
        if (sig[i] != tcg[i])
            return false;
    return true;
}
