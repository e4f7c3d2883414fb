#include "guest/deliveries.h"

#include "guest/test.h"
#include "guest/timebase.h"
#include "guest/x86.h"

void deliveries_reset(void)
{
    for (unsigned i = 0; i < cpus_online; i++) {
        for (int v = 0; v < 256; v++)
            cpus[i].count[v] = 0;
        cpus[i].log_len = 0;
        cpus[i].if0_taken = 0;
        cpus[i].if0_nested = 0;
    }
}

struct total_goal {
    unsigned vector, total;
};

static bool total_reached(void *arg)
{
    struct total_goal *g = arg;
    unsigned sum = 0;
    for (unsigned i = 0; i < cpus_online; i++)
        sum += cpus[i].count[g->vector];
    return sum >= g->total;
}

bool deliveries_expect(unsigned vector, const unsigned expected[GUEST_MAX_CPUS])
{
    struct total_goal g = { vector, 0 };
    for (unsigned i = 0; i < cpus_online; i++)
        g.total += expected[i];
    /* No wait_until: a shortfall is reported below as the CPU that missed out. */
    while (!total_reached(&g) && !test_timed_out())
        cpu_relax();
    delay_us(DELIVERY_SETTLE_US);
    for (unsigned i = 0; i < cpus_online; i++)
        if (!CHECK(cpus[i].count[vector] == expected[i], "cpu %u got %u of vector %u, expected %u", i,
                   cpus[i].count[vector], vector, expected[i]))
            return false;
    return true;
}

static bool local_reached(void *arg)
{
    struct total_goal *g = arg;
    return this_cpu()->count[g->vector] >= g->total;
}

bool deliveries_wait_local(unsigned vector, unsigned n)
{
    struct total_goal g = { vector, n };
    return wait_until(local_reached, &g, "a local delivery");
}
