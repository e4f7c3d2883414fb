/* The PC platform around the vCPUs that an operating system such as Linux expects (docs/design.md
 * "The platform"): ACPI tables in guest RAM, the I/O APIC at 0xFEC00000, the 8254 PIT with port
 * 0x61, the 8259A pair, the CMOS RTC, COM1 with its interrupt, the ACPI PM1 and PM timer ports,
 * and QEMU's fw_cfg.  The device models are plain C in vmm/dev/; this is where the VM owns them:
 * one instance per VM behind one lock, I/O ports and MMIO routed to them, their interrupt lines
 * wired to the I/O APIC (and the PIC), the I/O APIC's messages handed to the local APICs
 * (apic_deliver_msg, vmm/apic_virt.h), and level-triggered EOIs brought back.
 *
 * Called by vmm/vm_hv.c (platform_init), vmm/exits_hv.c (I/O and EPT-violation exits) and
 * vmm/apic_virt_hv.c (before each VM entry, EOIs of level-triggered vectors). */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Builds the devices of vm (its vCPUs, RAM and options are set) and writes the ACPI tables into
 * guest RAM.  *rsdp: the RSDP's guest-physical address for boot_params (0 when there are no
 * tables).  Returns 0, or -1 after printing why. */
int platform_init(struct vm *vm, uint64_t *rsdp);

/* An IN or OUT of size bytes (1, 2, 4) on port from vCPU v.  Returns false when no device of the
 * platform has the port (the caller then acts as an empty bus); otherwise *value is what an IN
 * reads (low size bytes) or holds what an OUT writes. */
bool platform_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value);

/* At power-off: prints COM1's pending partial line if v wrote it last (with v's prefix). */
void platform_com1_flush(struct vcpu *v);

/* Guest-physical MMIO of the platform's devices (the I/O APIC page). */
bool platform_mmio_claims(const struct vm *vm, uint64_t gpa);
uint64_t platform_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size);
void platform_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t value);

/* Before each VM entry of v: brings the devices up to the present (raising due interrupt lines,
 * e.g. the PIT's IRQ0 on vCPU 0) and returns the guest TSC at which a device needs attention
 * next (0: none), which the caller makes a VM exit come at. */
uint64_t platform_poll(struct vcpu *v);

/* The guest ended a level-triggered interrupt (its TMR bit was set) with an EOI on v. */
void platform_eoi(struct vcpu *v, uint8_t vector);

/* The vectors whose EOIs must exit (the level-triggered I/O APIC vectors, SDM 29.1.4), ORed
 * into bitmap[4] (bitmap[0]: vectors 0-63), and a number that changes whenever they may have
 * changed. */
uint32_t platform_eoi_exit_vectors(const struct vm *vm, uint64_t bitmap[4]);

#endif
