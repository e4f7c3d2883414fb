/* The guest's command line (docs/guest.md): space-separated key=value words. */
#ifndef GUEST_OPTIONS_H
#define GUEST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum lapic_choice { LAPIC_AUTO, LAPIC_XAPIC, LAPIC_X2APIC };

struct guest_options {
    enum lapic_choice lapic;   /* lapic=auto|xapic|x2apic */
    unsigned ncpus;            /* ncpus=N: how many CPUs the test expects (0: not given) */
    bool expect_x2apic_only;   /* expect_x2apic_only=0|1: leaving x2APIC must #GP (seeds/002) */
    char only[48];             /* only=TEXT: run only the cases whose name contains TEXT */
};

extern struct guest_options options;

/* Returns 0, or -1 with a message naming the option in err. */
int options_parse(struct guest_options *o, const char *cmdline, char *err, size_t err_size);
const char *lapic_choice_name(enum lapic_choice c);

#endif
