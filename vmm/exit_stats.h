/* VM-exit statistics as `perf kvm stat` shows them: per exit reason the count, its share of all
 * exits, and the TSC cycles the hypervisor spent from the exit to the next entry (min, average,
 * max).  Like perf kvm stat, a halt's time includes the time the vCPU waited (HLT with IF=0 parks
 * in the hypervisor).  Plain C: the hypervisor records, this file adds up and prints. */
#ifndef VMM_EXIT_STATS_H
#define VMM_EXIT_STATS_H

#include <stdint.h>

#include "lib/format.h"
#include "vmx/vmcs_defs.h"

struct exit_stat {
    uint64_t count, cycles, min, max;
};

struct exit_stats {
    struct exit_stat reason[EXIT_REASON_COUNT];
};

/* Records one exit of `reason` (basic reason, < EXIT_REASON_COUNT) that took `cycles`. */
void exit_stats_record(struct exit_stats *s, uint32_t reason, uint64_t cycles);

/* total += s, reason by reason. */
void exit_stats_add(struct exit_stats *total, const struct exit_stats *s);

/* One table: a heading line naming `who`, then one line per reason that occurred, most frequent
 * first, each line starting with "exit-stats:". */
void exit_stats_print(const struct exit_stats *s, const char *who, fmt_sink_fn sink, void *ctx);

#endif
