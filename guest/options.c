#include "guest/options.h"

#include "lib/format.h"

struct guest_options options = {
    .storm = STORM_DEFAULT, .seed = SEED_DEFAULT, .hostile_ops = HOSTILE_OPS_DEFAULT, .apicv = APICV_EXPECT_FULL,
};

const char *apicv_expect_name(enum apicv_expect l)
{
    static const char *const names[] = { "off", "tpr", "vid", "full" };
    return names[l];
}

const char *lapic_choice_name(enum lapic_choice c)
{
    static const char *const names[] = { "auto", "xapic", "x2apic" };
    return names[c];
}

static bool equal(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    for (; i < alen && b[i]; i++)
        if (a[i] != b[i])
            return false;
    return i == alen && !b[i];
}

static int parse_uint(const char *v, size_t len, unsigned *out)
{
    unsigned n = 0;
    if (len == 0 || len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        n = n * 10 + (unsigned)(v[i] - '0');
    }
    *out = n;
    return 0;
}

static int set_option(struct guest_options *o, const char *key, size_t klen, const char *val, size_t vlen,
                      char *err, size_t err_size)
{
    unsigned n;
    if (equal(key, klen, "lapic")) {
        for (int c = LAPIC_AUTO; c <= LAPIC_X2APIC; c++)
            if (equal(val, vlen, lapic_choice_name(c))) {
                o->lapic = c;
                return 0;
            }
        fmt_snprintf(err, err_size, "option 'lapic': '%.*s' is not one of auto, xapic, x2apic", (int)vlen, val);
        return -1;
    }
    if (equal(key, klen, "apicv")) {
        for (int l = APICV_EXPECT_OFF; l <= APICV_EXPECT_FULL; l++)
            if (equal(val, vlen, apicv_expect_name(l))) {
                o->apicv = l;
                return 0;
            }
        fmt_snprintf(err, err_size, "option 'apicv': '%.*s' is not one of full, vid, tpr, off", (int)vlen, val);
        return -1;
    }
    if (equal(key, klen, "ncpus")) {
        if (parse_uint(val, vlen, &n) || n < 1 || n > GUEST_MAX_CPUS) {
            fmt_snprintf(err, err_size, "option 'ncpus': '%.*s' is not a number from 1 to %d", (int)vlen, val,
                         GUEST_MAX_CPUS);
            return -1;
        }
        o->ncpus = n;
        return 0;
    }
    if (equal(key, klen, "expect_x2apic_only")) {
        if (parse_uint(val, vlen, &n) || n > 1) {
            fmt_snprintf(err, err_size, "option 'expect_x2apic_only': '%.*s' is not 0 or 1", (int)vlen, val);
            return -1;
        }
        o->expect_x2apic_only = n;
        return 0;
    }
    if (equal(key, klen, "storm") || equal(key, klen, "hostile_ops")) {
        if (parse_uint(val, vlen, &n) || n < 1) {
            fmt_snprintf(err, err_size, "option '%.*s': '%.*s' is not a number from 1 to 999999999", (int)klen, key,
                         (int)vlen, val);
            return -1;
        }
        *(equal(key, klen, "storm") ? &o->storm : &o->hostile_ops) = n;
        return 0;
    }
    if (equal(key, klen, "seed")) {
        if (parse_uint(val, vlen, &n)) {
            fmt_snprintf(err, err_size, "option 'seed': '%.*s' is not a number from 0 to 999999999", (int)vlen, val);
            return -1;
        }
        o->seed = n;
        return 0;
    }
    if (equal(key, klen, "known_if0_deviation") || equal(key, klen, "hostile_trace")) {
        if (parse_uint(val, vlen, &n) || n > 1) {
            fmt_snprintf(err, err_size, "option '%.*s': '%.*s' is not 0 or 1", (int)klen, key, (int)vlen, val);
            return -1;
        }
        *(equal(key, klen, "hostile_trace") ? &o->hostile_trace : &o->known_if0_deviation) = n;
        return 0;
    }
    if (equal(key, klen, "only")) {
        if (vlen >= sizeof(o->only)) {
            fmt_snprintf(err, err_size, "option 'only': longer than %zu characters", sizeof(o->only) - 1);
            return -1;
        }
        for (size_t i = 0; i < vlen; i++)
            o->only[i] = val[i];
        o->only[vlen] = '\0';
        return 0;
    }
    fmt_snprintf(err, err_size, "unknown option '%.*s'", (int)klen, key);
    return -1;
}

int options_parse(struct guest_options *o, const char *s, char *err, size_t err_size)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        const char *word = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        const char *eq = word;
        while (eq < s && *eq != '=')
            eq++;
        if (eq == s) {
            fmt_snprintf(err, err_size, "'%.*s' is not key=value", (int)(s - word), word);
            return -1;
        }
        if (set_option(o, word, (size_t)(eq - word), eq + 1, (size_t)(s - eq - 1), err, err_size))
            return -1;
    }
    return 0;
}
