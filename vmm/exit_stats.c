#include "vmm/exit_stats.h"

#include "vmm/exit_names.h"

void exit_stats_record(struct exit_stats *s, uint32_t reason, uint64_t cycles)
{
    struct exit_stat *e = &s->reason[reason];
    if (!e->count || cycles < e->min)
        e->min = cycles;
    if (cycles > e->max)
        e->max = cycles;
    e->count++;
    e->cycles += cycles;
}

void exit_stats_add(struct exit_stats *total, const struct exit_stats *s)
{
    for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
        const struct exit_stat *e = &s->reason[r];
        struct exit_stat *t = &total->reason[r];
        if (!e->count)
            continue;
        if (!t->count || e->min < t->min)
            t->min = e->min;
        if (e->max > t->max)
            t->max = e->max;
        t->count += e->count;
        t->cycles += e->cycles;
    }
}

/* The reason with the most exits among those not yet printed (lowest number on a tie). */
static int next_reason(const struct exit_stats *s, const uint8_t *printed)
{
    int best = -1;
    for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
        if (s->reason[r].count && !printed[r] && (best < 0 || s->reason[r].count > s->reason[best].count))
            best = (int)r;
    return best;
}

void exit_stats_print(const struct exit_stats *s, const char *who, fmt_sink_fn sink, void *ctx)
{
    uint64_t total = 0, cycles = 0;
    for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
        total += s->reason[r].count;
        cycles += s->reason[r].cycles;
    }
    fmt_format(sink, ctx, "exit-stats: %s: %llu exits, %llu cycles in the hypervisor\n", who,
               (unsigned long long)total, (unsigned long long)cycles);
    fmt_format(sink, ctx, "exit-stats:   %-28s %10s %7s %12s %12s %12s\n", "reason", "count", "share", "min cycles",
               "avg cycles", "max cycles");
    uint8_t printed[EXIT_REASON_COUNT] = { 0 };
    for (int r; (r = next_reason(s, printed)) >= 0;) {
        const struct exit_stat *e = &s->reason[r];
        printed[r] = 1;
        uint64_t permille = (e->count * 1000 + total / 2) / total; /* no floating point here */
        fmt_format(sink, ctx, "exit-stats:   %-28s %10llu %4llu.%llu%% %12llu %12llu %12llu\n",
                   vmx_exit_reason_name((uint32_t)r), (unsigned long long)e->count,
                   (unsigned long long)(permille / 10), (unsigned long long)(permille % 10),
                   (unsigned long long)e->min, (unsigned long long)(e->cycles / e->count),
                   (unsigned long long)e->max);
    }
}
