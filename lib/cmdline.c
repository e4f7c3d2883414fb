#include "lib/cmdline.h"

#include <stdbool.h>

static bool printable(unsigned c)
{
    return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/* Drops a leading word without '=' (the program path) and leading blanks, in place. */
static int drop_program_name(char *s, int len)
{
    int i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    int word = i;
    bool has_eq = false;
    while (i < len && s[i] != ' ' && s[i] != '\t')
        has_eq |= s[i++] == '=';
    int from = has_eq ? word : i;
    while (from < len && (s[from] == ' ' || s[from] == '\t'))
        from++;
    for (int j = from; j <= len; j++)
        s[j - from] = s[j];
    return len - from;
}

int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out, size_t out_size)
{
    if (!opts || bytes < 2 || bytes % 2 || out_size == 0)
        return -1;
    size_t n = bytes / 2, len = 0;
    for (size_t i = 0; i < n && opts[i]; i++) {
        if (!printable(opts[i]) || len + 1 >= out_size)
            return -1;
        out[len++] = (char)opts[i];
    }
    out[len] = '\0';
    return drop_program_name(out, (int)len);
}

int cmdline_from_file(const char *data, size_t len, char *out, size_t out_size)
{
    size_t n = 0;
    if (out_size == 0)
        return -1;
    for (size_t i = 0; i < len && data[i] != '\n' && data[i] != '\r'; i++) {
        if (!printable((unsigned char)data[i]) || n + 1 >= out_size)
            return -1;
        out[n++] = data[i];
    }
    out[n] = '\0';
    return (int)n;
}
