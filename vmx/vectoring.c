#include "vmx/vectoring.h"

#include "vmx/vmcs_access.h"

void vmx_reinject_vectoring_event(uint32_t info)
{
    if (!(info & INTR_INFO_VALID) || (vmread32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID))
        return;
    uint32_t type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
    if (info & INTR_INFO_ERROR_CODE_VALID)
        vmwrite32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmread32(IDT_VECTORING_ERROR_CODE));
    if (type == INTR_TYPE_SOFTWARE_INTERRUPT || type == INTR_TYPE_PRIV_SOFTWARE_EXCEPTION ||
        type == INTR_TYPE_SOFTWARE_EXCEPTION)
        vmwrite32(VM_ENTRY_INSTRUCTION_LEN, vmread32(VM_EXIT_INSTRUCTION_LEN));
    if (type == INTR_TYPE_NMI)
        vmwrite32(GUEST_INTERRUPTIBILITY_INFO, vmread32(GUEST_INTERRUPTIBILITY_INFO) & ~GUEST_INTR_BLOCKING_NMI);
    vmwrite32(VM_ENTRY_INTR_INFO, info & ~INTR_INFO_NMI_UNBLOCKING);
}
