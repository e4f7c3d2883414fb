/* Interrupt acceptance in software (SDM Vol. 3A 11.8.3-11.8.5): what virtual-interrupt delivery
 * does in the CPU (Vol. 3C 30.2 "Evaluation and Delivery of Virtual Interrupts", 30.1.2-3 "TPR,
 * EOI and PPR virtualization"), done by the hypervisor at the levels without it (apicv=tpr and
 * apicv=off).  Plain functions of the page: the register model is the same at every level, only
 * who runs these differs.  The caller owns the page (vapic_regs.h). */
#ifndef VLAPIC_IRQ_H
#define VLAPIC_IRQ_H

#include <stdint.h>

#include "vlapic/vapic_regs.h"

/* The vector the APIC would dispatch next: the highest in the IRR whose priority class (bits
 * 7:4) is above the PPR's class (SDM 11.8.3.1, 11.8.4), or -1. */
int vlapic_deliverable(const struct vapic_page *page);

/* The CPU accepted vector (the INTA cycle, SDM 11.8.4): its IRR bit moves to the ISR and the PPR
 * follows. */
void vlapic_ack(struct vapic_page *page, uint8_t vector);

/* An EOI (SDM 11.8.5): clears the highest-priority ISR bit and updates the PPR.  Returns the
 * vector it ended, or -1 when nothing was in service.  Its TMR bit says whether the interrupt
 * was level-triggered (the caller broadcasts the EOI to the I/O APIC then). */
int vlapic_eoi(struct vapic_page *page);

/* A write of the TPR (bits 7:0; 31:8 are reserved): stores it and updates the PPR. */
void vlapic_set_tpr(struct vapic_page *page, uint32_t tpr);

/* The TPR threshold that makes a TPR shadow exit exactly when lowering the TPR unblocks the
 * highest requested interrupt (SDM 29.1.2 "TPR Threshold"; KVM's update_cr8_intercept): that
 * interrupt's priority class when the TPR alone holds it back, else 0.  Always <= TPR[7:4], as a
 * VM entry with a TPR shadow and no virtual-interrupt delivery requires (SDM 27.2.1.1). */
uint32_t vlapic_tpr_threshold(const struct vapic_page *page);

#endif
