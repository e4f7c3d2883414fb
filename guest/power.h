/* Ending the run with a status. */
#ifndef GUEST_POWER_H
#define GUEST_POWER_H

enum power_status {
    POWER_OFF_PASSED = 0,
    POWER_OFF_FAILED = 1,
};

/* isa-debug-exit (QEMU: exit status 2 * status + 1), then the Bochs shutdown port, then halts. */
__attribute__((noreturn)) void power_off(enum power_status status);

#endif
