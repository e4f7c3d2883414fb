/* Bringing up the APs and running functions on them.  Idle CPUs halt with interrupts on; a call
 * is a mailbox write plus a wake-up IPI. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*cpu_fn)(void *arg);

/* Starts every AP with a broadcast INIT-SIPI-SIPI; waits until `expected` CPUs in all are online
 * (or a timeout), then a little longer for any more.  Returns the number of CPUs online. */
unsigned smp_start_aps(unsigned expected);

/* Asks `cpu` to run fn(arg) (runs it directly for this CPU).  False if the CPU is still busy with
 * an earlier call. */
bool smp_call_start(unsigned cpu, cpu_fn fn, void *arg);
/* Waits until the call finished, at most until the running test case's deadline. */
bool smp_call_wait(unsigned cpu);
bool smp_call(unsigned cpu, cpu_fn fn, void *arg);
/* Runs fn on every online CPU (this one included) at the same time; true when all finished. */
bool smp_call_all(cpu_fn fn, void *arg);

#endif
