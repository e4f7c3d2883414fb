/* A guest and its virtual CPUs. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "vlapic/mode.h"
#include "vlapic/pi_desc.h"
#include "vlapic/vlapic.h"
#include "vmm/exit_stats.h"
#include "vmm/linux_boot.h"
#include "vmm/options.h"
#include "vmx/caps.h"
#include "vmx/controls.h"
#include "vmx/ept.h"
#include "vmx/vmcs_defs.h"

/* Guest general-purpose registers not held in the VMCS, in the SDM's register-number order
 * (as in exit qualifications: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15),
 * then CR2.  vmx/vmentry.asm depends on this layout. */
struct guest_regs {
    uint64_t gpr[16]; /* gpr[4] (RSP) is unused: the VMCS holds GUEST_RSP */
    uint64_t cr2;
};
enum { REG_RAX = 0, REG_RCX = 1, REG_RDX = 2, REG_RBX = 3, REG_RSI = 6 };

struct vm;

/* What makes the hypervisor look at a vCPU's LAPIC timer when it is due. */
enum vm_timer {
    VM_TIMER_NONE,       /* nothing: the timer fires only at the vCPU's next VM exit, and the
                          * TSC-deadline mode is not offered */
    VM_TIMER_PREEMPTION, /* the VMX-preemption timer (SDM 25.5.1) */
    VM_TIMER_HOST_LAPIC, /* no preemption timer: the CPU's own LAPIC timer, TSC-deadline mode,
                          * interrupts the guest (an external-interrupt exit) or a parked vCPU */
};

/* The vCPU state machine (docs/design.md "vCPU lifecycle").  A vCPU halted with interrupts on
 * is RUNNING with the HLT activity state in its VMCS: the CPU waits in the guest and an interrupt
 * wakes it there. */
enum vcpu_state {
    VCPU_WAIT_SIPI, /* after INIT (every AP at start): parked in root operation until a SIPI */
    VCPU_RUNNING,   /* in the guest, or in root operation between two entries */
    VCPU_HALTED,    /* HLT with IF=0: parked in root operation until an NMI or INIT */
    VCPU_STOPPED,   /* it has left its run loop for good */
};

/* Events other vCPUs latch for this one (KVM's kvm_apic_accept_events): set with an atomic OR,
 * then a kick (vcpu_kick) makes the target act on them at its next loop iteration. */
#define VCPU_EV_INIT (1u << 0)
#define VCPU_EV_SIPI (1u << 1) /* with sipi_vector */
#define VCPU_EV_NMI  (1u << 2)

struct vcpu {
    struct guest_regs regs;  /* first: vmentry.asm takes a pointer to it */
    unsigned id;             /* also the index of the physical CPU that runs it */
    uint32_t apic_id;
    struct vm *vm;
    uint64_t vmcs;           /* physical address of its VMCS */
    bool launched;
    uint64_t apic_base;      /* the guest's IA32_APIC_BASE */
    uint64_t vapic_page;     /* its virtual-APIC page */
    struct vlapic vlapic;    /* the emulated part of its LAPIC */
    struct pi_desc *pi_desc; /* its posted-interrupt descriptor */
    volatile enum vcpu_state state;
    volatile uint32_t events;        /* VCPU_EV_*: latched, not yet acted on */
    volatile uint8_t sipi_vector;    /* of the latest SIPI */
    bool nmi_pending;                /* an accepted NMI waits for injection (own CPU only) */
    volatile bool ready;             /* its VMCS is set up: it acts on events */
    bool dumped;                     /* its VMCS was dumped when it stopped the guest */
    uint64_t xcr0;                   /* the guest's XCR0, loaded in this CPU's XCR0 (XSETBV) */
    uint64_t tsc_offset;             /* guest TSC = host TSC + this (TSC_OFFSET) */
    uint64_t tsc_adjust;             /* IA32_TSC_ADJUST as the guest sees it */
    uint64_t host_timer;             /* the host TSC this CPU's LAPIC timer is armed at (0: not) */
    uint32_t eoi_exit_generation;    /* of the EOI-exit bitmap in its VMCS (platform_eoi_exit_vectors) */
    uint64_t msr_bitmap;
    uint64_t exits[EXIT_REASON_COUNT];
    struct exit_stats stats;         /* count and cycles from exit to next entry, per reason */
};

struct vm {
    const struct options *opts;
    const struct vmx_caps *caps;
    struct vmx_controls controls;
    struct ept ept;
    uint64_t eptp;
    uint64_t ram_hpa, ram_size;   /* guest-physical [0, ram_size) is host [ram_hpa, ...) */
    uint64_t io_bitmap_a, io_bitmap_b;
    enum apicv_level apicv;       /* what the CPU virtualizes (options.h apicv=, chosen at start) */
    uint64_t apic_access_page;    /* 0: none, xAPIC accesses exit as EPT violations (apicv=off) */
    bool x2apic_virt;             /* "virtualize x2APIC mode" is used in x2APIC mode */
    bool hlt_in_guest;            /* HLT does not exit (apicv=full): kicks add an NMI, see vcpu_kick */
    uint8_t pi_vector;            /* posted-interrupt notification vector */
    unsigned preemption_shift;    /* the VMX-preemption timer counts TSC >> this (SDM A.6) */
    enum vm_timer timer;          /* what ends a guest's run at its LAPIC timer deadline */
    bool xsave;                   /* XSAVE is offered (the host has it; XSETBV is emulated) */
    uint64_t xcr0_supported;      /* XCR0 bits the guest may set (its CPUID leaf 0xD) */
    uint64_t cr4_allowed;         /* CR4 bits the guest may set (its CPUID); the rest #GP */
    unsigned cpuid_id_space;      /* CPUID.1:EBX[23:16]: the APIC IDs a package addresses */
    uint32_t host_max_basic, host_max_ext; /* the host's highest CPUID leaves, read once */
    unsigned nvcpus;
    struct vcpu *vcpus;
    struct platform *platform;    /* the devices around the vCPUs (vmm/platform.h) */
    bool linux_guest;             /* the guest is a Linux bzImage (else a Multiboot kernel) */
    uint32_t entry, multiboot_info; /* where vCPU 0 starts a Multiboot kernel */
    struct linux_load linux_boot; /* how vCPU 0 starts a Linux kernel */
    volatile bool powered_off;
    unsigned stopped_by;          /* the vCPU that powered the guest off */
    volatile uint64_t exit_code;
};

enum exit_action {
    EXIT_RESUME,  /* enter the guest again */
    EXIT_STOP,    /* the guest is finished (powered off, or failed after a dump) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* vmx/vmentry.asm: 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (VM_INSTRUCTION_ERROR). */
int vmx_run(struct guest_regs *regs, int launched);

/* A host pointer to guest-physical [gpa, gpa + len), or NULL unless it is all guest RAM. */
void *guest_ram_ptr(const struct vm *vm, uint64_t gpa, uint64_t len);

#endif
