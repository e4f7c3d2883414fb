/* The hypervisor's command line: space-separated key=value words (values may be "quoted").
 * Unknown keys and bad values are errors that name the offending option. */
#ifndef VMM_OPTIONS_H
#define VMM_OPTIONS_H

#include <stddef.h>

#include "lib/format.h"
#include "vlapic/mode.h"
#include "vmm/host/percpu.h"

/* When the VMCS of every vCPU is dumped besides failures and HC_DUMP_VMCS. */
enum dump_policy {
    DUMP_NONE,      /* only on failures and on request */
    DUMP_ENTRY,     /* also right before each vCPU's first VM entry */
    DUMP_POWEROFF,  /* also when the guest powers off, however it ends */
    DUMP_ALL,       /* both */
};

/* A test hook for the hypervisor's own failure path (tests/integration/37-hypervisor-exception.sh). */
enum test_crash {
    TEST_CRASH_NONE,
    TEST_CRASH_LAST_VCPU, /* the last vCPU takes #UD in root operation, console lock held, at its
                           * first VM exit */
};

/* A test hook for a firmware that hands over with the LAPICs already in x2APIC mode (OVMF with
 * many CPUs, many real machines): host_x2apic=on switches every CPU's own LAPIC from xAPIC to
 * x2APIC mode right at hand-over (the BSP before it starts the APs, each AP first thing), so that
 * the hypervisor's x2APIC host paths (ICR and EOI through MSRs, NDST in x2APIC format, the AP
 * start-up) run in an emulator whose firmware leaves xAPIC mode (tests/integration/16-host-shapes.sh).
 * A CPU whose CPUID.1:ECX[21] reports no x2APIC stays in xAPIC mode and says so. */
enum host_x2apic {
    HOST_X2APIC_OFF, /* the LAPICs stay in the mode the firmware left */
    HOST_X2APIC_ON,
};

/* preemption_timer=off: do not use the VMX-preemption timer even where the CPU has one, so the
 * fallback (the host LAPIC timer, vmm/vcpu.h VM_TIMER_HOST_LAPIC) runs in an emulator whose CPUs
 * all have it (tests/integration/40-apicv-guest-suite.sh). */
enum preemption_timer_use {
    PREEMPTION_TIMER_AUTO, /* use it where the CPU has it */
    PREEMPTION_TIMER_OFF,
};

/* hv_signature=: what CPUID 40000000H says (vmm/cpuid_policy.h kvm_signature). */
enum hv_signature {
    HV_SIGNATURE_APICVISOR, /* "ApicvisorVMM" at 40000000H */
    HV_SIGNATURE_KVM,       /* KVM's signature there, no paravirtual features; ours at 40000100H */
};

/* hlt=: whether HLT exits at apicv=full (docs/design.md "apicv levels"). */
enum hlt_policy {
    HLT_AUTO,  /* as guest where the CPU passes the probe of vmm/apicv_probe.h, else as exit */
    HLT_EXIT,  /* HLT exits; the vCPU waits in the guest (activity state HLT) or in the hypervisor */
    HLT_GUEST, /* at apicv=full HLT runs in the guest without an exit: right on hardware, but
                * Bochs 3.1 loses wake-ups from it (docs/design.md, platform deviations) */
};

/* The parser stores enum options through an unsigned. */
_Static_assert(sizeof(enum x2apic_policy) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum dump_policy) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum test_crash) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum host_x2apic) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum apicv_level) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum hv_signature) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum hlt_policy) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum preemption_timer_use) == sizeof(unsigned), "enum options are unsigned-sized");

struct options {
    unsigned vcpus;              /* 0: one vCPU per CPU */
    unsigned mem_mib;            /* guest RAM */
    char guest[128];             /* guest kernel path on the ESP */
    char guest_cmdline[256];     /* the guest's command line (Multiboot or Linux) */
    char initrd[128];            /* a Linux guest's initrd on the ESP (empty: none) */
    enum x2apic_policy x2apic;
    enum dump_policy dump;
    enum test_crash test_crash;
    enum host_x2apic host_x2apic;
    enum preemption_timer_use preemption_timer;
    enum apicv_level apicv;      /* APICV_AUTO: the highest level the CPU allows */
    enum hv_signature hv_signature;
    enum hlt_policy hlt;
};

void options_defaults(struct options *o);

/* Parses cmdline over the values already in o.  Returns 0, or -1 with a one-line message in err. */
int options_parse(struct options *o, const char *cmdline, char *err, size_t err_size);

/* Prints the effective options as one command line. */
void options_print(const struct options *o, fmt_sink_fn sink, void *ctx);

const char *x2apic_policy_name(enum x2apic_policy p);
const char *dump_policy_name(enum dump_policy p);
const char *apicv_level_name(enum apicv_level l);

#endif
