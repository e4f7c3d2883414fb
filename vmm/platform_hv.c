/* The VM's PC platform (vmm/platform.h, docs/design.md "The platform"): the device models of
 * vmm/dev/ behind one lock, their ports and MMIO, their interrupt lines, and their clocks.
 *
 *   PIT counter 0 OUT ---- IRQ0 --+--> PIC IR0 (masked by Linux; no ExtINT delivery)
 *                                 +--> I/O APIC pin 2 (the MADT's ISA override)
 *   COM1 INTR (OUT2 gated) IRQ4 --+--> PIC IR4, I/O APIC pin 4 (edge, ISA default)
 *   PM1 STS & EN --------- SCI ---+--> PIC IR9, I/O APIC pin 9 (level, active high in the MADT)
 *   I/O APIC messages ------------> apic_deliver_msg; EOIs of its level vectors -> ioapic_eoi
 *
 * One VM per boot, so the platform lives in static storage.  Every device access, from any
 * vCPU, runs under the platform's lock: the models are plain C without locking.  The lock is
 * taken before reading the clock, so that the time the models see never goes backwards. */
#include "vmm/platform.h"

#include <string.h>

#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "vmm/apic_virt.h"
#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/acpi_tables.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/dev/guest_serial.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/pic.h"
#include "vmm/dev/pit.h"
#include "vmm/dev/rtc.h"
#include "vmm/exits.h"
#include "vmm/host/tsc.h"
#include "vmm/linux_boot.h"
#include "vmm/platform_clock.h"
#include "vmm/vcpu_events.h"

/* The tables go at the start of the BIOS read-only area [0xE0000, 1 MiB), where an OS without
 * boot_params.acpi_rsdp_addr also looks for the RSDP (ACPI 6.5, 5.2.5.1); Linux guests have
 * [0x9F000, 1 MiB) reserved in their e820 map (vmm/linux_boot.h). */
#define ACPI_TABLES_GPA 0xe0000u
#define ACPI_TABLES_END LINUX_HIGH_BASE

#define IOAPIC_ID    0 /* as QEMU's; below 16 (the ID register has 4 bits) */
#define ISA_IRQ_PIT  0
#define ISA_IRQ_COM1 4 /* COM1's ISA default */
#define ISA_IRQ_SCI  9 /* where PC chipsets route the SCI; also its GSI (acpi_tables.h) */
#define IRQ0_PIN     2 /* ISA IRQ0 on I/O APIC pin 2: the MADT's interrupt source override */
#define FLOATING_BUS 0xffu

struct platform {
    spinlock_t lock;
    struct vm *vm;
    struct platform_clock clock;
    struct ioapic ioapic;
    struct pic pic;
    struct pit pit;
    uint64_t irq0_tick;      /* the PIT tick of the next IRQ0 edge; 0: none coming */
    struct rtc rtc;
    struct guest_serial com1;
    unsigned com1_writer;    /* the vCPU that wrote COM1 last (the owner of a partial line) */
    struct acpi_pm pm;
    struct fw_cfg fw_cfg;
    /* The I/O APIC's EOI-exit vectors as last published for lock-free readers: a sequence count,
     * odd while the copy is being written (a seqlock). */
    uint32_t eoi_seq, eoi_generation;
    uint64_t eoi_bitmap[4];
};

static struct platform the_platform;

/* --- time --------------------------------------------------------------------------------------- */
static uint64_t elapsed_now(struct platform *p)
{
    return platform_clock_elapsed(&p->clock, rdtsc());
}

static uint64_t pit_tick(const struct platform *p, uint64_t elapsed)
{
    return platform_clock_ticks(&p->clock, elapsed, PIT_HZ);
}

static uint64_t pm_tick(const struct platform *p, uint64_t elapsed)
{
    return platform_clock_ticks(&p->clock, elapsed, ACPI_PM_TIMER_HZ);
}

/* The RTC's clock: seconds since the platform was built; the RTC's offset makes it the host's
 * wall time (seed_rtc). */
static uint64_t rtc_seconds(const struct platform *p, uint64_t elapsed)
{
    return platform_clock_ticks(&p->clock, elapsed, 1);
}

/* --- the lock, and the EOI-exit vectors published when it drops --------------------------------- */
static struct platform *platform_lock(const struct vm *vm)
{
    spin_lock(&vm->platform->lock);
    return vm->platform;
}

/* Writer side of the seqlock: the copy changes only here, under the platform lock. */
static bool publish_eoi_exit(struct platform *p)
{
    uint32_t generation = ioapic_eoi_exit_generation(&p->ioapic);
    if (generation == p->eoi_generation)
        return false;
    uint64_t bitmap[4] = { 0 };
    ioapic_eoi_exit_bitmap(&p->ioapic, bitmap);
    uint32_t seq = p->eoi_seq;
    __atomic_store_n(&p->eoi_seq, seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    for (unsigned i = 0; i < 4; i++)
        __atomic_store_n(&p->eoi_bitmap[i], bitmap[i], __ATOMIC_RELAXED);
    __atomic_store_n(&p->eoi_generation, generation, __ATOMIC_RELAXED);
    __atomic_store_n(&p->eoi_seq, seq + 2, __ATOMIC_RELEASE);
    return true;
}

/* Every change to the I/O APIC is published before the lock drops.  When its level vectors
 * changed, every other vCPU is made to exit, so that it loads the new EOI-exit bitmap at its next
 * entry rather than whenever it next exits (KVM's KVM_REQ_SCAN_IOAPIC does the same). */
static void platform_unlock(struct platform *p)
{
    bool moved = publish_eoi_exit(p);
    spin_unlock(&p->lock);
    for (unsigned i = 0; moved && i < p->vm->nvcpus; i++)
        if (p->vm->vcpus[i].ready)
            vcpu_kick(&p->vm->vcpus[i]);
}

/* --- interrupt lines ---------------------------------------------------------------------------- */
static void ioapic_deliver(void *ctx, const struct ioapic_msg *m)
{
    apic_deliver_msg(((struct platform *)ctx)->vm, m->dest, m->logical, m->delivery_mode, m->vector);
}

/* An ISA interrupt line goes to both controllers, as on a PC: the PIC's input of the same number
 * and the I/O APIC pin the MADT maps it to. */
static void set_isa_irq(struct platform *p, unsigned irq, bool level)
{
    pic_set_irq(&p->pic, irq, level);
    ioapic_set_irq(&p->ioapic, irq == ISA_IRQ_PIT ? IRQ0_PIN : irq, level);
}

/* IRQ0 is an edge: the PIC keeps it in its IRR, the I/O APIC delivers on the rise. */
static void pulse_isa_irq(struct platform *p, unsigned irq)
{
    set_isa_irq(p, irq, true);
    set_isa_irq(p, irq, false);
}

static void update_sci(struct platform *p)
{
    set_isa_irq(p, ISA_IRQ_SCI, acpi_pm_sci(&p->pm));
}

/* --- I/O ports ---------------------------------------------------------------------------------- */
static bool port_claimed(uint16_t port)
{
    return pit_claims(port) || pic_claims(port) || rtc_claims(port) || guest_serial_claims(port) ||
           acpi_pm_claims(port) || fw_cfg_claims(port);
}

/* A PIT write may reprogram counter 0: its next IRQ0 edge is asked again, and vCPU 0, which
 * raises it (platform_poll), is kicked so that it arms its timer for the new edge now. */
static void pit_io(struct platform *p, struct vcpu *v, uint16_t port, bool in, uint8_t *b, uint64_t elapsed)
{
    uint64_t tick = pit_tick(p, elapsed);
    if (in) {
        *b = pit_read(&p->pit, port, tick);
        return;
    }
    pit_write(&p->pit, port, *b, tick);
    uint64_t next = pit_next_irq0(&p->pit, tick);
    if (next != p->irq0_tick && v->id != 0)
        vcpu_kick(&p->vm->vcpus[0]);
    p->irq0_tick = next;
}

/* COM1 is one UART for the VM, and its output one stream of lines: an operating system sends a
 * line's bytes from whichever CPU runs its driver at the time (Linux's 8250 driver from the
 * writer and from the THRE interrupt handler, on different CPUs), so the UART's own line buffer
 * collects them and the line carries the number of the vCPU that ended it.  A guest whose CPUs
 * write COM1 at once without a lock gets their bytes interleaved, as on a PC.  The IRQ4 line
 * follows the UART after every access. */
static void com1_io(struct platform *p, struct vcpu *v, uint16_t port, bool in, uint8_t *b)
{
    if (in) {
        *b = guest_serial_read(&p->com1, port);
    } else {
        guest_serial_write(&p->com1, port, *b, v->id, guest_line_sink, 0);
        p->com1_writer = v->id;
    }
    set_isa_irq(p, ISA_IRQ_COM1, guest_serial_irq_level(&p->com1));
}

/* Returns true when the write asks for soft off. */
static bool pm_io(struct platform *p, uint16_t port, bool in, uint8_t *b, uint64_t elapsed)
{
    uint64_t tick = pm_tick(p, elapsed);
    bool off = false;
    if (in)
        *b = acpi_pm_read(&p->pm, port, tick);
    else
        off = acpi_pm_write(&p->pm, port, *b, tick);
    update_sci(p);
    return off;
}

/* One byte of an access, to whichever device decodes its port (FLOATING_BUS where none does).
 * Returns true when it asks for soft off. */
static bool io_byte(struct platform *p, struct vcpu *v, uint16_t port, bool in, uint8_t *b, uint64_t elapsed)
{
    if (pit_claims(port)) {
        pit_io(p, v, port, in, b, elapsed);
    } else if (pic_claims(port)) {
        if (in)
            *b = pic_read(&p->pic, port);
        else
            pic_write(&p->pic, port, *b);
    } else if (rtc_claims(port)) {
        if (in)
            *b = rtc_read(&p->rtc, port, rtc_seconds(p, elapsed));
        else
            rtc_write(&p->rtc, port, *b, rtc_seconds(p, elapsed));
    } else if (guest_serial_claims(port)) {
        com1_io(p, v, port, in, b);
    } else if (acpi_pm_claims(port)) {
        return pm_io(p, port, in, b, elapsed);
    } else if (fw_cfg_claims(port)) {
        if (in)
            *b = (uint8_t)fw_cfg_read(&p->fw_cfg, port, 1);
        else
            fw_cfg_write(&p->fw_cfg, port, 1, *b);
    } else if (in) {
        *b = FLOATING_BUS;
    }
    return false;
}

static bool any_port_claimed(uint16_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (port_claimed((uint16_t)(port + i)))
            return true;
    return false;
}

/* fw_cfg takes its accesses whole (its selector is a 16-bit register).  Every other device here
 * is an 8-bit ISA device: a wider access reaches it as byte accesses at consecutive ports, lowest
 * first, as the ISA bus splits it (and as QEMU's 1-byte I/O regions do). */
bool platform_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value)
{
    if (!any_port_claimed(port, size))
        return false;
    struct platform *p = platform_lock(v->vm);
    uint64_t elapsed = elapsed_now(p);
    bool off = false;
    if (fw_cfg_claims(port)) {
        if (in)
            *value = fw_cfg_read(&p->fw_cfg, port, size);
        else
            fw_cfg_write(&p->fw_cfg, port, size, *value);
    } else {
        uint32_t result = 0;
        for (unsigned i = 0; i < size; i++) {
            uint8_t b = (uint8_t)(*value >> (i * 8));
            off |= io_byte(p, v, (uint16_t)(port + i), in, &b, elapsed);
            result |= (uint32_t)b << (i * 8);
        }
        if (in)
            *value = result;
    }
    platform_unlock(p);
    if (off)
        vm_power_off(v->vm, 0, "ACPI S5");
    return true;
}

void platform_com1_flush(struct vcpu *v)
{
    struct platform *p = platform_lock(v->vm);
    if (p->com1_writer == v->id)
        guest_serial_flush(&p->com1, v->id, guest_line_sink, 0);
    platform_unlock(p);
}

/* --- MMIO: the I/O APIC page -------------------------------------------------------------------- */
bool platform_mmio_claims(const struct vm *vm, uint64_t gpa)
{
    (void)vm;
    return gpa >= ACPI_IOAPIC_BASE && gpa < ACPI_IOAPIC_BASE + IOAPIC_MMIO_SIZE;
}

/* The 82093AA's registers are 32 bits wide and software must access them as such (datasheet
 * 3.0); other accesses read 0 and are dropped (vmm/dev/ioapic.h). */
static bool ioapic_access(uint64_t gpa, unsigned size)
{
    return size == 4 && gpa % 4 == 0;
}

uint64_t platform_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
    if (!ioapic_access(gpa, size))
        return 0;
    struct platform *p = platform_lock(v->vm);
    uint32_t value = ioapic_mmio_read(&p->ioapic, (uint32_t)(gpa - ACPI_IOAPIC_BASE));
    platform_unlock(p);
    return value;
}

void platform_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t value)
{
    if (!ioapic_access(gpa, size))
        return;
    struct platform *p = platform_lock(v->vm);
    ioapic_mmio_write(&p->ioapic, (uint32_t)(gpa - ACPI_IOAPIC_BASE), (uint32_t)value);
    platform_unlock(p);
}

/* --- time-driven interrupts, EOIs --------------------------------------------------------------- */
static uint64_t earlier(uint64_t a, uint64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* vCPU 0 keeps the devices' time: each IRQ0 edge that has come is raised (edges that passed while
 * it was late are one edge, as on a PC whose interrupt controller is not fast enough), and
 * TMR_STS is brought up to date.  The answer is the host TSC of the next edge or SCI. */
static uint64_t advance_devices(struct platform *p)
{
    uint64_t elapsed = elapsed_now(p), tick = pit_tick(p, elapsed);
    if (p->irq0_tick && tick >= p->irq0_tick) {
        pulse_isa_irq(p, ISA_IRQ_PIT);
        p->irq0_tick = pit_next_irq0(&p->pit, tick);
    }
    acpi_pm_advance(&p->pm, pm_tick(p, elapsed));
    update_sci(p);
    uint64_t irq0 = p->irq0_tick ? platform_clock_tsc_at(&p->clock, p->irq0_tick, PIT_HZ) : 0;
    uint64_t sci_tick = acpi_pm_next_sci(&p->pm);
    uint64_t sci = sci_tick ? platform_clock_tsc_at(&p->clock, sci_tick, ACPI_PM_TIMER_HZ) : 0;
    return earlier(irq0, sci);
}

uint64_t platform_poll(struct vcpu *v)
{
    if (v->id != 0)
        return 0;
    struct platform *p = platform_lock(v->vm);
    uint64_t host_deadline = advance_devices(p);
    platform_unlock(p);
    return host_deadline ? host_deadline + v->tsc_offset : 0; /* in v's guest TSC */
}

void platform_eoi(struct vcpu *v, uint8_t vector)
{
    struct platform *p = platform_lock(v->vm);
    ioapic_eoi(&p->ioapic, vector);
    platform_unlock(p);
}

/* Reader side of the seqlock: called before every VM entry of every vCPU, so it takes no lock. */
uint32_t platform_eoi_exit_vectors(const struct vm *vm, uint64_t bitmap[4])
{
    const struct platform *p = vm->platform;
    uint64_t copy[4];
    uint32_t seq, generation;
    do {
        seq = __atomic_load_n(&p->eoi_seq, __ATOMIC_ACQUIRE);
        for (unsigned i = 0; i < 4; i++)
            copy[i] = __atomic_load_n(&p->eoi_bitmap[i], __ATOMIC_RELAXED);
        generation = __atomic_load_n(&p->eoi_generation, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((seq & 1) || seq != __atomic_load_n(&p->eoi_seq, __ATOMIC_RELAXED));
    for (unsigned i = 0; i < 4; i++)
        bitmap[i] |= copy[i];
    return generation;
}

/* --- building it -------------------------------------------------------------------------------- */
#define HOST_RTC_INDEX  0x70
#define HOST_RTC_DATA   0x71
#define CMOS_A          0x0a
#define CMOS_B          0x0b
#define CMOS_CENTURY    0x32
#define CMOS_A_UIP      0x80
#define CMOS_B_SET      0x80
#define CMOS_B_FORMAT   0x06 /* DM (binary) and 24/12 */
#define CMOS_B_24H      0x02 /* what PC firmware leaves: 24-hour BCD */
#define CMOS_B_BINARY   0x04
#define RTC_UPDATE_US   2000 /* UIP lasts at most 244 us + 1984 us (MC146818A, register A) */

/* The clock and calendar bytes, in register B's format. */
static const uint8_t cmos_time_regs[] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, CMOS_CENTURY };
#define CMOS_TIME_REGS (sizeof(cmos_time_regs) / sizeof(cmos_time_regs[0]))

static uint8_t host_cmos(uint8_t reg)
{
    outb(HOST_RTC_INDEX, reg);
    return inb(HOST_RTC_DATA);
}

/* The host's RTC, read between two update cycles: after UIP falls the registers are stable for
 * at least 244 us (MC146818A, register A), and a seconds byte that changed meanwhile means
 * reading again.  The hypervisor owns the chipset after ExitBootServices; nothing else reads it. */
static void read_host_clock(uint8_t time[CMOS_TIME_REGS])
{
    for (unsigned attempt = 0; attempt < 3; attempt++) {
        uint64_t start = rdtsc();
        while ((host_cmos(CMOS_A) & CMOS_A_UIP) && !tsc_elapsed_us(start, RTC_UPDATE_US))
            cpu_relax();
        for (unsigned i = 0; i < CMOS_TIME_REGS; i++)
            time[i] = host_cmos(cmos_time_regs[i]);
        if (host_cmos(cmos_time_regs[0]) == time[0])
            return;
    }
}

static void guest_cmos_write(struct rtc *r, uint8_t reg, uint8_t value)
{
    rtc_write(r, RTC_PORT_INDEX, reg, 0);
    rtc_write(r, RTC_PORT_DATA, value, 0);
}

/* The guest's clock starts at the host's: the host's bytes are set into the guest's RTC the way
 * a guest sets its time (SET, the bytes in the host's format, SET cleared at time 0), then
 * register B takes the firmware default.  A century byte outside 19-20 (chipsets that keep the
 * century elsewhere) is taken as 20. */
static void seed_rtc(struct rtc *r)
{
    uint8_t time[CMOS_TIME_REGS];
    uint8_t format = host_cmos(CMOS_B) & CMOS_B_FORMAT;
    read_host_clock(time);
    uint8_t century = time[CMOS_TIME_REGS - 1];
    bool binary = format & CMOS_B_BINARY;
    if (binary ? century != 19 && century != 20 : century != 0x19 && century != 0x20)
        time[CMOS_TIME_REGS - 1] = binary ? 20 : 0x20;
    rtc_init(r);
    guest_cmos_write(r, CMOS_B, format | CMOS_B_SET);
    for (unsigned i = 0; i < CMOS_TIME_REGS; i++)
        guest_cmos_write(r, cmos_time_regs[i], time[i]);
    guest_cmos_write(r, CMOS_B, format);
    guest_cmos_write(r, CMOS_B, CMOS_B_24H);
    rtc_write(r, RTC_PORT_INDEX, 0, 0);
}

/* The tables of acpi_tables.h, promising what this file emulates. */
static int write_acpi_tables(struct vm *vm, uint64_t *rsdp)
{
    uint32_t apic_ids[APICVISOR_MAX_CPUS];
    for (unsigned i = 0; i < vm->nvcpus; i++)
        apic_ids[i] = vm->vcpus[i].apic_id;
    const struct acpi_vm_desc d = {
        .ncpus = vm->nvcpus, .apic_ids = apic_ids, .ioapic_addr = ACPI_IOAPIC_BASE, .ioapic_id = IOAPIC_ID,
        .sci_irq = ISA_IRQ_SCI, .pm1a_evt_port = ACPI_PM1A_EVT_PORT, .pm1a_cnt_port = ACPI_PM1A_CNT_PORT,
        .pm_tmr_port = ACPI_PM_TMR_PORT, .s5_slp_typ = ACPI_PM_S5_SLP_TYP, .pcat_compat = true, .cmos_rtc = true,
    };
    uint64_t room = ACPI_TABLES_END - ACPI_TABLES_GPA;
    uint8_t *mem = guest_ram_ptr(vm, ACPI_TABLES_GPA, room);
    char err[160] = "guest RAM ends below 1 MiB";
    *rsdp = mem ? acpi_tables_build(&d, mem, ACPI_TABLES_GPA, room, 0, err, sizeof(err)) : 0;
    if (!*rsdp) {
        kprintf("platform: cannot write the ACPI tables: %s\n", err);
        return -1;
    }
    return 0;
}

static void init_devices(struct platform *p, struct vm *vm)
{
    memset(p, 0, sizeof(*p)); /* the zeroed UART is COM1 after reset (guest_serial.h) */
    p->vm = vm;
    platform_clock_init(&p->clock, rdtsc(), tsc_get_khz() * 1000);
    ioapic_init(&p->ioapic, IOAPIC_ID);
    p->ioapic.deliver = ioapic_deliver;
    p->ioapic.ctx = p;
    pic_init(&p->pic);
    pit_init(&p->pit);
    seed_rtc(&p->rtc);
    acpi_pm_init(&p->pm);
    fw_cfg_init(&p->fw_cfg, vm->ram_size, (uint16_t)vm->nvcpus);
}

int platform_init(struct vm *vm, uint64_t *rsdp)
{
    init_devices(&the_platform, vm);
    vm->platform = &the_platform;
    *rsdp = 0;
    if (vm->linux_guest && write_acpi_tables(vm, rsdp))
        return -1;
    char tables[64] = "no ACPI tables (Multiboot guest)";
    if (*rsdp)
        fmt_snprintf(tables, sizeof(tables), "ACPI tables at 0x%x (RSDP 0x%lx)", ACPI_TABLES_GPA, (unsigned long)*rsdp);
    kprintf("platform: %s, I/O APIC at 0x%x (ID %u), PIT (IRQ0 on pin %u), PIC, RTC, COM1 (IRQ %u), PM1 0x%x, "
            "PM timer 0x%x, SCI IRQ %u, fw_cfg 0x%x\n", tables, ACPI_IOAPIC_BASE, IOAPIC_ID, IRQ0_PIN, ISA_IRQ_COM1,
            ACPI_PM_BASE, ACPI_PM_TMR_PORT, ISA_IRQ_SCI, FW_CFG_PORT_SEL);
    return 0;
}
