/* Local APIC operating modes and the rules for guest writes to IA32_APIC_BASE
 * (SDM Vol. 3A 11.12.5 "x2APIC State Transitions", figure "Local xAPIC and x2APIC State
 * Transitions with IA32_APIC_BASE"; 11.4.4 "Local APIC Status and Location").
 *
 * Policy choices (each one is tested in tests/unit/test_apic_base.c):
 *  - Bit 8 (BSP) is read-only: a write may carry any value there; the result keeps the vCPU's
 *    current BSP bit (as KVM and Xen do in effect; the BSP flag is set by hardware at reset).
 *  - Bits 0-7, 9 and bits at or above MAXPHYADDR are reserved: setting one is #GP.
 *  - EXTD (bit 10) is reserved, so #GP, when CPUID does not offer x2APIC (policy X2APIC_OFF).
 *  - The base address (bits MAXPHYADDR-1:12) may move, as on real CPUs (11.4.5): the caller
 *    decides where an xAPIC can live (apicvisor refuses a base inside guest RAM, where the page
 *    would be memory, with #GP; vmm/apic_virt_hv.c) and what the move means for the APIC-access
 *    page, which stays at 0xFEE00000.
 *  - X2APIC_ONLY: once in x2APIC mode every write that leaves it is #GP, the semantics of
 *    IA32_XAPIC_DISABLE_STATUS.LEGACY_XAPIC_DISABLED (SDM Vol. 4, MSR 0xBD).
 *  - Writing the current value is always OK (no transition). */
#ifndef VLAPIC_MODE_H
#define VLAPIC_MODE_H

#include <stdbool.h>
#include <stdint.h>

/* What the VM offers: the hypervisor option x2apic=. */
enum x2apic_policy {
    X2APIC_AUTO, /* offer x2APIC in CPUID; the guest starts in xAPIC mode and may switch */
    X2APIC_ON,   /* start in x2APIC mode; the guest may leave it */
    X2APIC_OFF,  /* hide x2APIC in CPUID */
    X2APIC_ONLY, /* start in x2APIC mode and refuse to leave it (IA32_XAPIC_DISABLE_STATUS semantics) */
};

/* How much of the local APIC the CPU virtualizes: the hypervisor option apicv= (docs/usage.md).
 * One register model (vlapic.h) serves every level; a level decides only what the CPU does and
 * what the hypervisor does in software.  Ordered: a higher level does everything a lower one does. */
enum apicv_level {
    APICV_OFF,  /* nothing: every APIC access, CR8 access and interrupt goes through the hypervisor */
    APICV_TPR,  /* TPR shadow: CR8 and TPR accesses in the guest; interrupts injected by the hypervisor */
    APICV_VID,  /* + APIC-register virtualization and virtual-interrupt delivery; IPIs kick the target */
    APICV_FULL, /* + posted interrupts, and HLT without an exit */
    APICV_AUTO, /* the option's default: the highest level the CPU's controls allow */
};

enum lapic_mode {
    LAPIC_MODE_DISABLED, /* EN=0 EXTD=0 */
    LAPIC_MODE_XAPIC,    /* EN=1 EXTD=0 */
    LAPIC_MODE_X2APIC,   /* EN=1 EXTD=1 */
    LAPIC_MODE_INVALID,  /* EN=0 EXTD=1: never a valid state */
};

/* The xAPIC page an IA32_APIC_BASE value places (bits 51:12; above MAXPHYADDR they are reserved
 * and never set in an accepted value). */
static inline uint64_t apic_base_address(uint64_t apic_base)
{
    return apic_base & 0x000ffffffffff000ull;
}

/* The mode that an IA32_APIC_BASE value encodes. */
enum lapic_mode lapic_mode_of(uint64_t apic_base);
const char *lapic_mode_name(enum lapic_mode mode);

enum apic_base_verdict {
    APIC_BASE_OK, /* store new_value, then act on the mode change if old_mode != new_mode */
    APIC_BASE_GP, /* inject #GP(0); nothing changes */
};

struct apic_base_write {
    enum apic_base_verdict verdict;
    enum apic_base_reason {
        APIC_BASE_ACCEPTED,
        APIC_BASE_RESERVED_BIT,      /* bits 0-7, 9, above MAXPHYADDR, or EXTD without x2APIC */
        APIC_BASE_INVALID_STATE,     /* EN=0 EXTD=1 */
        APIC_BASE_BAD_TRANSITION,    /* x2APIC -> xAPIC, or disabled -> x2APIC */
        APIC_BASE_X2APIC_LOCKED,     /* X2APIC_ONLY and the write leaves x2APIC mode */
    } reason;
    enum lapic_mode old_mode, new_mode; /* new_mode == old_mode when the verdict is GP */
    uint64_t new_value;                 /* the value to store (BSP bit kept); old value on GP */
};

/* Decides a guest WRMSR of value to IA32_APIC_BASE whose current value is current.
 * maxphyaddr is the guest's CPUID.80000008H:EAX[7:0] (1..52). */
struct apic_base_write apic_base_check_write(uint64_t current, uint64_t value, unsigned maxphyaddr,
                                             enum x2apic_policy policy);

/* The reset value of IA32_APIC_BASE for a vCPU under a policy (SDM 11.4.4; 11.12.5.1: the APIC
 * comes out of reset in xAPIC mode; X2APIC_ON and X2APIC_ONLY start it in x2APIC mode as
 * firmware that enables x2APIC would). */
uint64_t apic_base_reset_value(bool is_bsp, enum x2apic_policy policy);

#endif
