/* The guest's ACPI tables (vmm/dev/acpi_tables.c) for random VM descriptions, bases and sizes,
 * walked back the way an OS walks them (ACPI 6.5 chapter 5).  The region is an exact heap
 * allocation filled with a canary, so ASan reports a write past it.  Invariants:
 *  - refusal: 0, a non-empty NUL-terminated message, not one byte of the region written;
 *    acpi_tables_size() is 0 exactly when the desc itself is bad;
 *  - success: the RSDP is at base with both checksums right; the XSDT names one FACP and one
 *    APIC; every table lies in [base, base + acpi_tables_size()), sums to 0 and has its
 *    signature; FADT -> DSDT and FACS; the MADT has one processor entry per vCPU in order (UID =
 *    index, APIC ID = the desc's, Local APIC below 255 and Local x2APIC from 255 up), well-formed
 *    entries that end exactly at its length; the DSDT's package holds the desc's SLP_TYP; nothing
 *    past the end was written. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/dev/acpi_tables.h"

#define REGION_SIZE 0x4000u /* enough for 255 x2APIC vCPUs (about 4.4 KiB), and room to refuse */
#define CANARY 0x5a
#define MAX_IDS (ACPI_TABLES_MAX_CPUS + 8)

static uint8_t *region;
static uint64_t base;
static uint32_t ids[MAX_IDS];

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static bool sums_to_zero(const uint8_t *p, uint64_t len)
{
    uint8_t s = 0;
    while (len--)
        s = (uint8_t)(s + *p++);
    return s == 0;
}

/* [gpa, gpa + len) inside what the builder says it wrote. */
static const uint8_t *in_tables(uint64_t gpa, uint64_t len, uint64_t used)
{
    FUZZ_CHECK(gpa >= base && len <= used && gpa - base <= used - len, "[0x%llx, +%llu) outside [0x%llx, +%llu)",
               (unsigned long long)gpa, (unsigned long long)len, (unsigned long long)base, (unsigned long long)used);
    return region + (gpa - base);
}

static const uint8_t *table(uint64_t gpa, const char *sig, uint64_t used)
{
    const uint8_t *t = in_tables(gpa, 36, used);
    FUZZ_CHECK(!memcmp(t, sig, 4), "%.4s where %s was expected", (const char *)t, sig);
    uint32_t len = rd32(t + 4);
    t = in_tables(gpa, len, used);
    FUZZ_CHECK(len >= 36 && sums_to_zero(t, len), "%s: length %u or checksum wrong", sig, len);
    return t;
}

/* MADT (5.2.12): entries from offset 44, one processor entry per vCPU in order. */
static void walk_madt(const uint8_t *m, const struct acpi_vm_desc *d)
{
    uint32_t len = rd32(m + 4), off = 44;
    unsigned cpu = 0;
    FUZZ_CHECK(rd32(m + 36) == ACPI_LAPIC_BASE, "local APIC address 0x%x", rd32(m + 36));
    while (off < len) {
        const uint8_t *e = m + off;
        FUZZ_CHECK(len - off >= 2 && e[1] >= 2 && e[1] <= len - off, "entry at %u: length %u", off, e[1]);
        if (e[0] == 0 || e[0] == 9) {
            FUZZ_CHECK(cpu < d->ncpus, "more processor entries than %u vCPUs", d->ncpus);
            bool x2 = e[0] == 9;
            uint32_t uid = x2 ? rd32(e + 12) : e[2], id = x2 ? rd32(e + 4) : e[3];
            FUZZ_CHECK(e[1] == (x2 ? 16 : 8) && uid == cpu && id == d->apic_ids[cpu] &&
                           x2 == (id >= ACPI_X2APIC_ID_MIN) && rd32(e + (x2 ? 8 : 4)) == 1,
                       "vCPU %u: type %u uid %u id %u (want %u)", cpu, e[0], uid, id, d->apic_ids[cpu]);
            cpu++;
        }
        off += e[1];
    }
    FUZZ_CHECK(off == len && cpu == d->ncpus, "entries end at %u of %u, %u of %u vCPUs", off, len, cpu, d->ncpus);
}

static void walk(uint64_t rsdp, const struct acpi_vm_desc *d, uint64_t used)
{
    const uint8_t *r = in_tables(rsdp, 36, used);
    FUZZ_CHECK(!memcmp(r, "RSD PTR ", 8) && sums_to_zero(r, 20) && sums_to_zero(r, 36) && r[15] == 2,
               "RSDP signature, checksums or revision wrong");
    const uint8_t *x = table(rd64(r + 24), "XSDT", used);
    FUZZ_CHECK(rd32(x + 4) == 52, "XSDT length %u", rd32(x + 4));
    const uint8_t *f = table(rd64(x + 36), "FACP", used);
    const uint8_t *m = table(rd64(x + 44), "APIC", used);
    FUZZ_CHECK(rd32(f + 4) == 276 && rd32(f + 64) == d->pm1a_cnt_port && rd32(f + 56) == d->pm1a_evt_port,
               "FADT length or PM1a blocks wrong");
    uint64_t facs = rd32(f + 36) ? rd32(f + 36) : rd64(f + 132);
    const uint8_t *fc = in_tables(facs, 64, used);
    FUZZ_CHECK(facs % 64 == 0 && !memcmp(fc, "FACS", 4) && rd32(fc + 4) == 64, "FACS at 0x%llx",
               (unsigned long long)facs);
    const uint8_t *ds = table(rd64(f + 140), "DSDT", used);
    /* Name (_S5_, Package (4) {typ, ...}): the first element at 44 (5.2.11.1, 20.2). */
    uint8_t typ = ds[44] == 0x0a ? ds[45] : ds[44];
    FUZZ_CHECK(!memcmp(ds + 36, "\x08_S5_\x12", 6) && typ == d->s5_slp_typ, "\\_S5 SLP_TYP %u, want %u", typ,
               d->s5_slp_typ);
    walk_madt(m, d);
}

static bool untouched(uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++)
        if (region[i] != CANARY)
            return false;
    return true;
}

static struct acpi_vm_desc read_desc(struct fuzz_in *in)
{
    struct acpi_vm_desc d = { .apic_ids = ids };
    d.ncpus = fuzz_u16(in) % (MAX_IDS + 1);
    uint8_t shape = fuzz_u8(in); /* how wide the IDs are: all small, around 255, or any */
    for (unsigned i = 0; i < MAX_IDS; i++)
        ids[i] = shape % 3 == 0 ? fuzz_u8(in) : shape % 3 == 1 ? 240 + fuzz_u8(in) % 32 : fuzz_u32(in);
    d.ioapic_addr = fuzz_u32(in);
    d.ioapic_id = fuzz_u8(in);
    d.sci_irq = fuzz_u8(in) % 20;
    d.pm1a_evt_port = fuzz_u16(in);
    d.pm1a_cnt_port = fuzz_u16(in);
    d.pm_tmr_port = fuzz_u16(in);
    d.reset_port = fuzz_u16(in);
    d.reset_value = fuzz_u8(in);
    d.s5_slp_typ = fuzz_u8(in) % 10;
    uint8_t flags = fuzz_u8(in);
    d.pcat_compat = flags & 1;
    d.cmos_rtc = flags & 2;
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!region)
        region = malloc(REGION_SIZE);
    memset(region, CANARY, REGION_SIZE);
    struct fuzz_in in = fuzz_in(data, size);
    uint64_t size_given = fuzz_u16(&in) % (REGION_SIZE + 1);
    base = (fuzz_u64(&in) & ~0x3full) | (fuzz_u8(&in) % 8 == 0 ? fuzz_u8(&in) % 64 : 0);
    struct acpi_vm_desc d = read_desc(&in);
    char err[96];
    memset(err, 'x', sizeof(err));
    uint64_t need = acpi_tables_size(&d);
    uint64_t rsdp = acpi_tables_build(&d, region, base, size_given, NULL, err, sizeof(err));
    fuzz_trace("ncpus %u base 0x%llx size %llu need %llu -> rsdp 0x%llx %.*s\n", d.ncpus, (unsigned long long)base,
               (unsigned long long)size_given, (unsigned long long)need, (unsigned long long)rsdp,
               rsdp ? 0 : (int)strnlen(err, sizeof(err)), err);
    if (!rsdp) {
        FUZZ_CHECK(memchr(err, 0, sizeof(err)) && err[0], "refused without a terminated message");
        FUZZ_CHECK(untouched(0, REGION_SIZE), "a refused build wrote to the region");
        FUZZ_CHECK(!need || need > size_given || !base || base % ACPI_TABLES_ALIGN || base > UINT64_MAX - need,
                   "a good desc with room (%llu of %llu) at 0x%llx refused: %s", (unsigned long long)need,
                   (unsigned long long)size_given, (unsigned long long)base, err);
        return 0;
    }
    FUZZ_CHECK(rsdp == base && need && need <= size_given, "rsdp 0x%llx base 0x%llx need %llu size %llu",
               (unsigned long long)rsdp, (unsigned long long)base, (unsigned long long)need,
               (unsigned long long)size_given);
    walk(rsdp, &d, need);
    FUZZ_CHECK(untouched(need, REGION_SIZE), "written past the tables' end at +%llu", (unsigned long long)need);
    return 0;
}
