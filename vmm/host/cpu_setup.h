/* Descriptor tables and per-CPU registers for a CPU entering hypervisor code. */
#ifndef VMM_HOST_CPU_SETUP_H
#define VMM_HOST_CPU_SETUP_H

#include "vmm/host/percpu.h"

#define GDT_CODE64 0x08
#define GDT_DATA   0x10
#define GDT_TSS    0x18

/* Fills the shared IDT once (exception vectors 0-31, every other vector returning at once);
 * call on the BSP first. */
void idt_init(void);
/* Vector's gate ends the interrupt in the LAPIC (irq_eoi_return); for the IPIs that wake a CPU. */
void idt_set_eoi_vector(uint8_t vector);
/* Loads this CPU's GDT, TSS, the IDT and GS base (gs:0 = pc). */
void cpu_setup(struct percpu *pc);

#endif
