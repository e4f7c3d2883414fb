#include "vmm/host/acpi.h"

#include <stddef.h>

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool sig_is(const void *p, const char *sig)
{
    const char *s = p;
    return s[0] == sig[0] && s[1] == sig[1] && s[2] == sig[2] && s[3] == sig[3];
}

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

static const uint8_t *find_table(const uint8_t *rsdp, const char *sig)
{
    /* ACPI 5.2.5.3: XSDT (64-bit entries) from revision 2 on, else the RSDT (32-bit entries). */
    bool xsdt = rsdp[15] >= 2 && rd64(rsdp + 24);
    const uint8_t *root = (const uint8_t *)(uintptr_t)(xsdt ? rd64(rsdp + 24) : rd32(rsdp + 16));
    if (!root || !checksum_ok(root, rd32(root + 4)))
        return NULL;
    unsigned entry = xsdt ? 8 : 4;
    uint32_t len = rd32(root + 4);
    for (uint32_t off = sizeof(struct sdt_header); off + entry <= len; off += entry) {
        const uint8_t *t = (const uint8_t *)(uintptr_t)(xsdt ? rd64(root + off) : rd32(root + off));
        if (t && sig_is(t, sig) && checksum_ok(t, rd32(t + 4)))
            return t;
    }
    return NULL;
}

/* An AML integer at p: ZeroOp, OneOp, or BytePrefix value (ACPI 20.2.3 "Data Objects Encoding"). */
static bool aml_small_int(const uint8_t **p, const uint8_t *end, uint8_t *v)
{
    if (*p >= end)
        return false;
    if (**p == 0x00 || **p == 0x01) {
        *v = *(*p)++;
        return true;
    }
    if (**p == 0x0a && *p + 1 < end) {
        *v = (*p)[1];
        *p += 2;
        return true;
    }
    return false;
}

/* Finds Name(_S5_, Package(){a, b, ...}) in the DSDT's AML. */
static bool parse_s5(const uint8_t *dsdt, struct acpi_s5 *out)
{
    uint32_t len = rd32(dsdt + 4);
    const uint8_t *end = dsdt + len;
    for (const uint8_t *p = dsdt + sizeof(struct sdt_header); p + 8 < end; p++) {
        if (!sig_is(p, "_S5_") || p[4] != 0x12) /* PackageOp */
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (*q >> 6); /* PkgLength: bits 7:6 count the extra bytes */
        q++;                /* NumElements */
        return aml_small_int(&q, end, &out->slp_typa) && aml_small_int(&q, end, &out->slp_typb);
    }
    return false;
}

bool acpi_find_s5(const void *rsdp_ptr, struct acpi_s5 *out)
{
    const uint8_t *rsdp = rsdp_ptr;
    if (!rsdp || !sig_is(rsdp, "RSD ") || !sig_is(rsdp + 4, "PTR ") || !checksum_ok(rsdp, 20))
        return false;
    const uint8_t *fadt = find_table(rsdp, "FACP");
    if (!fadt)
        return false;
    uint32_t flen = rd32(fadt + 4);
    /* FADT (ACPI 5.2.9): DSDT at 40, PM1a/PM1b control blocks at 64/68; X_DSDT at 140. */
    uint64_t dsdt_addr = flen >= 148 && rd64(fadt + 140) ? rd64(fadt + 140) : rd32(fadt + 40);
    out->pm1a_cnt = (uint16_t)rd32(fadt + 64);
    out->pm1b_cnt = (uint16_t)rd32(fadt + 68);
    const uint8_t *dsdt = (const uint8_t *)(uintptr_t)dsdt_addr;
    if (!out->pm1a_cnt || !dsdt || !sig_is(dsdt, "DSDT"))
        return false;
    return parse_s5(dsdt, out);
}
