/* The C library functions the freestanding hypervisor uses beyond gnu-efi's memset/memcpy. */
#include <stddef.h>

int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
