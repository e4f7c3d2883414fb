/* Events whose delivery a VM exit interrupted (SDM 28.2.4 "Information for VM Exits During Event
 * Delivery"): the IDT-vectoring information says which, and unless the exit handler injects
 * something of its own the event must be injected again at the next entry, or it is lost (KVM's
 * vmx_complete_interrupts).  Plain C over the current VMCS (a fake one in the unit tests). */
#ifndef VMX_VECTORING_H
#define VMX_VECTORING_H

#include <stdint.h>

/* With `vectoring` the IDT-vectoring information of this exit (read before the handler ran):
 * writes the entry interruption information, error code and instruction length that deliver it
 * again.  Software interrupts and exceptions need their instruction length back; a re-injected
 * NMI must not find blocking by NMI set (SDM 26.3.1.5); the exit-only "NMI unblocking due to IRET"
 * bit is dropped. */
void vmx_reinject_vectoring_event(uint32_t vectoring);

#endif
