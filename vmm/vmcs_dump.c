#include "vmm/vmcs_dump.h"

#include "vmm/exit_names.h"
#include "vmm/vmcs_dump_fields.h"

#define NAME_COLUMNS 31
#define DECODE_INDENT "vmcs:         "

/* Collects words into lines of at most VMCS_DUMP_MAX_COLUMNS, each starting with DECODE_INDENT. */
struct word_wrap {
    fmt_sink_fn sink;
    void *ctx;
    char line[VMCS_DUMP_MAX_COLUMNS + 1];
    int len;
};

static void wrap_start(struct word_wrap *w)
{
    w->len = fmt_snprintf(w->line, sizeof(w->line), "%s", DECODE_INDENT);
}

static bool wrap_empty(const struct word_wrap *w)
{
    return w->len == (int)sizeof(DECODE_INDENT) - 1;
}

static void wrap_flush(struct word_wrap *w)
{
    if (!wrap_empty(w))
        fmt_format(w->sink, w->ctx, "%s\n", w->line);
    wrap_start(w);
}

static void wrap_append(struct word_wrap *w, const char *sep, const char *word)
{
    w->len += fmt_snprintf(w->line + w->len, sizeof(w->line) - (size_t)w->len, "%s%s", sep, word);
    if (w->len > VMCS_DUMP_MAX_COLUMNS) /* a single over-long word: cut */
        w->len = VMCS_DUMP_MAX_COLUMNS;
}

/* Appends ", word", or moves on to a new line (ending this one with ",") when it would not fit. */
static void wrap_word(struct word_wrap *w, const char *word)
{
    if (!wrap_empty(w) && w->len + fmt_snprintf(0, 0, ", %s,", word) > VMCS_DUMP_MAX_COLUMNS) {
        wrap_append(w, ",", "");
        wrap_flush(w);
    }
    wrap_append(w, wrap_empty(w) ? "" : ", ", word);
}

static const char *control_bit_name(enum vmcs_decode decode, uint64_t bit)
{
    if (decode == DECODE_TERTIARY)
        return vmx_tertiary_ctl_name(bit);
    return vmx_ctl_name((enum vmx_ctl_reg)(decode - DECODE_PIN), (uint32_t)bit);
}

static void decode_controls(struct word_wrap *w, enum vmcs_decode decode, uint64_t value)
{
    for (int i = 0; i < 64; i++) {
        uint64_t bit = 1ull << i;
        if (!(value & bit))
            continue;
        const char *name = control_bit_name(decode, bit);
        char unnamed[16];
        if (!name) {
            fmt_snprintf(unnamed, sizeof(unnamed), "bit %d", i);
            name = unnamed;
        }
        wrap_word(w, name);
    }
}

/* SDM 25.9.1 "Basic VM-Exit Information" */
static void decode_exit_reason(struct word_wrap *w, uint64_t value)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } flags[] = {
        { EXIT_REASON_ENTRY_FAILURE, "VM-entry failure" },
        { EXIT_REASON_FROM_VMX_ROOT, "VM exit from VMX root operation" },
        { EXIT_REASON_PENDING_MTF, "pending MTF VM exit" },
        { EXIT_REASON_ENCLAVE_MODE, "incident to enclave mode" },
        { EXIT_REASON_BUS_LOCK_PREEMPTED, "bus lock preempted" },
    };
    char basic[80];
    fmt_snprintf(basic, sizeof(basic), "basic reason %u: %s", (unsigned)(value & EXIT_REASON_BASIC_MASK),
                 vmx_exit_reason_name((uint32_t)value));
    wrap_word(w, basic);
    for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (value & flags[i].bit)
            wrap_word(w, flags[i].name);
}

static void decode_instruction_error(struct word_wrap *w, uint64_t value)
{
    wrap_word(w, value ? vmx_instruction_error_name((uint32_t)value) : "none");
}

/* SDM 25.8.3, 25.9.2, 25.9.3: the interruption-information fields share one layout. */
static void decode_intr_info(struct word_wrap *w, uint64_t value)
{
    static const char *const types[8] = {
        "external interrupt", "reserved type 1", "NMI", "hardware exception", "software interrupt",
        "privileged software exception", "software exception", "other event",
    };
    if (!(value & INTR_INFO_VALID)) {
        wrap_word(w, "not valid");
        return;
    }
    char vector[16];
    fmt_snprintf(vector, sizeof(vector), "vector %u", (unsigned)(value & INTR_INFO_VECTOR_MASK));
    wrap_word(w, vector);
    wrap_word(w, types[(value & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT]);
    if (value & INTR_INFO_ERROR_CODE_VALID)
        wrap_word(w, "error code valid");
    if (value & INTR_INFO_NMI_UNBLOCKING)
        wrap_word(w, "NMI unblocking due to IRET");
}

static void decode(enum vmcs_decode how, uint64_t value, fmt_sink_fn sink, void *ctx)
{
    struct word_wrap w = { .sink = sink, .ctx = ctx };
    wrap_start(&w);
    switch (how) {
    case DECODE_EXIT_REASON:
        decode_exit_reason(&w, value);
        break;
    case DECODE_INSTRUCTION_ERROR:
        decode_instruction_error(&w, value);
        break;
    case DECODE_INTR_INFO:
        decode_intr_info(&w, value);
        break;
    default: /* DECODE_PIN ... DECODE_TERTIARY */
        decode_controls(&w, how, value);
        break;
    }
    wrap_flush(&w);
}

static bool field_exists(const struct vmcs_field_desc *f, const struct vmx_caps *caps)
{
    return !caps || vmx_ctl_can_be_1(caps->ctl[f->gate_reg], f->gate_bit);
}

static void dump_field(const struct vmcs_field_desc *f, const struct vmcs_reader *reader, fmt_sink_fn sink,
                       void *ctx)
{
    static const int hex_digits[] = {
        [VMCS_WIDTH_16] = 4, [VMCS_WIDTH_32] = 8, [VMCS_WIDTH_64] = 16, [VMCS_WIDTH_NATURAL] = 16,
    };
    uint64_t value;
    if (!reader->read(reader->ctx, f->enc, &value)) {
        fmt_format(sink, ctx, "vmcs:   %-*s unavailable\n", NAME_COLUMNS, f->name);
        return;
    }
    fmt_format(sink, ctx, "vmcs:   %-*s 0x%0*llx\n", NAME_COLUMNS, f->name, hex_digits[vmcs_field_width(f->enc)],
               (unsigned long long)value);
    if (f->decode != DECODE_NONE)
        decode(f->decode, value, sink, ctx);
}

void vmcs_dump(const struct vmcs_reader *reader, const struct vmx_caps *caps,
               const struct vmcs_dump_apic_hook *apic, fmt_sink_fn sink, void *ctx)
{
    for (unsigned g = 0; g < vmcs_dump_group_count; g++) {
        const struct vmcs_field_group *group = &vmcs_dump_groups[g];
        fmt_format(sink, ctx, "vmcs: --- %s ---\n", group->title);
        for (unsigned i = 0; i < group->count; i++)
            if (field_exists(&group->fields[i], caps))
                dump_field(&group->fields[i], reader, sink, ctx);
    }
    if (apic && apic->dump)
        apic->dump(apic->hook_ctx, reader, caps, sink, ctx);
}
