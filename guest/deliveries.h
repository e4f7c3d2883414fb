/* Counting interrupt deliveries per CPU (the counts and logs the handler keeps in struct cpu). */
#ifndef GUEST_DELIVERIES_H
#define GUEST_DELIVERIES_H

#include <stdbool.h>

#include "guest/percpu.h"

/* Clears every online CPU's counts, delivery log and IF=0 count. */
void deliveries_reset(void);

/* Waits until the CPUs together saw as many deliveries of vector as expected[] adds up to, then
 * SETTLE_US longer for any extra ones, and compares each CPU's count with expected[cpu]. */
bool deliveries_expect(unsigned vector, const unsigned expected[GUEST_MAX_CPUS]);

/* Waits until this CPU saw n deliveries of vector. */
bool deliveries_wait_local(unsigned vector, unsigned n);

#define DELIVERY_SETTLE_US 10000

#endif
