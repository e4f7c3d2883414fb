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

/* The parser stores enum options through an unsigned. */
_Static_assert(sizeof(enum x2apic_policy) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum dump_policy) == sizeof(unsigned), "enum options are unsigned-sized");
_Static_assert(sizeof(enum test_crash) == sizeof(unsigned), "enum options are unsigned-sized");

struct options {
    unsigned vcpus;              /* 0: one vCPU per CPU */
    unsigned mem_mib;            /* guest RAM */
    char guest[128];             /* guest kernel path on the ESP */
    char guest_cmdline[256];     /* Multiboot command line for the guest */
    enum x2apic_policy x2apic;
    enum dump_policy dump;
    enum test_crash test_crash;
};

void options_defaults(struct options *o);

/* Parses cmdline over the values already in o.  Returns 0, or -1 with a one-line message in err. */
int options_parse(struct options *o, const char *cmdline, char *err, size_t err_size);

/* Prints the effective options as one command line. */
void options_print(const struct options *o, fmt_sink_fn sink, void *ctx);

const char *x2apic_policy_name(enum x2apic_policy p);
const char *dump_policy_name(enum dump_policy p);

#endif
