/* The ACPI tables the guest sees (ACPI 6.5, chapter 5): RSDP, XSDT, FADT, FACS, MADT and a DSDT
 * whose only object is \_S5, laid out by the hypervisor in guest RAM so that an ACPI operating
 * system (Linux) finds its CPUs, its I/O APIC and how to power off.
 *
 *   RSDP (rev 2) --> XSDT --> FADT (6.5) --> DSDT: Name (_S5, Package () {typ, typ, 0, 0})
 *                         |              \--> FACS
 *                         \-> MADT: LAPIC or x2APIC per vCPU, I/O APIC, ISA overrides, LINT1 NMI
 *
 * What the tables promise, and so what the hypervisor must emulate:
 *  - a full-hardware (not hardware-reduced) ACPI platform that is always in ACPI mode: SMI_CMD is
 *    0, so the OS never tries to enable ACPI; PM1a_CNT reads with SCI_EN set;
 *  - PM1a event block (PM1_STS, write 1 to clear; PM1_EN, read/write) and PM1a control block
 *    (SLP_TYP and SLP_EN: writing SLP_EN with SLP_TYP = s5_slp_typ means soft off);
 *  - optionally a 32-bit PM timer at ACPI_PM_TIMER_HZ, and a one-byte reset register;
 *  - no power or sleep button, no RTC wake in fixed registers, no GPE blocks, no SMM, no 8042,
 *    no VGA; a CMOS RTC and a dual 8259 only where the desc says so;
 *  - one I/O APIC serving GSIs 0 and up: ISA IRQ n on its pin n, but IRQ0 on pin 2 (as QEMU
 *    does), and the SCI on pin sci_irq, level-triggered, active high;
 *  - local APICs at ACPI_LAPIC_BASE, LINT1 of every processor wired to NMI.
 * The DSDT declares no processor objects: CPUs are enumerated from the MADT alone. */
#ifndef VMM_DEV_ACPI_TABLES_H
#define VMM_DEV_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_LAPIC_BASE        0xfee00000u /* MADT Local Interrupt Controller Address */
#define ACPI_IOAPIC_BASE       0xfec00000u /* the usual I/O APIC address, a value for ioapic_addr */
#define ACPI_TABLES_MAX_CPUS   255u        /* processor UIDs 0..254: UID 0xFF means "all" (5.2.12.7) */
#define ACPI_TABLES_ALIGN      64u         /* base alignment: the FACS must be 64-byte aligned (5.2.10) */
#define ACPI_X2APIC_ID_MIN     255u        /* APIC IDs from here on get a Processor Local x2APIC entry */

/* The fixed-hardware registers the FADT names (ACPI 6.5, 4.8.3), for the device that emulates
 * them: block lengths in bytes, and the PM1 control bits. */
#define ACPI_PM1_EVT_LEN            4u    /* PM1_STS (2 bytes) then PM1_EN (2 bytes), 4.8.3.1 */
#define ACPI_PM1_CNT_LEN            2u    /* 4.8.3.2 */
#define ACPI_PM_TMR_LEN             4u    /* 4.8.3.3; 32 bits wide here (FADT TMR_VAL_EXT) */
#define ACPI_PM_TIMER_HZ            3579545u
#define ACPI_PM1_CNT_SCI_EN         (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT  10u   /* SLP_TYP in bits 12:10 */
#define ACPI_PM1_CNT_SLP_TYP_MASK   (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN         (1u << 13)
#define ACPI_SLP_TYP_MAX            7u

struct acpi_vm_desc {
    unsigned ncpus;            /* 1..ACPI_TABLES_MAX_CPUS */
    const uint32_t *apic_ids;  /* ncpus distinct IDs; index i is ACPI processor UID i, index 0 the
                                  BSP (listed first).  IDs < 255 get a Processor Local APIC entry,
                                  the others a Processor Local x2APIC entry (5.2.12.12 says so);
                                  0xFFFFFFFF (broadcast) is refused */
    uint32_t ioapic_addr;      /* nonzero; GSI base 0 (the ISA IRQs live on its first 16 pins) */
    uint8_t ioapic_id;
    uint8_t sci_irq;           /* ISA IRQ 1..15 but not 2 (IRQ0's pin); also its GSI; usually 9 */
    uint16_t pm1a_evt_port;    /* required: [port, port + ACPI_PM1_EVT_LEN) */
    uint16_t pm1a_cnt_port;    /* required: [port, port + ACPI_PM1_CNT_LEN) */
    uint16_t pm_tmr_port;      /* 0: no PM timer; else [port, port + ACPI_PM_TMR_LEN) */
    uint16_t reset_port;       /* 0: no reset register; else writing reset_value there resets */
    uint8_t reset_value;
    uint8_t s5_slp_typ;        /* 0..7: SLP_TYP for S5 in \_S5 (both SLP_TYPa and SLP_TYPb) */
    bool pcat_compat;          /* MADT PCAT_COMPAT: a dual 8259 is emulated */
    bool cmos_rtc;             /* an MC146818 RTC answers at ports 0x70/0x71 (else the FADT says
                                  "CMOS RTC Not Present") */
};

/* Where acpi_tables_build put each table (guest-physical); [base, end) is what it wrote. */
struct acpi_tables_placed {
    uint64_t rsdp, xsdt, fadt, facs, madt, dsdt;
    uint64_t end;
};

/* Bytes the tables for d take from an ACPI_TABLES_ALIGN-aligned base, or 0 if d is refused. */
uint64_t acpi_tables_size(const struct acpi_vm_desc *d);

/* Lays the tables out in guest-physical [base, base + size), which the caller maps at mem
 * (mem[0] is guest-physical base), and returns the RSDP's guest-physical address (at base).
 * base must be nonzero and ACPI_TABLES_ALIGN-aligned.  Writes exactly [base, base +
 * acpi_tables_size(d)), zeroing what it does not fill; placed may be NULL.  Table addresses
 * above 4 GiB go only into the 64-bit fields.  On a bad desc or too little space it returns 0,
 * writes nothing to mem, and puts the reason in err (if err_size > 0). */
uint64_t acpi_tables_build(const struct acpi_vm_desc *d, uint8_t *mem, uint64_t base, uint64_t size,
                           struct acpi_tables_placed *placed, char *err, size_t err_size);

#endif
