/* The guest's command line (docs/guest.md): space-separated key=value words. */
#ifndef GUEST_OPTIONS_H
#define GUEST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum lapic_choice { LAPIC_AUTO, LAPIC_XAPIC, LAPIC_X2APIC };

/* The hypervisor's apicv= level the exit budgets are for (the test scripts pass the same). */
enum apicv_expect { APICV_EXPECT_OFF, APICV_EXPECT_TPR, APICV_EXPECT_VID, APICV_EXPECT_FULL };

struct guest_options {
    enum lapic_choice lapic;   /* lapic=auto|xapic|x2apic */
    unsigned ncpus;            /* ncpus=N: how many CPUs the test expects (0: not given) */
    bool expect_x2apic_only;   /* expect_x2apic_only=0|1: leaving x2APIC must #GP (seeds/002) */
    char only[48];             /* only=TEXT: run only the cases whose name contains TEXT */
    unsigned storm;            /* storm=N: IPIs in all that ipi-storm sends (default 100000) */
    bool known_if0_deviation;  /* known_if0_deviation=0|1: interrupts taken with IF=0 are reported, not failed */
    unsigned seed;             /* seed=N: hostile-random's seed (default 1) */
    unsigned hostile_ops;      /* hostile_ops=N: hostile-random's operations per CPU (default 2000) */
    bool hostile_trace;        /* hostile_trace=0|1: hostile-random prints each operation before it */
    enum apicv_expect apicv;   /* apicv=full|vid|tpr|off: the level hv-exits-per-operation checks (default full) */
};

#define STORM_DEFAULT 100000
#define SEED_DEFAULT 1
#define HOSTILE_OPS_DEFAULT 2000

extern struct guest_options options;   /* with the defaults above until parsed */

/* Returns 0, or -1 with a message naming the option in err. */
int options_parse(struct guest_options *o, const char *cmdline, char *err, size_t err_size);
const char *lapic_choice_name(enum lapic_choice c);
const char *apicv_expect_name(enum apicv_expect l);

#endif
