/* The guest's ACPI tables (vmm/dev/acpi_tables.c), read back the way an OS reads them: RSDP and
 * its two checksums, the XSDT, every table's signature, length and checksum, then each field at
 * its ACPI 6.5 offset.  The offsets and values below are written from the spec (chapter 5 and
 * the AML grammar of 20.2), not taken from the builder; the \_S5 bytes are what iasl 20200925
 * emits for the same ASL.  The tables go into a 128 KiB "guest" region, like 0xE0000-0xFFFFF,
 * filled with a canary first so that a write outside what the builder reports shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/dev/acpi_tables.h"
#include "vmm/host/acpi.h"

#define REGION_BASE 0xe0000ull
#define REGION_SIZE 0x20000u
#define CANARY 0xa5

static _Alignas(64) uint8_t ram[REGION_SIZE];
static uint64_t ram_base = REGION_BASE; /* the guest-physical address of ram[0] */
static char err[128];

/* --- offsets, ACPI 6.5 ---------------------------------------------------------------------- */
/* 5.2.5.3 RSDP */
enum { RSDP_CSUM = 8, RSDP_OEMID = 9, RSDP_REV = 15, RSDP_RSDT = 16, RSDP_LEN = 20, RSDP_XSDT = 24,
       RSDP_XCSUM = 32, RSDP_SIZE = 36 };
/* 5.2.6 header */
enum { H_LEN = 4, H_REV = 8, H_OEMID = 10, H_OEMTABLE = 16, H_OEMREV = 24, H_CREATOR = 28, H_SIZE = 36 };
/* 5.2.9 FADT */
enum { F_FACS = 36, F_DSDT = 40, F_PROFILE = 45, F_SCI = 46, F_SMI_CMD = 48, F_ACPI_ENABLE = 52,
       F_ACPI_DISABLE = 53, F_PM1A_EVT = 56, F_PM1B_EVT = 60, F_PM1A_CNT = 64, F_PM1B_CNT = 68,
       F_PM2_CNT = 72, F_PM_TMR = 76, F_GPE0 = 80, F_GPE1 = 84, F_PM1_EVT_LEN = 88,
       F_PM1_CNT_LEN = 89, F_PM2_CNT_LEN = 90, F_PM_TMR_LEN = 91, F_GPE0_LEN = 92, F_GPE1_LEN = 93,
       F_CST_CNT = 95, F_LVL2_LAT = 96, F_LVL3_LAT = 98, F_CENTURY = 108, F_BOOT_ARCH = 109,
       F_FLAGS = 112, F_RESET_REG = 116, F_RESET_VALUE = 128, F_ARM_BOOT = 129, F_MINOR = 131,
       F_X_FACS = 132, F_X_DSDT = 140, F_X_PM1A_EVT = 148, F_X_PM1B_EVT = 160, F_X_PM1A_CNT = 172,
       F_X_PM1B_CNT = 184, F_X_PM2_CNT = 196, F_X_PM_TMR = 208, F_X_GPE0 = 220, F_X_GPE1 = 232,
       F_SLEEP_CTL = 244, F_SLEEP_STS = 256, F_HV_ID = 268, F_SIZE = 276 };
/* 5.2.3.2 Generic Address Structure */
enum { G_SPACE = 0, G_WIDTH = 1, G_OFFSET = 2, G_ACCESS = 3, G_ADDR = 4, G_SIZE = 12 };
/* 5.2.10 FACS */
enum { FACS_LEN = 4, FACS_HW_SIG = 8, FACS_WAKE = 12, FACS_LOCK = 16, FACS_FLAGS = 20,
       FACS_XWAKE = 24, FACS_VERSION = 32, FACS_SIZE = 64 };
/* 5.2.12 MADT */
enum { M_LAPIC_ADDR = 36, M_FLAGS = 40, M_ENTRIES = 44 };

/* FADT Flags (5.2.9, table "Fixed ACPI Description Table Fixed Feature Flags"): WBINVD bit 0,
 * PROC_C1 2, PWR_BUTTON 4, SLP_BUTTON 5, FIX_RTC 6, TMR_VAL_EXT 8, RESET_REG_SUP 10, HEADLESS 12,
 * HW_REDUCED_ACPI 20. */
#define FLAGS_BASE 0x1075u /* bits 0, 2, 4, 5, 6, 12 */
#define F_TMR_VAL_EXT 0x100u
#define F_RESET_REG_SUP 0x400u
#define F_HW_REDUCED 0x100000u
/* IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES bit 0, 8042 bit 1, VGA Not Present 2, MSI Not
 * Supported 3, PCIe ASPM 4, CMOS RTC Not Present 5. */
#define BOOT_NO_RTC 0x25u
#define BOOT_RTC 0x05u

/* --- reading guest memory -------------------------------------------------------------------- */
static const uint8_t *at(uint64_t gpa, uint64_t len)
{
    assert_true(gpa >= ram_base && len <= REGION_SIZE && gpa - ram_base <= REGION_SIZE - len);
    return ram + (gpa - ram_base);
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    while (len--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A system description table at gpa: signature, length, checksum and the OEM fields. */
static const uint8_t *table_at(uint64_t gpa, const char *sig, uint8_t revision)
{
    const uint8_t *t = at(gpa, H_SIZE);
    assert_memory_equal(t, sig, 4);
    uint32_t len = rd32(t + H_LEN);
    assert_true(len >= H_SIZE);
    t = at(gpa, len);
    assert_int_equal(sum(t, len), 0);
    assert_int_equal(t[H_REV], revision);
    assert_memory_equal(t + H_OEMID, "APICVR", 6);
    assert_memory_equal(t + H_OEMTABLE, "APICVISR", 8);
    assert_int_equal(rd32(t + H_OEMREV), 1);
    assert_memory_equal(t + H_CREATOR, "APCV", 4);
    return t;
}

struct walked {
    uint64_t xsdt, fadt, madt, facs, dsdt; /* guest-physical */
    const uint8_t *f, *m, *d;
};

static void walk_rsdp(uint64_t rsdp, struct walked *w)
{
    assert_int_equal(rsdp % 16, 0); /* where the legacy scan looks (5.2.5.1) */
    const uint8_t *r = at(rsdp, RSDP_SIZE);
    assert_memory_equal(r, "RSD PTR ", 8);
    assert_int_equal(sum(r, 20), 0);
    assert_int_equal(r[RSDP_REV], 2);
    assert_int_equal(rd32(r + RSDP_LEN), RSDP_SIZE);
    assert_int_equal(sum(r, RSDP_SIZE), 0);
    assert_memory_equal(r + RSDP_OEMID, "APICVR", 6);
    assert_int_equal(rd32(r + RSDP_RSDT), 0);
    assert_int_equal(r[33] | r[34] | r[35], 0); /* reserved */
    w->xsdt = rd64(r + RSDP_XSDT);
}

/* The XSDT's entries, each found by its signature: exactly one FACP and one APIC. */
static void walk_xsdt(struct walked *w)
{
    const uint8_t *x = table_at(w->xsdt, "XSDT", 1);
    uint32_t len = rd32(x + H_LEN);
    assert_int_equal(len, H_SIZE + 2 * 8);
    w->fadt = w->madt = 0;
    for (uint32_t off = H_SIZE; off < len; off += 8) {
        uint64_t gpa = rd64(x + off);
        const uint8_t *t = at(gpa, H_SIZE);
        if (!memcmp(t, "FACP", 4) && !w->fadt)
            w->fadt = gpa;
        else if (!memcmp(t, "APIC", 4) && !w->madt)
            w->madt = gpa;
        else
            fail_msg("unexpected XSDT entry %.4s", (const char *)t);
    }
    assert_true(w->fadt && w->madt);
}

/* FADT -> DSDT (X_DSDT wins, 5.2.9) and FACS (FIRMWARE_CTRL, or X_FIRMWARE_CTRL above 4 GiB). */
static void walk(uint64_t rsdp, struct walked *w)
{
    walk_rsdp(rsdp, w);
    walk_xsdt(w);
    w->f = table_at(w->fadt, "FACP", 6);
    assert_int_equal(rd32(w->f + H_LEN), F_SIZE);
    w->m = table_at(w->madt, "APIC", 6);
    w->dsdt = rd64(w->f + F_X_DSDT) ? rd64(w->f + F_X_DSDT) : rd32(w->f + F_DSDT);
    w->d = table_at(w->dsdt, "DSDT", 2);
    w->facs = rd32(w->f + F_FACS) ? rd32(w->f + F_FACS) : rd64(w->f + F_X_FACS);
    assert_int_equal(w->facs % 64, 0);
    const uint8_t *facs = at(w->facs, FACS_SIZE);
    assert_memory_equal(facs, "FACS", 4);
    assert_int_equal(rd32(facs + FACS_LEN), FACS_SIZE);
    assert_int_equal(facs[FACS_VERSION], 2);
    assert_int_equal(rd32(facs + FACS_HW_SIG) | rd32(facs + FACS_WAKE) | rd32(facs + FACS_LOCK) |
                         rd32(facs + FACS_FLAGS) | rd64(facs + FACS_XWAKE), 0);
}

/* --- the MADT, entry by entry (5.2.12) -------------------------------------------------------- */
#define MAX_CPUS 255

struct madt_seen {
    unsigned cpus, lapics, x2apics, ioapics, overrides, nmis, x2nmis, entries;
    uint32_t uid[MAX_CPUS], id[MAX_CPUS];
    bool x2[MAX_CPUS];
    uint8_t ioapic_id;
    uint32_t ioapic_addr, ioapic_gsi_base;
    uint8_t ovr_irq[2];
    uint32_t ovr_gsi[2];
    uint16_t ovr_flags[2];
    uint32_t nmi_uid, x2nmi_uid;
    uint16_t nmi_flags, x2nmi_flags;
    uint8_t nmi_lint, x2nmi_lint;
};

static void seen_cpu(struct madt_seen *s, uint32_t uid, uint32_t id, uint32_t flags, bool x2)
{
    assert_true(s->cpus < MAX_CPUS);
    assert_int_equal(flags, 1); /* Enabled, not merely Online Capable */
    s->uid[s->cpus] = uid;
    s->id[s->cpus] = id;
    s->x2[s->cpus++] = x2;
}

static void seen_override(struct madt_seen *s, const uint8_t *e)
{
    assert_true(s->overrides < 2);
    assert_int_equal(e[2], 0); /* Bus: ISA */
    s->ovr_irq[s->overrides] = e[3];
    s->ovr_gsi[s->overrides] = rd32(e + 4);
    s->ovr_flags[s->overrides++] = rd16(e + 8);
}

static void seen_entry(struct madt_seen *s, const uint8_t *e)
{
    switch (e[0]) {
    case 0: /* Processor Local APIC (5.2.12.2) */
        assert_int_equal(e[1], 8);
        seen_cpu(s, e[2], e[3], rd32(e + 4), false);
        s->lapics++;
        break;
    case 1: /* I/O APIC (5.2.12.3) */
        assert_int_equal(e[1], 12);
        assert_int_equal(e[3], 0);
        s->ioapic_id = e[2];
        s->ioapic_addr = rd32(e + 4);
        s->ioapic_gsi_base = rd32(e + 8);
        s->ioapics++;
        break;
    case 2: /* Interrupt Source Override (5.2.12.5) */
        assert_int_equal(e[1], 10);
        seen_override(s, e);
        break;
    case 4: /* Local APIC NMI (5.2.12.7) */
        assert_int_equal(e[1], 6);
        s->nmi_uid = e[2];
        s->nmi_flags = rd16(e + 3);
        s->nmi_lint = e[5];
        s->nmis++;
        break;
    case 9: /* Processor Local x2APIC (5.2.12.12) */
        assert_int_equal(e[1], 16);
        assert_int_equal(rd16(e + 2), 0);
        seen_cpu(s, rd32(e + 12), rd32(e + 4), rd32(e + 8), true);
        s->x2apics++;
        break;
    case 10: /* Local x2APIC NMI (5.2.12.13) */
        assert_int_equal(e[1], 12);
        s->x2nmi_flags = rd16(e + 2);
        s->x2nmi_uid = rd32(e + 4);
        s->x2nmi_lint = e[8];
        assert_int_equal(e[9] | e[10] | e[11], 0);
        s->x2nmis++;
        break;
    default:
        fail_msg("unexpected MADT entry type %u", e[0]);
    }
}

static void walk_madt(const uint8_t *m, struct madt_seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(rd32(m + M_LAPIC_ADDR), 0xfee00000u);
    uint32_t len = rd32(m + H_LEN);
    uint32_t off = M_ENTRIES;
    while (off < len) {
        assert_true(len - off >= 2 && m[off + 1] >= 2 && m[off + 1] <= len - off);
        seen_entry(s, m + off);
        s->entries++;
        off += m[off + 1];
    }
    assert_int_equal(off, len);
}

/* --- descs ------------------------------------------------------------------------------------ */
static uint32_t ids[MAX_CPUS + 1]; /* one more than the tables take, for the refusal */

static struct acpi_vm_desc desc(unsigned ncpus)
{
    return (struct acpi_vm_desc){
        .ncpus = ncpus, .apic_ids = ids, .ioapic_addr = 0xfec00000u, .ioapic_id = 0x20, .sci_irq = 9,
        .pm1a_evt_port = 0x600, .pm1a_cnt_port = 0x604, .pm_tmr_port = 0x608, .s5_slp_typ = 5,
    };
}

static int setup(void **state)
{
    (void)state;
    memset(ram, CANARY, sizeof(ram));
    memset(err, 0, sizeof(err));
    ram_base = REGION_BASE;
    return 0;
}

static uint64_t build(const struct acpi_vm_desc *d, struct acpi_tables_placed *p)
{
    uint64_t rsdp = acpi_tables_build(d, ram, ram_base, REGION_SIZE, p, err, sizeof(err));
    assert_true(rsdp != 0);
    return rsdp;
}

/* Every byte from end to the region's end still holds the canary. */
static void assert_untouched_from(uint64_t off)
{
    for (uint64_t i = off; i < REGION_SIZE; i++)
        if (ram[i] != CANARY)
            fail_msg("byte at +0x%llx written, past the tables' end +0x%llx", (unsigned long long)i,
                     (unsigned long long)off);
}

/* Checks the processor entries against ids[] in vCPU order and the rest of the MADT. */
static void check_madt(const struct acpi_vm_desc *d, const uint8_t *m)
{
    struct madt_seen s;
    walk_madt(m, &s);
    unsigned x2 = 0;
    assert_int_equal(s.cpus, d->ncpus);
    for (unsigned i = 0; i < d->ncpus; i++) {
        assert_int_equal(s.uid[i], i);
        assert_int_equal(s.id[i], ids[i]);
        assert_int_equal(s.x2[i], ids[i] >= 255);
        x2 += ids[i] >= 255;
    }
    assert_int_equal(s.x2apics, x2);
    assert_int_equal(s.ioapics, 1);
    assert_int_equal(s.ioapic_id, d->ioapic_id);
    assert_int_equal(s.ioapic_addr, d->ioapic_addr);
    assert_int_equal(s.ioapic_gsi_base, 0);
    assert_int_equal(s.overrides, 2);
    assert_int_equal(s.ovr_irq[0], 0); /* IRQ0 -> GSI 2, conforming */
    assert_int_equal(s.ovr_gsi[0], 2);
    assert_int_equal(s.ovr_flags[0], 0);
    assert_int_equal(s.ovr_irq[1], d->sci_irq); /* SCI: level (bits 3:2 = 11), active high (bits 1:0 = 01) */
    assert_int_equal(s.ovr_gsi[1], d->sci_irq);
    assert_int_equal(s.ovr_flags[1], 0x000d);
    assert_int_equal(s.nmis, x2 < d->ncpus);
    assert_int_equal(s.x2nmis, x2 > 0);
    if (s.nmis) {
        assert_int_equal(s.nmi_uid, 0xff);
        assert_int_equal(s.nmi_flags, 0);
        assert_int_equal(s.nmi_lint, 1);
    }
    if (s.x2nmis) {
        assert_int_equal(s.x2nmi_uid, 0xffffffffu);
        assert_int_equal(s.x2nmi_flags, 0);
        assert_int_equal(s.x2nmi_lint, 1);
    }
    assert_int_equal(s.entries, d->ncpus + 1 + 2 + s.nmis + s.x2nmis);
}

/* Builds for ncpus, walks it all, and checks the MADT and that nothing past the end was written. */
static void build_and_walk(unsigned ncpus)
{
    memset(ram, CANARY, sizeof(ram));
    struct acpi_vm_desc d = desc(ncpus);
    struct acpi_tables_placed p;
    uint64_t rsdp = build(&d, &p);
    struct walked w;
    walk(rsdp, &w);
    check_madt(&d, w.m);
    assert_int_equal(p.end - ram_base, acpi_tables_size(&d));
    assert_untouched_from(p.end - ram_base);
}

/* --- tests ------------------------------------------------------------------------------------ */
static void one_vcpu(void **state)
{
    (void)state;
    ids[0] = 0;
    build_and_walk(1);
}

static void four_sparse_vcpus_one_x2apic(void **state)
{
    (void)state;
    const uint32_t four[] = { 0, 2, 17, 300 };
    memcpy(ids, four, sizeof(four));
    build_and_walk(4);
}

static void sixty_four_sparse_vcpus(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 64; i++)
        ids[i] = i * 6; /* 0 .. 378: 43 below 255, 21 from 258 up */
    build_and_walk(64);
}

static void id_255_takes_an_x2apic_entry_254_does_not(void **state)
{
    (void)state;
    ids[0] = 254;
    ids[1] = 255;
    build_and_walk(2);
    ids[0] = 0x10000; /* an x2APIC BSP: no Local APIC NMI entry at all */
    ids[1] = 1;
    build_and_walk(2);
    ids[1] = 256;
    build_and_walk(2);
}

static void most_vcpus(void **state)
{
    (void)state;
    for (unsigned i = 0; i < MAX_CPUS; i++)
        ids[i] = 200 + 3 * i;
    build_and_walk(MAX_CPUS);
}

static void placement(void **state)
{
    (void)state;
    ids[0] = 0;
    struct acpi_vm_desc d = desc(1);
    struct acpi_tables_placed p;
    uint64_t rsdp = build(&d, &p);
    struct walked w;
    walk(rsdp, &w);
    assert_int_equal(rsdp, REGION_BASE);
    assert_int_equal(p.rsdp, rsdp);
    assert_int_equal(p.xsdt, w.xsdt);
    assert_int_equal(p.fadt, w.fadt);
    assert_int_equal(p.madt, w.madt);
    assert_int_equal(p.facs, w.facs);
    assert_int_equal(p.dsdt, w.dsdt);
    /* In order, inside [base, end), not overlapping. */
    const uint64_t start[] = { p.rsdp, p.facs, p.xsdt, p.fadt, p.madt, p.dsdt, p.end };
    const uint64_t len[] = { RSDP_SIZE, FACS_SIZE, rd32(at(p.xsdt, H_SIZE) + H_LEN), F_SIZE,
                             rd32(w.m + H_LEN), rd32(w.d + H_LEN) };
    for (unsigned i = 0; i < 6; i++)
        assert_true(start[i] + len[i] <= start[i + 1]);
    assert_int_equal(p.dsdt + len[5], p.end);
}

static void fadt_fields(void **state)
{
    (void)state;
    ids[0] = 0;
    struct acpi_vm_desc d = desc(1);
    d.reset_port = 0xcf9;
    d.reset_value = 0x06;
    struct walked w;
    walk(build(&d, NULL), &w);
    const uint8_t *f = w.f;
    assert_int_equal(f[F_MINOR], 5); /* FADT 6.5 */
    assert_int_equal(rd32(f + F_DSDT), w.dsdt);
    assert_int_equal(rd64(f + F_X_DSDT), w.dsdt);
    assert_int_equal(rd32(f + F_FACS), w.facs); /* the FACS is below 4 GiB: FIRMWARE_CTRL only */
    assert_int_equal(rd64(f + F_X_FACS), 0);
    assert_int_equal(f[F_PROFILE], 0);
    assert_int_equal(rd16(f + F_SCI), 9);
    /* No SMM: SMI_CMD 0, so the OS takes the machine as always in ACPI mode. */
    assert_int_equal(rd32(f + F_SMI_CMD), 0);
    assert_int_equal(f[F_ACPI_ENABLE] | f[F_ACPI_DISABLE], 0);
    assert_int_equal(rd32(f + F_PM1A_EVT), 0x600);
    assert_int_equal(rd32(f + F_PM1A_CNT), 0x604);
    assert_int_equal(rd32(f + F_PM_TMR), 0x608);
    assert_int_equal(rd32(f + F_PM1B_EVT) | rd32(f + F_PM1B_CNT) | rd32(f + F_PM2_CNT), 0);
    assert_int_equal(rd32(f + F_GPE0) | rd32(f + F_GPE1), 0);
    assert_int_equal(f[F_PM1_EVT_LEN], 4);
    assert_int_equal(f[F_PM1_CNT_LEN], 2);
    assert_int_equal(f[F_PM2_CNT_LEN], 0);
    assert_int_equal(f[F_PM_TMR_LEN], 4);
    assert_int_equal(f[F_GPE0_LEN] | f[F_GPE1_LEN] | f[F_CST_CNT] | f[F_CENTURY], 0);
    assert_true(rd16(f + F_LVL2_LAT) > 100);  /* no C2 */
    assert_true(rd16(f + F_LVL3_LAT) > 1000); /* no C3 */
    assert_int_equal(rd16(f + F_BOOT_ARCH), BOOT_NO_RTC);
    assert_int_equal(f[111], 0);
    assert_int_equal(rd32(f + F_FLAGS), FLAGS_BASE | F_TMR_VAL_EXT | F_RESET_REG_SUP);
    assert_int_equal(rd32(f + F_FLAGS) & F_HW_REDUCED, 0);
    assert_int_equal(rd16(f + F_ARM_BOOT), 0);
    assert_memory_equal(f + F_HV_ID, "APICVISR", 8);
}

/* A GAS for an I/O register block: space 1 (system I/O), width, offset 0, access size. */
static void assert_gas_io(const uint8_t *g, uint16_t port, uint8_t bits, uint8_t access)
{
    assert_int_equal(g[G_SPACE], 1);
    assert_int_equal(g[G_WIDTH], bits);
    assert_int_equal(g[G_OFFSET], 0);
    assert_int_equal(g[G_ACCESS], access);
    assert_int_equal(rd64(g + G_ADDR), port);
}

static void assert_gas_zero(const uint8_t *g)
{
    static const uint8_t zero[G_SIZE];
    assert_memory_equal(g, zero, G_SIZE);
}

static void fadt_generic_addresses(void **state)
{
    (void)state;
    ids[0] = 0;
    struct acpi_vm_desc d = desc(1);
    d.reset_port = 0xcf9;
    d.reset_value = 0x06;
    struct walked w;
    walk(build(&d, NULL), &w);
    const uint8_t *f = w.f;
    assert_gas_io(f + F_X_PM1A_EVT, 0x600, 32, 2); /* word access: PM1_STS and PM1_EN */
    assert_gas_io(f + F_X_PM1A_CNT, 0x604, 16, 2);
    assert_gas_io(f + F_X_PM_TMR, 0x608, 32, 3);
    assert_gas_io(f + F_RESET_REG, 0xcf9, 8, 1); /* 4.8.3.6: 8 bits, offset 0 */
    assert_int_equal(f[F_RESET_VALUE], 0x06);
    assert_gas_zero(f + F_X_PM1B_EVT);
    assert_gas_zero(f + F_X_PM1B_CNT);
    assert_gas_zero(f + F_X_PM2_CNT);
    assert_gas_zero(f + F_X_GPE0);
    assert_gas_zero(f + F_X_GPE1);
    assert_gas_zero(f + F_SLEEP_CTL); /* hardware-reduced only */
    assert_gas_zero(f + F_SLEEP_STS);
}

static void optional_hardware(void **state)
{
    (void)state;
    ids[0] = 0;
    struct acpi_vm_desc d = desc(1);
    d.pm_tmr_port = 0;
    d.cmos_rtc = true;
    d.pcat_compat = true;
    struct walked w;
    walk(build(&d, NULL), &w);
    const uint8_t *f = w.f;
    assert_int_equal(rd32(f + F_PM_TMR), 0);
    assert_int_equal(f[F_PM_TMR_LEN], 0);
    assert_gas_zero(f + F_X_PM_TMR);
    assert_gas_zero(f + F_RESET_REG);
    assert_int_equal(f[F_RESET_VALUE], 0);
    assert_int_equal(rd32(f + F_FLAGS), FLAGS_BASE); /* neither TMR_VAL_EXT nor RESET_REG_SUP */
    assert_int_equal(rd16(f + F_BOOT_ARCH), BOOT_RTC);
    assert_int_equal(rd32(w.m + M_FLAGS), 1); /* PCAT_COMPAT */
    d.pcat_compat = false;
    setup(NULL);
    walk(build(&d, NULL), &w);
    assert_int_equal(rd32(w.m + M_FLAGS), 0);
}

/* The DSDT's AML: Name (_S5, Package () {typ, typ, 0, 0}) -- NameOp 08, NameSeg "_S5_",
 * PackageOp 12, PkgLength (counting itself), NumElements 04, then ZeroOp 00 / OneOp 01 /
 * BytePrefix 0A nn (20.2.3), as iasl writes it. */
static void check_s5(uint8_t typ, const uint8_t *aml, size_t aml_len)
{
    ids[0] = 0;
    struct acpi_vm_desc d = desc(1);
    d.s5_slp_typ = typ;
    struct walked w;
    setup(NULL);
    walk(build(&d, NULL), &w);
    assert_int_equal(rd32(w.d + H_LEN), H_SIZE + aml_len);
    assert_memory_equal(w.d + H_SIZE, aml, aml_len);
}

static void dsdt_holds_s5_aml(void **state)
{
    (void)state;
    static const uint8_t s5_5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
    static const uint8_t s5_7[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00 };
    static const uint8_t s5_1[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00 };
    static const uint8_t s5_0[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
    check_s5(5, s5_5, sizeof(s5_5));
    check_s5(7, s5_7, sizeof(s5_7));
    check_s5(1, s5_1, sizeof(s5_1));
    check_s5(0, s5_0, sizeof(s5_0));
}

/* The hypervisor's own parser of the host's ACPI (vmm/host/acpi.c) takes addresses as pointers:
 * with the tables "in guest memory" at their host address it finds the same S5 recipe. */
static void host_s5_parser_reads_them(void **state)
{
    (void)state;
    ids[0] = 0;
    ram_base = (uint64_t)(uintptr_t)ram;
    struct acpi_vm_desc d = desc(1);
    d.s5_slp_typ = 6;
    uint64_t rsdp = build(&d, NULL);
    struct acpi_s5 s5;
    assert_true(acpi_find_s5((const void *)(uintptr_t)rsdp, &s5));
    assert_int_equal(s5.pm1a_cnt, 0x604);
    assert_int_equal(s5.pm1b_cnt, 0);
    assert_int_equal(s5.slp_typa, 6);
    assert_int_equal(s5.slp_typb, 6);
    assert_int_equal(acpi_pm1_sleep_value(6), (6u << ACPI_PM1_CNT_SLP_TYP_SHIFT) | ACPI_PM1_CNT_SLP_EN);
}

static void tables_above_4g_use_the_64_bit_fields(void **state)
{
    (void)state;
    ids[0] = 0;
    ram_base = 0x100000000ull;
    struct acpi_vm_desc d = desc(1);
    struct acpi_tables_placed p;
    struct walked w;
    walk(build(&d, &p), &w);
    assert_int_equal(rd32(w.f + F_DSDT), 0);
    assert_int_equal(rd64(w.f + F_X_DSDT), p.dsdt);
    assert_int_equal(rd32(w.f + F_FACS), 0);
    assert_int_equal(rd64(w.f + F_X_FACS), p.facs);
    assert_true(p.dsdt > 0xffffffffull && p.facs > 0xffffffffull);
}

static void too_little_space_is_refused(void **state)
{
    (void)state;
    ids[0] = 0;
    ids[1] = 300;
    struct acpi_vm_desc d = desc(2);
    uint64_t need = acpi_tables_size(&d);
    assert_true(need > 0 && need < REGION_SIZE);
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, need - 1, NULL, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "need"));
    assert_untouched_from(0);
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, need, NULL, err, sizeof(err)), REGION_BASE);
    assert_untouched_from(need);
}

/* A desc changed one way; the builder refuses it, names why, and writes nothing. */
static void assert_refused(const struct acpi_vm_desc *d, uint64_t base, const char *why)
{
    memset(err, 0, sizeof(err));
    assert_int_equal(acpi_tables_build(d, ram, base, REGION_SIZE, NULL, err, sizeof(err)), 0);
    if (!strstr(err, why))
        fail_msg("expected \"%s\" in \"%s\"", why, err);
    assert_untouched_from(0);
}

static void bad_descs_are_refused(void **state)
{
    (void)state;
    for (unsigned i = 0; i <= MAX_CPUS; i++)
        ids[i] = i; /* distinct: only the count is wrong below */
    struct acpi_vm_desc ok = desc(2), d;
#define REFUSED(change, why) \
    (d = ok, (change), assert_refused(&d, REGION_BASE, why), assert_int_equal(acpi_tables_size(&d), 0))
    REFUSED(d.ncpus = 0, "1 to 255");
    REFUSED(d.ncpus = 256, "1 to 255");
    REFUSED(d.apic_ids = NULL, "APIC IDs");
    REFUSED(d.sci_irq = 0, "SCI");
    REFUSED(d.sci_irq = 2, "SCI");
    REFUSED(d.sci_irq = 16, "SCI");
    REFUSED(d.s5_slp_typ = 8, "SLP_TYP");
    REFUSED(d.ioapic_addr = 0, "I/O APIC");
    REFUSED(d.pm1a_evt_port = 0, "required");
    REFUSED(d.pm1a_cnt_port = 0, "required");
    REFUSED(d.pm1a_cnt_port = 0x602, "overlaps");  /* inside PM1a_EVT [0x600, 0x604) */
    REFUSED(d.pm_tmr_port = 0x605, "overlaps");    /* PM1a_CNT is [0x604, 0x606) */
    REFUSED(d.reset_port = 0x60b, "overlaps");     /* PM_TMR is [0x608, 0x60c) */
    REFUSED(d.pm_tmr_port = 0x5fe, "overlaps");    /* [0x5fe, 0x602) runs into PM1a_EVT */
    REFUSED(d.pm_tmr_port = 0xfffd, "past port 0xffff");
    REFUSED(d.pm1a_evt_port = 0xfffe, "past port 0xffff");
#undef REFUSED
    d = ok; /* blocks that touch without overlapping: EVT 600-603, CNT 604-605, RESET 606, TMR 607-60a */
    d.reset_port = 0x606;
    d.pm_tmr_port = 0x607;
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, REGION_SIZE, NULL, err, sizeof(err)), REGION_BASE);
    d.pm_tmr_port = 0xfffc; /* [0xfffc, 0x10000): the last port is 0xffff */
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, REGION_SIZE, NULL, err, sizeof(err)), REGION_BASE);
    d.ncpus = MAX_CPUS;
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, REGION_SIZE, NULL, err, sizeof(err)), REGION_BASE);
    setup(NULL);
    d = ok;
    assert_refused(&d, REGION_BASE + 8, "aligned");
    assert_refused(&d, 0, "aligned");
    assert_int_equal(acpi_tables_build(&ok, NULL, REGION_BASE, REGION_SIZE, NULL, err, sizeof(err)), 0);
    assert_int_equal(acpi_tables_build(NULL, ram, REGION_BASE, REGION_SIZE, NULL, err, sizeof(err)), 0);
    assert_int_equal(acpi_tables_size(NULL), 0);
    /* No room for a message: still refused, nothing written. */
    d = ok;
    d.ncpus = 0;
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, REGION_SIZE, NULL, NULL, 0), 0);
    assert_untouched_from(0);
}

static void bad_apic_ids_are_refused(void **state)
{
    (void)state;
    struct acpi_vm_desc d = desc(3);
    ids[0] = 0;
    ids[1] = 300;
    ids[2] = 300;
    assert_refused(&d, REGION_BASE, "share APIC ID 300");
    assert_int_equal(acpi_tables_size(&d), 0);
    ids[2] = 0xffffffffu;
    assert_refused(&d, REGION_BASE, "broadcast");
    assert_int_equal(acpi_tables_size(&d), 0);
    ids[2] = 0xfffffffeu; /* the largest x2APIC ID that is not broadcast */
    build_and_walk(3);
}

static void long_messages_are_cut_and_terminated(void **state)
{
    (void)state;
    struct acpi_vm_desc d = desc(2);
    ids[0] = ids[1] = 7;
    char small[8];
    memset(small, 'x', sizeof(small));
    assert_int_equal(acpi_tables_build(&d, ram, REGION_BASE, REGION_SIZE, NULL, small, sizeof(small)), 0);
    assert_non_null(memchr(small, 0, sizeof(small)));
    assert_true(strlen(small) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(one_vcpu, setup),
        cmocka_unit_test_setup(four_sparse_vcpus_one_x2apic, setup),
        cmocka_unit_test_setup(sixty_four_sparse_vcpus, setup),
        cmocka_unit_test_setup(id_255_takes_an_x2apic_entry_254_does_not, setup),
        cmocka_unit_test_setup(most_vcpus, setup),
        cmocka_unit_test_setup(placement, setup),
        cmocka_unit_test_setup(fadt_fields, setup),
        cmocka_unit_test_setup(fadt_generic_addresses, setup),
        cmocka_unit_test_setup(optional_hardware, setup),
        cmocka_unit_test_setup(dsdt_holds_s5_aml, setup),
        cmocka_unit_test_setup(host_s5_parser_reads_them, setup),
        cmocka_unit_test_setup(tables_above_4g_use_the_64_bit_fields, setup),
        cmocka_unit_test_setup(too_little_space_is_refused, setup),
        cmocka_unit_test_setup(bad_descs_are_refused, setup),
        cmocka_unit_test_setup(bad_apic_ids_are_refused, setup),
        cmocka_unit_test_setup(long_messages_are_cut_and_terminated, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
