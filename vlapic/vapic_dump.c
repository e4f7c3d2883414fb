#include "vlapic/vapic_dump.h"

#include "vlapic/apic_regs.h"

#define LIST_INDENT 5 /* continuation lines line up under the first vector */

static const char *const delivery_names[8] = {
    "fixed", "lowest", "SMI", "reserved3", "NMI", "INIT", "start-up", "ExtINT",
};

/* "NAME: v v v" for the set bits of a 256-bit set, highest first, wrapped at the column limit. */
static void dump_vector_list(fmt_sink_fn sink, void *ctx, const char *name, const uint64_t bits[4])
{
    int col = fmt_format(sink, ctx, "%-4s", name);
    bool any = false;
    for (int v = 255; v >= 0; v--) {
        if (!((bits[v / 64] >> (v % 64)) & 1))
            continue;
        if (col + 4 > VAPIC_DUMP_MAX_COLUMNS)
            col = fmt_format(sink, ctx, "\n%*s", LIST_INDENT - 1, "") - 1;
        col += fmt_format(sink, ctx, " %d", v);
        any = true;
    }
    fmt_format(sink, ctx, "%s\n", any ? "" : " -");
}

static void dump_page_vectors(fmt_sink_fn sink, void *ctx, const struct vapic_page *page, const char *name, uint32_t base)
{
    uint64_t bits[4];
    vapic_vectors_read(page, base, bits);
    dump_vector_list(sink, ctx, name, bits);
}

static void dump_lvt(fmt_sink_fn sink, void *ctx, const struct vapic_page *page, const char *name, uint32_t offset)
{
    static const char *const timer_modes[4] = {"one-shot", "periodic", "TSC-deadline", "reserved"};
    uint32_t v = vapic_read(page, offset);
    fmt_format(sink, ctx, "LVT %-7s 0x%08x %s %s vector %u", name, v, (v & APIC_LVT_MASKED) ? "masked" : "unmasked",
               delivery_names[(v & APIC_LVT_DELIVERY_MASK) >> 8], v & APIC_LVT_VECTOR_MASK);
    if (offset == APIC_LVT_TIMER)
        fmt_format(sink, ctx, " %s", timer_modes[(v & APIC_LVT_TIMER_MODE_MASK) >> APIC_LVT_TIMER_MODE_SHIFT]);
    if (offset == APIC_LVT_LINT0 || offset == APIC_LVT_LINT1)
        fmt_format(sink, ctx, " %s", (v & APIC_LVT_TRIGGER_LEVEL) ? "level" : "edge");
    fmt_format(sink, ctx, "\n");
}

void vapic_dump_page(fmt_sink_fn sink, void *ctx, const struct vapic_page *page, enum lapic_mode mode)
{
    uint32_t svr = vapic_read(page, APIC_SVR);
    fmt_format(sink, ctx, "vAPIC (%s) ID 0x%08x VERSION 0x%08x LDR 0x%08x DFR 0x%08x\n", lapic_mode_name(mode),
               vapic_read(page, APIC_ID), vapic_read(page, APIC_VERSION), vapic_read(page, APIC_LDR),
               vapic_read(page, APIC_DFR));
    fmt_format(sink, ctx, "TPR 0x%02x PPR 0x%02x SVR 0x%08x (%s, spurious %u) ESR 0x%08x\n", vapic_read(page, APIC_TPR),
               vapic_read(page, APIC_PPR), svr, (svr & APIC_SVR_SW_ENABLE) ? "enabled" : "disabled",
               svr & APIC_SVR_VECTOR_MASK, vapic_read(page, APIC_ESR));
    dump_page_vectors(sink, ctx, page, "ISR:", APIC_ISR);
    dump_page_vectors(sink, ctx, page, "TMR:", APIC_TMR);
    dump_page_vectors(sink, ctx, page, "IRR:", APIC_IRR);
    dump_lvt(sink, ctx, page, "timer", APIC_LVT_TIMER);
    dump_lvt(sink, ctx, page, "thermal", APIC_LVT_THERMAL);
    dump_lvt(sink, ctx, page, "perf", APIC_LVT_PERF);
    dump_lvt(sink, ctx, page, "LINT0", APIC_LVT_LINT0);
    dump_lvt(sink, ctx, page, "LINT1", APIC_LVT_LINT1);
    dump_lvt(sink, ctx, page, "error", APIC_LVT_ERROR);
    /* x2APIC: the 64-bit ICR is the 8 bytes at 0x300; xAPIC: ICR_HI is the register at 0x310. */
    uint32_t icr_hi = vapic_read(page, mode == LAPIC_MODE_X2APIC ? APIC_ICR_LO + 4 : APIC_ICR_HI);
    fmt_format(sink, ctx, "ICR 0x%08x:%08x timer ICR 0x%08x CCR 0x%08x DCR 0x%08x\n", icr_hi,
               vapic_read(page, APIC_ICR_LO), vapic_read(page, APIC_TIMER_ICR), vapic_read(page, APIC_TIMER_CCR),
               vapic_read(page, APIC_TIMER_DCR));
}

void vapic_dump_pi_desc(fmt_sink_fn sink, void *ctx, const struct pi_desc *desc)
{
    uint64_t c = pi_control(desc);
    uint64_t pir[4];
    for (unsigned i = 0; i < 4; i++)
        pir[i] = __atomic_load_n(&desc->pir[i], __ATOMIC_SEQ_CST);
    fmt_format(sink, ctx, "PI desc ON %u SN %u NV %u NDST 0x%08x\n", (unsigned)(c & PI_CONTROL_ON),
               (unsigned)((c & PI_CONTROL_SN) >> 1), (unsigned)((c & PI_CONTROL_NV_MASK) >> PI_CONTROL_NV_SHIFT),
               (unsigned)(c >> PI_CONTROL_NDST_SHIFT));
    dump_vector_list(sink, ctx, "PIR:", pir);
}

void vapic_dump_intr_status(fmt_sink_fn sink, void *ctx, uint16_t guest_intr_status, const uint64_t eoi_exit[4])
{
    fmt_format(sink, ctx, "RVI %u SVI %u\n", guest_intr_status & 0xffu, guest_intr_status >> 8);
    dump_vector_list(sink, ctx, "EOI-exit:", eoi_exit);
}
