/* The guest's ACPI tables, written byte by byte at the offsets of ACPI 6.5 chapter 5
 * ("ACPI Software Programming Model"), little-endian on any host.  Section numbers below are
 * those of ACPI 6.5.  The layout from base (which is ACPI_TABLES_ALIGN-aligned):
 *
 *   RSDP (36) | FACS (64, 64-aligned) | XSDT | FADT (276) | MADT | DSDT     each 8-aligned
 *
 * Choices that the spec leaves to the platform, and why:
 *  - Full-hardware ACPI (HW_REDUCED_ACPI clear): Linux then powers off through PM1a_CNT with
 *    the \_S5 values, the path the issue asks for.  A full-hardware FADT needs a FACS (5.2.10),
 *    so there is one; nothing uses its waking vector (no S3) nor its global lock.
 *  - SMI_CMD, ACPI_ENABLE and ACPI_DISABLE are 0: no SMM, so the platform is always in ACPI
 *    mode and OSPM never tries the ACPI_ENABLE handshake (5.2.9, SMI_CMD).  There is no flag
 *    for it; ACPICA reads SMI_CMD = 0 as "already in ACPI mode".
 *  - Flags: WBINVD and PROC_C1 (HLT works); PWR_BUTTON and SLP_BUTTON set, which means "no
 *    fixed-feature button", and with no button device either there is no button at all;
 *    FIX_RTC (no RTC wake status in PM1); TMR_VAL_EXT with the PM timer (32 bits); HEADLESS
 *    (no monitor, keyboard or mouse: the console is COM1); RESET_REG_SUP only with a reset port.
 *    No C2/C3 (latencies above 100 and 1000 us), no GPE blocks, no PM1b, no PM2.
 *  - IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES set (COM1 is a user-visible ISA device; Linux
 *    only uses the bit to skip PnP BIOS when clear), 8042 clear (there is no keyboard
 *    controller, so Linux's i8042 driver does not probe), VGA Not Present set, MSI left
 *    "supported" (there is no PCI yet), CMOS RTC Not Present unless the desc has an RTC.
 *  - MADT PCAT_COMPAT only when the desc says a dual 8259 is emulated; today none is, and
 *    Linux probes the 8259 itself and falls back to a null PIC.
 *  - ISA IRQ0 -> GSI 2 (conforming: edge, active high) as on QEMU, and the SCI's IRQ -> the same
 *    GSI, level-triggered, active high (QEMU's flags for it); every other ISA IRQ is identity
 *    mapped on the one I/O APIC, whose GSI base is 0 (Linux maps ISA IRQs onto the I/O APIC
 *    that serves GSI 0 only).
 *  - LINT1 is NMI on every processor: a Local APIC NMI entry for "all" (UID 0xFF) when some
 *    processor has a Local APIC entry, a Local x2APIC NMI entry (UID 0xFFFFFFFF) when some has
 *    a Local x2APIC entry.
 *  - The DSDT holds only \_S5 and is generated here as AML (20.2), not compiled from ASL. */
#include "vmm/dev/acpi_tables.h"

#include <stdarg.h>
#include <string.h>

#include "lib/format.h"

/* --- identification: System Description Table Header (5.2.6) ------------------------------- */
#define OEM_ID               "APICVR"
#define OEM_ID_LEN           6
#define OEM_TABLE_ID         "APICVISR"
#define OEM_TABLE_ID_LEN     8
#define OEM_REVISION         1u
#define CREATOR_ID           "APCV"
#define CREATOR_REVISION     1u
#define SIG_LEN              4

#define SDT_LEN              36
#define SDT_LENGTH           4
#define SDT_REVISION         8
#define SDT_CHECKSUM         9
#define SDT_OEM_ID           10
#define SDT_OEM_TABLE_ID     16
#define SDT_OEM_REVISION     24
#define SDT_CREATOR_ID       28
#define SDT_CREATOR_REVISION 32

/* --- Root System Description Pointer (5.2.5.3) --------------------------------------------- */
#define RSDP_SIGNATURE       "RSD PTR "
#define RSDP_SIG_LEN         8
#define RSDP_LEN             36
#define RSDP_V1_LEN          20 /* the ACPI 1.0 part, which the first checksum covers */
#define RSDP_CHECKSUM        8
#define RSDP_OEM_ID          9
#define RSDP_REVISION        15
#define RSDP_RSDT_ADDRESS    16
#define RSDP_LENGTH          20
#define RSDP_XSDT_ADDRESS    24
#define RSDP_EXT_CHECKSUM    32
#define RSDP_REVISION_2      2 /* ACPI 2.0 and later: Length, XsdtAddress, extended checksum */

/* --- Extended System Description Table (5.2.8) --------------------------------------------- */
#define XSDT_REVISION        1
#define XSDT_ENTRY_LEN       8
#define XSDT_ENTRIES         2 /* FADT, MADT */
#define XSDT_LEN             (SDT_LEN + XSDT_ENTRIES * XSDT_ENTRY_LEN)

/* --- Fixed ACPI Description Table (5.2.9) -------------------------------------------------- */
#define FADT_REVISION        6 /* major version 6 ... */
#define FADT_MINOR           5 /* ... minor 5: ACPI 6.5 */
#define FADT_LEN             276
#define FADT_FIRMWARE_CTRL   36
#define FADT_DSDT            40
#define FADT_SCI_INT         46
#define FADT_PM1A_EVT_BLK    56
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM_TMR_BLK      76
#define FADT_PM1_EVT_LEN     88
#define FADT_PM1_CNT_LEN     89
#define FADT_PM_TMR_LEN      91
#define FADT_P_LVL2_LAT      96
#define FADT_P_LVL3_LAT      98
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS           112
#define FADT_RESET_REG       116
#define FADT_RESET_VALUE     128
#define FADT_MINOR_VERSION   131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT          140
#define FADT_X_PM1A_EVT_BLK  148
#define FADT_X_PM1A_CNT_BLK  172
#define FADT_X_PM_TMR_BLK    208
#define FADT_HYPERVISOR_ID   268 /* Hypervisor Vendor Identity, 8 bytes */

#define P_LVL2_NONE          101u  /* > 100 us: C2 not supported */
#define P_LVL3_NONE          1001u /* > 1000 us: C3 not supported */

/* Fixed ACPI Description Table Fixed Feature Flags (5.2.9, FADT Flags) */
#define FADT_F_WBINVD        (1u << 0)
#define FADT_F_PROC_C1       (1u << 2)
#define FADT_F_PWR_BUTTON    (1u << 4)
#define FADT_F_SLP_BUTTON    (1u << 5)
#define FADT_F_FIX_RTC       (1u << 6)
#define FADT_F_TMR_VAL_EXT   (1u << 8)
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HEADLESS      (1u << 12)
#define FADT_FLAGS_ALWAYS    (FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | \
                              FADT_F_FIX_RTC | FADT_F_HEADLESS)

/* IA-PC Boot Architecture Flags (5.2.9.3) */
#define BOOT_LEGACY_DEVICES       (1u << 0)
#define BOOT_VGA_NOT_PRESENT      (1u << 2)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* Generic Address Structure (5.2.3.2) */
#define GAS_SPACE_ID         0
#define GAS_BIT_WIDTH        1
#define GAS_ACCESS_SIZE      3
#define GAS_ADDRESS          4
#define GAS_SYSTEM_IO        1
#define GAS_ACCESS_BYTE      1
#define GAS_ACCESS_WORD      2
#define GAS_ACCESS_DWORD     3
#define BITS_PER_BYTE        8u
#define RESET_REG_LEN        1u /* RESET_REG: 8 bits wide, bit offset 0 (4.8.3.6) */

/* --- Firmware ACPI Control Structure (5.2.10) ---------------------------------------------- */
#define FACS_LEN             64
#define FACS_ALIGN           64
#define FACS_LENGTH          4
#define FACS_VERSION         32
#define FACS_VERSION_2       2

/* --- Multiple APIC Description Table (5.2.12) ---------------------------------------------- */
#define MADT_REVISION        6
#define MADT_LAPIC_ADDRESS   36
#define MADT_FLAGS           40
#define MADT_HEADER_LEN      44
#define MADT_PCAT_COMPAT     (1u << 0)

#define MADT_LAPIC           0 /* 5.2.12.2 */
#define MADT_LAPIC_LEN       8
#define MADT_IOAPIC          1 /* 5.2.12.3 */
#define MADT_IOAPIC_LEN      12
#define MADT_OVERRIDE        2 /* 5.2.12.5 */
#define MADT_OVERRIDE_LEN    10
#define MADT_LAPIC_NMI       4 /* 5.2.12.7 */
#define MADT_LAPIC_NMI_LEN   6
#define MADT_X2APIC          9 /* 5.2.12.12 */
#define MADT_X2APIC_LEN      16
#define MADT_X2APIC_NMI      10 /* 5.2.12.13 */
#define MADT_X2APIC_NMI_LEN  12
#define MADT_OVERRIDES       2 /* IRQ0 and the SCI */

#define LAPIC_ENABLED        (1u << 0)
#define NMI_ALL_UID          0xffu
#define X2APIC_NMI_ALL_UID   0xffffffffu
#define X2APIC_BROADCAST_ID  0xffffffffu
#define NMI_LINT1            1

/* MPS INTI flags (5.2.12.5): polarity in bits 1:0, trigger mode in bits 3:2. */
#define INTI_CONFORMS        0u
#define INTI_ACTIVE_HIGH     (1u << 0)
#define INTI_LEVEL           (3u << 2)
#define BUS_ISA              0
#define ISA_IRQS             16u
#define ISA_TIMER_IRQ        0u
#define ISA_TIMER_GSI        2u

/* --- Differentiated System Description Table (5.2.11.1) and AML (20.2) --------------------- */
#define DSDT_REVISION        2 /* 2 and up: AML integers are 64 bits */
#define AML_ZERO_OP          0x00 /* 20.2.3 Data Objects Encoding: ConstObj */
#define AML_ONE_OP           0x01
#define AML_NAME_OP          0x08 /* 20.2.5.1 Namespace Modifier Objects Encoding: DefName */
#define AML_BYTE_PREFIX      0x0a /* 20.2.3: ByteConst := BytePrefix ByteData */
#define AML_PACKAGE_OP       0x12 /* 20.2.5.4 Expression Opcodes Encoding: DefPackage */
#define AML_NAME_SEG         "_S5_" /* 20.2.2 Name Objects Encoding: NameSeg, '_'-padded */
#define AML_NAME_SEG_LEN     4
#define AML_PKG_LENGTH_LEN   1  /* 20.2.4: one byte, bits 7:6 zero, length in bits 5:0 */
#define AML_NUM_ELEMENTS_LEN 1
#define S5_ELEMENTS          4  /* SLP_TYPa, SLP_TYPb, reserved, reserved (7.4.2) */

#define TABLE_ALIGN          8u
#define PORT_SPACE           0x10000u

struct layout {
    uint64_t rsdp, facs, xsdt, fadt, madt, dsdt, end; /* offsets from base */
    uint32_t madt_len, dsdt_len;
};

/* --- refusing a desc ----------------------------------------------------------------------- */
static bool refuse(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool refuse(char *err, size_t err_size, const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        fmt_vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool check_cpus(const struct acpi_vm_desc *d, char *err, size_t n)
{
    if (d->ncpus == 0 || d->ncpus > ACPI_TABLES_MAX_CPUS)
        return refuse(err, n, "%u vCPUs: the ACPI tables describe 1 to %u", d->ncpus, ACPI_TABLES_MAX_CPUS);
    if (!d->apic_ids)
        return refuse(err, n, "no APIC IDs for the MADT");
    for (unsigned i = 0; i < d->ncpus; i++) {
        if (d->apic_ids[i] == X2APIC_BROADCAST_ID)
            return refuse(err, n, "vCPU %u: APIC ID 0xffffffff is the x2APIC broadcast", i);
        for (unsigned j = 0; j < i; j++)
            if (d->apic_ids[j] == d->apic_ids[i])
                return refuse(err, n, "vCPUs %u and %u share APIC ID %u", j, i, d->apic_ids[i]);
    }
    return true;
}

struct port_block {
    const char *name;
    uint32_t port, len; /* len 0: absent */
};

static bool check_ports(const struct acpi_vm_desc *d, char *err, size_t n)
{
    if (!d->pm1a_evt_port || !d->pm1a_cnt_port)
        return refuse(err, n, "the PM1a event and control blocks are required (ports 0x%x, 0x%x)",
                      d->pm1a_evt_port, d->pm1a_cnt_port);
    const struct port_block b[] = {
        { "PM1a_EVT", d->pm1a_evt_port, ACPI_PM1_EVT_LEN },
        { "PM1a_CNT", d->pm1a_cnt_port, ACPI_PM1_CNT_LEN },
        { "PM_TMR", d->pm_tmr_port, d->pm_tmr_port ? ACPI_PM_TMR_LEN : 0 },
        { "RESET_REG", d->reset_port, d->reset_port ? RESET_REG_LEN : 0 },
    };
    for (unsigned i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        if (b[i].len && b[i].port + b[i].len > PORT_SPACE)
            return refuse(err, n, "%s at port 0x%x runs past port 0xffff", b[i].name, b[i].port);
        for (unsigned j = 0; j < i; j++)
            if (b[i].len && b[j].len && b[i].port < b[j].port + b[j].len && b[j].port < b[i].port + b[i].len)
                return refuse(err, n, "%s at port 0x%x overlaps %s at port 0x%x", b[i].name, b[i].port,
                              b[j].name, b[j].port);
    }
    return true;
}

static bool check_platform(const struct acpi_vm_desc *d, char *err, size_t n)
{
    if (d->sci_irq == ISA_TIMER_IRQ || d->sci_irq == ISA_TIMER_GSI || d->sci_irq >= ISA_IRQS)
        return refuse(err, n, "SCI on ISA IRQ %u: it must be 1..15 and not 2 (IRQ0's pin)", d->sci_irq);
    if (d->s5_slp_typ > ACPI_SLP_TYP_MAX)
        return refuse(err, n, "S5 SLP_TYP %u does not fit in 3 bits", d->s5_slp_typ);
    if (!d->ioapic_addr)
        return refuse(err, n, "no I/O APIC address");
    return true;
}

static bool check_desc(const struct acpi_vm_desc *d, char *err, size_t n)
{
    if (!d)
        return refuse(err, n, "no VM description");
    return check_cpus(d, err, n) && check_ports(d, err, n) && check_platform(d, err, n);
}

/* --- sizes and layout ---------------------------------------------------------------------- */
static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool is_x2apic(uint32_t apic_id)
{
    return apic_id >= ACPI_X2APIC_ID_MIN;
}

/* How many vCPUs get a Processor Local x2APIC entry; the others get a Processor Local APIC one. */
static unsigned count_x2apics(const struct acpi_vm_desc *d)
{
    unsigned n = 0;
    for (unsigned i = 0; i < d->ncpus; i++)
        n += is_x2apic(d->apic_ids[i]);
    return n;
}

static uint32_t madt_len(const struct acpi_vm_desc *d)
{
    unsigned x2apics = count_x2apics(d), xapics = d->ncpus - x2apics;
    return MADT_HEADER_LEN + xapics * MADT_LAPIC_LEN + x2apics * MADT_X2APIC_LEN + MADT_IOAPIC_LEN +
           MADT_OVERRIDES * MADT_OVERRIDE_LEN + (xapics ? MADT_LAPIC_NMI_LEN : 0) +
           (x2apics ? MADT_X2APIC_NMI_LEN : 0);
}

/* An AML integer 0..255 as ZeroOp, OneOp or BytePrefix ByteData (20.2.3). */
static uint32_t aml_byte_len(uint8_t v)
{
    return v <= 1 ? 1 : 2;
}

/* PkgLength of the \_S5 package: itself, NumElements and the four elements (20.2.4). */
static uint32_t s5_pkg_len(uint8_t slp_typ)
{
    return AML_PKG_LENGTH_LEN + AML_NUM_ELEMENTS_LEN + 2 * aml_byte_len(slp_typ) + 2 * aml_byte_len(0);
}

static uint32_t dsdt_len(uint8_t slp_typ)
{
    return SDT_LEN + 1 /* NameOp */ + AML_NAME_SEG_LEN + 1 /* PackageOp */ + s5_pkg_len(slp_typ);
}

static void plan(const struct acpi_vm_desc *d, struct layout *l)
{
    l->madt_len = madt_len(d);
    l->dsdt_len = dsdt_len(d->s5_slp_typ);
    l->rsdp = 0;
    l->facs = align_up(l->rsdp + RSDP_LEN, FACS_ALIGN);
    l->xsdt = align_up(l->facs + FACS_LEN, TABLE_ALIGN);
    l->fadt = align_up(l->xsdt + XSDT_LEN, TABLE_ALIGN);
    l->madt = align_up(l->fadt + FADT_LEN, TABLE_ALIGN);
    l->dsdt = align_up(l->madt + l->madt_len, TABLE_ALIGN);
    l->end = l->dsdt + l->dsdt_len;
}

uint64_t acpi_tables_size(const struct acpi_vm_desc *d)
{
    struct layout l;
    if (!check_desc(d, NULL, 0))
        return 0;
    plan(d, &l);
    return l.end;
}

static bool check_space(const uint8_t *mem, uint64_t base, uint64_t size, uint64_t need, char *err, size_t n)
{
    if (!mem)
        return refuse(err, n, "no memory to write the ACPI tables to");
    if (!base || base % ACPI_TABLES_ALIGN)
        return refuse(err, n, "ACPI tables at 0x%llx: the base must be nonzero and %u-byte aligned",
                      (unsigned long long)base, ACPI_TABLES_ALIGN);
    if (size < need || base > UINT64_MAX - need)
        return refuse(err, n, "the ACPI tables need %llu bytes at 0x%llx, there are %llu",
                      (unsigned long long)need, (unsigned long long)base, (unsigned long long)size);
    return true;
}

/* --- writing ------------------------------------------------------------------------------- */
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A 32-bit address field: the address, or 0 when it lies above 4 GiB (then only the 64-bit
 * field names it). */
static uint32_t addr32(uint64_t gpa)
{
    return gpa <= UINT32_MAX ? (uint32_t)gpa : 0;
}

/* The byte at `at` that makes [p, p + len) sum to 0 (5.2.5.3, 5.2.6). */
static void set_checksum(uint8_t *p, uint32_t len, uint32_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (uint32_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

static void write_header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
    memcpy(t, sig, SIG_LEN);
    put32(t + SDT_LENGTH, len);
    t[SDT_REVISION] = revision;
    memcpy(t + SDT_OEM_ID, OEM_ID, OEM_ID_LEN);
    memcpy(t + SDT_OEM_TABLE_ID, OEM_TABLE_ID, OEM_TABLE_ID_LEN);
    put32(t + SDT_OEM_REVISION, OEM_REVISION);
    memcpy(t + SDT_CREATOR_ID, CREATOR_ID, SIG_LEN);
    put32(t + SDT_CREATOR_REVISION, CREATOR_REVISION);
}

/* The checksum over the whole table, once everything else is in it. */
static void finish_table(uint8_t *t, uint32_t len)
{
    set_checksum(t, len, SDT_CHECKSUM);
}

static void write_rsdp(uint8_t *p, uint64_t xsdt)
{
    memcpy(p, RSDP_SIGNATURE, RSDP_SIG_LEN);
    memcpy(p + RSDP_OEM_ID, OEM_ID, OEM_ID_LEN);
    p[RSDP_REVISION] = RSDP_REVISION_2;
    put32(p + RSDP_RSDT_ADDRESS, 0); /* no RSDT: OSes of ACPI 2.0 and later take the XSDT */
    put32(p + RSDP_LENGTH, RSDP_LEN);
    put64(p + RSDP_XSDT_ADDRESS, xsdt);
    /* The first 20 bytes sum to 0, then all 36: the extended checksum goes in last. */
    set_checksum(p, RSDP_V1_LEN, RSDP_CHECKSUM);
    set_checksum(p, RSDP_LEN, RSDP_EXT_CHECKSUM);
}

/* No checksum: the FACS has none (5.2.10).  Waking vectors, global lock and flags are 0. */
static void write_facs(uint8_t *p)
{
    memcpy(p, "FACS", SIG_LEN);
    put32(p + FACS_LENGTH, FACS_LEN);
    p[FACS_VERSION] = FACS_VERSION_2;
}

static void write_xsdt(uint8_t *t, uint64_t fadt, uint64_t madt)
{
    write_header(t, "XSDT", XSDT_LEN, XSDT_REVISION);
    put64(t + SDT_LEN, fadt);
    put64(t + SDT_LEN + XSDT_ENTRY_LEN, madt);
    finish_table(t, XSDT_LEN);
}

/* A register block in system I/O space (5.2.3.2), accessed `access` at a time. */
static void put_gas_io(uint8_t *g, uint16_t port, uint32_t len, uint8_t access)
{
    g[GAS_SPACE_ID] = GAS_SYSTEM_IO;
    g[GAS_BIT_WIDTH] = (uint8_t)(len * BITS_PER_BYTE);
    g[GAS_ACCESS_SIZE] = access;
    put64(g + GAS_ADDRESS, port);
}

/* DSDT and FACS: the 32-bit fields while the tables lie below 4 GiB; X_DSDT always,
 * X_FIRMWARE_CTRL only above 4 GiB ("used when the FACS is above 4GB", 5.2.9). */
static void fadt_addresses(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
    put32(t + FADT_FIRMWARE_CTRL, addr32(facs));
    put64(t + FADT_X_FIRMWARE_CTRL, addr32(facs) ? 0 : facs);
    put32(t + FADT_DSDT, addr32(dsdt));
    put64(t + FADT_X_DSDT, dsdt);
}

/* SCI and the fixed-hardware register blocks (4.8.3), each in its 32-bit field and its X_ GAS.
 * SMI_CMD stays 0 (no SMM: always in ACPI mode); PM1b, PM2 and the GPE blocks stay absent. */
static void fadt_pm_blocks(uint8_t *t, const struct acpi_vm_desc *d)
{
    put16(t + FADT_SCI_INT, d->sci_irq);
    put32(t + FADT_PM1A_EVT_BLK, d->pm1a_evt_port);
    t[FADT_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
    put_gas_io(t + FADT_X_PM1A_EVT_BLK, d->pm1a_evt_port, ACPI_PM1_EVT_LEN, GAS_ACCESS_WORD);
    put32(t + FADT_PM1A_CNT_BLK, d->pm1a_cnt_port);
    t[FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
    put_gas_io(t + FADT_X_PM1A_CNT_BLK, d->pm1a_cnt_port, ACPI_PM1_CNT_LEN, GAS_ACCESS_WORD);
    if (d->pm_tmr_port) {
        put32(t + FADT_PM_TMR_BLK, d->pm_tmr_port);
        t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
        put_gas_io(t + FADT_X_PM_TMR_BLK, d->pm_tmr_port, ACPI_PM_TMR_LEN, GAS_ACCESS_DWORD);
    }
}

static uint32_t fadt_flags(const struct acpi_vm_desc *d)
{
    return FADT_FLAGS_ALWAYS | (d->pm_tmr_port ? FADT_F_TMR_VAL_EXT : 0) |
           (d->reset_port ? FADT_F_RESET_REG_SUP : 0);
}

static uint16_t fadt_boot_arch(const struct acpi_vm_desc *d)
{
    return (uint16_t)(BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT | (d->cmos_rtc ? 0 : BOOT_CMOS_RTC_NOT_PRESENT));
}

static void fadt_features(uint8_t *t, const struct acpi_vm_desc *d)
{
    put16(t + FADT_P_LVL2_LAT, P_LVL2_NONE);
    put16(t + FADT_P_LVL3_LAT, P_LVL3_NONE);
    put16(t + FADT_IAPC_BOOT_ARCH, fadt_boot_arch(d));
    put32(t + FADT_FLAGS, fadt_flags(d));
    if (d->reset_port) {
        put_gas_io(t + FADT_RESET_REG, d->reset_port, RESET_REG_LEN, GAS_ACCESS_BYTE);
        t[FADT_RESET_VALUE] = d->reset_value;
    }
    t[FADT_MINOR_VERSION] = FADT_MINOR;
    memcpy(t + FADT_HYPERVISOR_ID, OEM_TABLE_ID, OEM_TABLE_ID_LEN);
}

static void write_fadt(uint8_t *t, const struct acpi_vm_desc *d, uint64_t facs, uint64_t dsdt)
{
    write_header(t, "FACP", FADT_LEN, FADT_REVISION);
    fadt_addresses(t, facs, dsdt);
    fadt_pm_blocks(t, d);
    fadt_features(t, d);
    finish_table(t, FADT_LEN);
}

/* --- MADT entries (5.2.12) ----------------------------------------------------------------- */
static uint8_t *madt_lapic(uint8_t *e, uint8_t uid, uint8_t apic_id)
{
    e[0] = MADT_LAPIC;
    e[1] = MADT_LAPIC_LEN;
    e[2] = uid;
    e[3] = apic_id;
    put32(e + 4, LAPIC_ENABLED);
    return e + MADT_LAPIC_LEN;
}

static uint8_t *madt_x2apic(uint8_t *e, uint32_t uid, uint32_t apic_id)
{
    e[0] = MADT_X2APIC;
    e[1] = MADT_X2APIC_LEN;
    put32(e + 4, apic_id);
    put32(e + 8, LAPIC_ENABLED);
    put32(e + 12, uid);
    return e + MADT_X2APIC_LEN;
}

/* One entry per vCPU in index order, the BSP first; the index is the ACPI processor UID. */
static uint8_t *madt_processors(uint8_t *e, const struct acpi_vm_desc *d)
{
    for (unsigned i = 0; i < d->ncpus; i++) {
        uint32_t id = d->apic_ids[i];
        e = is_x2apic(id) ? madt_x2apic(e, i, id) : madt_lapic(e, (uint8_t)i, (uint8_t)id);
    }
    return e;
}

static uint8_t *madt_ioapic(uint8_t *e, const struct acpi_vm_desc *d)
{
    e[0] = MADT_IOAPIC;
    e[1] = MADT_IOAPIC_LEN;
    e[2] = d->ioapic_id;
    put32(e + 4, d->ioapic_addr);
    put32(e + 8, 0); /* Global System Interrupt Base */
    return e + MADT_IOAPIC_LEN;
}

static uint8_t *madt_override(uint8_t *e, uint8_t isa_irq, uint32_t gsi, uint16_t inti_flags)
{
    e[0] = MADT_OVERRIDE;
    e[1] = MADT_OVERRIDE_LEN;
    e[2] = BUS_ISA;
    e[3] = isa_irq;
    put32(e + 4, gsi);
    put16(e + 8, inti_flags);
    return e + MADT_OVERRIDE_LEN;
}

/* LINT1 is NMI on every processor, in the entry type of each kind of processor entry present. */
static uint8_t *madt_nmis(uint8_t *e, bool xapics, bool x2apics)
{
    if (xapics) {
        e[0] = MADT_LAPIC_NMI;
        e[1] = MADT_LAPIC_NMI_LEN;
        e[2] = NMI_ALL_UID;
        put16(e + 3, INTI_CONFORMS);
        e[5] = NMI_LINT1;
        e += MADT_LAPIC_NMI_LEN;
    }
    if (x2apics) {
        e[0] = MADT_X2APIC_NMI;
        e[1] = MADT_X2APIC_NMI_LEN;
        put16(e + 2, INTI_CONFORMS);
        put32(e + 4, X2APIC_NMI_ALL_UID);
        e[8] = NMI_LINT1;
        e += MADT_X2APIC_NMI_LEN;
    }
    return e;
}

static void write_madt(uint8_t *t, uint32_t len, const struct acpi_vm_desc *d)
{
    unsigned x2apics = count_x2apics(d);
    write_header(t, "APIC", len, MADT_REVISION);
    put32(t + MADT_LAPIC_ADDRESS, ACPI_LAPIC_BASE);
    put32(t + MADT_FLAGS, d->pcat_compat ? MADT_PCAT_COMPAT : 0);
    uint8_t *e = madt_processors(t + MADT_HEADER_LEN, d);
    e = madt_ioapic(e, d);
    e = madt_override(e, ISA_TIMER_IRQ, ISA_TIMER_GSI, INTI_CONFORMS);
    e = madt_override(e, d->sci_irq, d->sci_irq, INTI_LEVEL | INTI_ACTIVE_HIGH);
    madt_nmis(e, x2apics < d->ncpus, x2apics > 0);
    finish_table(t, len);
}

/* --- DSDT ---------------------------------------------------------------------------------- */
static uint8_t *aml_byte(uint8_t *p, uint8_t v)
{
    if (v <= 1) {
        *p++ = v ? AML_ONE_OP : AML_ZERO_OP;
    } else {
        *p++ = AML_BYTE_PREFIX;
        *p++ = v;
    }
    return p;
}

/* The definition block is one object, the \_S5 sleep package (7.4.2):
 *     Name (_S5, Package () { typ, typ, Zero, Zero })
 * in AML (20.2): DefName := NameOp NameString DataRefObject, with NameString the NameSeg "_S5_"
 * (the DSDT's scope is the root, so iasl writes no RootChar either) and the object a
 * DefPackage := PackageOp PkgLength NumElements PackageElementList.  For typ = 5:
 *     08 '_' 'S' '5' '_' 12 08 04 0A 05 0A 05 00 00
 * PkgLength (8) counts itself, NumElements and the elements.  PM1b is absent, so SLP_TYPb is
 * never used; it repeats SLP_TYPa as iasl-compiled firmware tables do. */
static void write_dsdt(uint8_t *t, uint32_t len, uint8_t slp_typ)
{
    write_header(t, "DSDT", len, DSDT_REVISION);
    uint8_t *p = t + SDT_LEN;
    *p++ = AML_NAME_OP;
    memcpy(p, AML_NAME_SEG, AML_NAME_SEG_LEN);
    p += AML_NAME_SEG_LEN;
    *p++ = AML_PACKAGE_OP;
    *p++ = (uint8_t)s5_pkg_len(slp_typ); /* at most 8: the one-byte form */
    *p++ = S5_ELEMENTS;
    p = aml_byte(p, slp_typ);
    p = aml_byte(p, slp_typ);
    p = aml_byte(p, 0);
    aml_byte(p, 0);
    finish_table(t, len);
}

/* --- the builder --------------------------------------------------------------------------- */
static void report(struct acpi_tables_placed *placed, const struct layout *l, uint64_t base)
{
    if (!placed)
        return;
    placed->rsdp = base + l->rsdp;
    placed->xsdt = base + l->xsdt;
    placed->fadt = base + l->fadt;
    placed->facs = base + l->facs;
    placed->madt = base + l->madt;
    placed->dsdt = base + l->dsdt;
    placed->end = base + l->end;
}

uint64_t acpi_tables_build(const struct acpi_vm_desc *d, uint8_t *mem, uint64_t base, uint64_t size,
                           struct acpi_tables_placed *placed, char *err, size_t err_size)
{
    struct layout l;
    if (!check_desc(d, err, err_size))
        return 0;
    plan(d, &l);
    if (!check_space(mem, base, size, l.end, err, err_size))
        return 0;
    memset(mem, 0, (size_t)l.end);
    write_rsdp(mem + l.rsdp, base + l.xsdt);
    write_facs(mem + l.facs);
    write_xsdt(mem + l.xsdt, base + l.fadt, base + l.madt);
    write_fadt(mem + l.fadt, d, base + l.facs, base + l.dsdt);
    write_madt(mem + l.madt, l.madt_len, d);
    write_dsdt(mem + l.dsdt, l.dsdt_len, d->s5_slp_typ);
    report(placed, &l, base);
    return base + l.rsdp;
}
