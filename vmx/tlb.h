/* Invalidating cached translations derived from the EPT (INVEPT) or tagged with a VPID (INVVPID),
 * SDM Vol. 3C 29.4.3 "Invalidating Cached Translation Information".  The supported types come
 * from IA32_VMX_EPT_VPID_CAP; the widest supported type is used when single-context is absent. */
#ifndef VMX_TLB_H
#define VMX_TLB_H

#include <stdint.h>

#include "vmx/vmcs_defs.h"

/* The INVEPT type to use for one EPTP, or 0 when the CPU has no INVEPT. */
static inline uint64_t invept_type(uint64_t ept_vpid_cap)
{
    if (!(ept_vpid_cap & EPT_CAP_INVEPT))
        return 0;
    if (ept_vpid_cap & EPT_CAP_INVEPT_SINGLE_CONTEXT)
        return INVEPT_SINGLE_CONTEXT;
    return (ept_vpid_cap & EPT_CAP_INVEPT_ALL_CONTEXT) ? INVEPT_ALL_CONTEXT : 0;
}

/* The INVVPID type to use for one VPID, or 0 when the CPU has no INVVPID. */
static inline uint64_t invvpid_type(uint64_t ept_vpid_cap)
{
    if (!(ept_vpid_cap & VPID_CAP_INVVPID))
        return 0;
    if (ept_vpid_cap & VPID_CAP_INVVPID_SINGLE_CONTEXT)
        return INVVPID_SINGLE_CONTEXT;
    return (ept_vpid_cap & VPID_CAP_INVVPID_ALL_CONTEXT) ? INVVPID_ALL_CONTEXT : 0;
}

#ifdef APICVISOR_HV
static inline void invept(uint64_t type, uint64_t eptp)
{
    struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
    __asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

static inline void invvpid(uint64_t type, uint16_t vpid)
{
    struct { uint64_t vpid, linear; } desc = { vpid, 0 };
    __asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}
#endif

#endif
