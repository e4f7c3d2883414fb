#include "vmm/options.h"

#include <stdbool.h>
#include <stdint.h>

enum opt_type { OPT_UINT, OPT_STRING, OPT_ENUM };

static const char *const x2apic_names[] = {
    [X2APIC_AUTO] = "auto", [X2APIC_ON] = "on", [X2APIC_OFF] = "off", [X2APIC_ONLY] = "only", 0,
};

static const char *const test_crash_names[] = {
    [TEST_CRASH_NONE] = "none", [TEST_CRASH_LAST_VCPU] = "last-vcpu", 0,
};

static const char *const host_x2apic_names[] = {
    [HOST_X2APIC_OFF] = "off", [HOST_X2APIC_ON] = "on", 0,
};

static const char *const preemption_timer_names[] = {
    [PREEMPTION_TIMER_AUTO] = "auto", [PREEMPTION_TIMER_OFF] = "off", 0,
};

static const char *const apicv_names[] = {
    [APICV_OFF] = "off", [APICV_TPR] = "tpr", [APICV_VID] = "vid", [APICV_FULL] = "full", [APICV_AUTO] = "auto", 0,
};

static const char *const hv_signature_names[] = {
    [HV_SIGNATURE_APICVISOR] = "apicvisor", [HV_SIGNATURE_KVM] = "kvm", 0,
};

static const char *const hlt_names[] = {
    [HLT_AUTO] = "auto", [HLT_EXIT] = "exit", [HLT_GUEST] = "guest", 0,
};

static const char *const dump_names[] = {
    [DUMP_NONE] = "none", [DUMP_ENTRY] = "entry", [DUMP_POWEROFF] = "poweroff", [DUMP_ALL] = "all", 0,
};

struct opt_desc {
    const char *key;
    enum opt_type type;
    size_t offset;
    size_t size;                /* string buffer size */
    unsigned min, max;          /* uint range */
    const char *const *names;   /* enum values, NULL-terminated */
    const char *names_text;     /* the same, for messages */
};

#define OPT(key, type, field, min, max, names, text) \
    { key, type, offsetof(struct options, field), sizeof(((struct options *)0)->field), min, max, names, text }

static const struct opt_desc opt_table[] = {
    OPT("vcpus", OPT_UINT, vcpus, 1, APICVISOR_MAX_CPUS, 0, 0),
    OPT("mem", OPT_UINT, mem_mib, 16, 3072, 0, 0),
    OPT("guest", OPT_STRING, guest, 0, 0, 0, 0),
    OPT("guest_cmdline", OPT_STRING, guest_cmdline, 0, 0, 0, 0),
    OPT("initrd", OPT_STRING, initrd, 0, 0, 0, 0),
    OPT("x2apic", OPT_ENUM, x2apic, 0, 0, x2apic_names, "auto, on, off, only"),
    OPT("dump", OPT_ENUM, dump, 0, 0, dump_names, "none, entry, poweroff, all"),
    OPT("test_crash", OPT_ENUM, test_crash, 0, 0, test_crash_names, "none, last-vcpu"),
    OPT("host_x2apic", OPT_ENUM, host_x2apic, 0, 0, host_x2apic_names, "off, on"),
    OPT("preemption_timer", OPT_ENUM, preemption_timer, 0, 0, preemption_timer_names, "auto, off"),
    OPT("apicv", OPT_ENUM, apicv, 0, 0, apicv_names, "auto, full, vid, tpr, off"),
    OPT("hv_signature", OPT_ENUM, hv_signature, 0, 0, hv_signature_names, "apicvisor, kvm"),
    OPT("hlt", OPT_ENUM, hlt, 0, 0, hlt_names, "auto, exit, guest"),
};

static const char *enum_name(const char *const *names, unsigned count, unsigned v)
{
    return v < count - 1 ? names[v] : "?";
}

const char *x2apic_policy_name(enum x2apic_policy p)
{
    return enum_name(x2apic_names, sizeof(x2apic_names) / sizeof(x2apic_names[0]), p);
}

const char *apicv_level_name(enum apicv_level l)
{
    return enum_name(apicv_names, sizeof(apicv_names) / sizeof(apicv_names[0]), l);
}

const char *dump_policy_name(enum dump_policy p)
{
    return enum_name(dump_names, sizeof(dump_names) / sizeof(dump_names[0]), p);
}

void options_defaults(struct options *o)
{
    /* 128 MiB: what kernels written for QEMU assume at least (QEMU's default) */
    *o = (struct options){ .vcpus = 0, .mem_mib = 128, .x2apic = X2APIC_AUTO, .apicv = APICV_AUTO };
    const char *def = "\\EFI\\BOOT\\guest.elf";
    for (size_t i = 0; def[i] && i + 1 < sizeof(o->guest); i++)
        o->guest[i] = def[i];
}

static bool str_eq_n(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    for (; i < alen; i++)
        if (a[i] != b[i])
            return false;
    return b[i] == '\0';
}

/* Decimal or 0x-prefixed hexadecimal, no sign, no overflow. */
static bool parse_uint(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static int set_value(struct options *o, const struct opt_desc *d, const char *val, size_t len, char *err,
                     size_t err_size)
{
    void *field = (char *)o + d->offset;
    switch (d->type) {
    case OPT_UINT: {
        uint64_t v;
        if (!parse_uint(val, len, &v)) {
            fmt_snprintf(err, err_size, "option '%s': '%.*s' is not a number", d->key, (int)len, val);
            return -1;
        }
        if (v < d->min || v > d->max) {
            fmt_snprintf(err, err_size, "option '%s': %.*s is out of range %u..%u", d->key, (int)len, val,
                         d->min, d->max);
            return -1;
        }
        *(unsigned *)field = (unsigned)v;
        return 0;
    }
    case OPT_STRING: {
        if (len + 1 > d->size) {
            fmt_snprintf(err, err_size, "option '%s': value longer than %zu characters", d->key, d->size - 1);
            return -1;
        }
        char *dst = field;
        for (size_t i = 0; i < len; i++)
            dst[i] = val[i];
        dst[len] = '\0';
        return 0;
    }
    case OPT_ENUM:
        for (unsigned p = 0; d->names[p]; p++) {
            if (str_eq_n(val, len, d->names[p])) {
                *(unsigned *)field = p; /* every enum option is an unsigned-sized enum */
                return 0;
            }
        }
        fmt_snprintf(err, err_size, "option '%s': '%.*s' is not one of %s", d->key, (int)len, val, d->names_text);
        return -1;
    }
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int options_parse(struct options *o, const char *p, char *err, size_t err_size)
{
    if (err_size)
        err[0] = '\0';
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            return 0;
        const char *key = p;
        while (*p && *p != '=' && !is_space(*p))
            p++;
        size_t key_len = (size_t)(p - key);
        if (*p != '=') {
            fmt_snprintf(err, err_size, "option '%.*s' needs a value (%.*s=...)", (int)key_len, key, (int)key_len, key);
            return -1;
        }
        p++;
        const char *val = p;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"')
                p++;
            if (!*p) {
                fmt_snprintf(err, err_size, "option '%.*s': missing closing quote", (int)key_len, key);
                return -1;
            }
        } else {
            while (*p && !is_space(*p))
                p++;
        }
        size_t val_len = (size_t)(p - val);
        if (*p == '"')
            p++;
        const struct opt_desc *d = 0;
        for (size_t i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++)
            if (str_eq_n(key, key_len, opt_table[i].key))
                d = &opt_table[i];
        if (!d) {
            fmt_snprintf(err, err_size, "unknown option '%.*s'", (int)key_len, key);
            return -1;
        }
        if (set_value(o, d, val, val_len, err, err_size))
            return -1;
    }
}

void options_print(const struct options *o, fmt_sink_fn sink, void *ctx)
{
    if (o->vcpus)
        fmt_format(sink, ctx, "vcpus=%u", o->vcpus);
    else
        fmt_format(sink, ctx, "vcpus=all");
    fmt_format(sink, ctx, " mem=%u guest=%s guest_cmdline=\"%s\" x2apic=%s dump=%s", o->mem_mib, o->guest,
               o->guest_cmdline, x2apic_policy_name(o->x2apic), dump_policy_name(o->dump));
    if (o->initrd[0])
        fmt_format(sink, ctx, " initrd=%s", o->initrd);
    if (o->test_crash != TEST_CRASH_NONE)
        fmt_format(sink, ctx, " test_crash=%s", test_crash_names[o->test_crash]);
    if (o->host_x2apic != HOST_X2APIC_OFF)
        fmt_format(sink, ctx, " host_x2apic=%s", host_x2apic_names[o->host_x2apic]);
    if (o->preemption_timer != PREEMPTION_TIMER_AUTO)
        fmt_format(sink, ctx, " preemption_timer=%s", preemption_timer_names[o->preemption_timer]);
    if (o->apicv != APICV_AUTO)
        fmt_format(sink, ctx, " apicv=%s", apicv_names[o->apicv]);
    if (o->hlt != HLT_AUTO)
        fmt_format(sink, ctx, " hlt=%s", hlt_names[o->hlt]);
    if (o->hv_signature != HV_SIGNATURE_APICVISOR)
        fmt_format(sink, ctx, " hv_signature=%s", hv_signature_names[o->hv_signature]);
}
