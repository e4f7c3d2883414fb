/* Talking to apicvisor (include/apicvisor/hypercall.h, docs/hypercalls.md). */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "apicvisor/hypercall.h"

/* CPUID.1:ECX[31] and the "ApicvisorVMM" signature at leaf 0x40000000. */
bool hv_is_apicvisor(void);
/* The 12-character signature at CPUID 0x40000000 (unprintable bytes as '.'); false when
 * CPUID.1:ECX[31] says there is no hypervisor. */
bool hv_signature(char out[13]);
/* QEMU's TCG emulator ("TCGTCGTCGTCG"): names the emulator limits some cases must skip. */
bool under_qemu_tcg(void);

/* HC_EXIT_COUNT: this vCPU's VM exits for `reason`, or all of them with HC_ALL_EXITS; negative:
 * an HC_E* error. */
int64_t hc_exit_count(uint32_t reason);

/* HC_DUMP_VMCS: the hypervisor prints this vCPU's VMCS and APIC state; 0 or an HC_E* error. */
int64_t hc_dump_vmcs(void);

#endif
