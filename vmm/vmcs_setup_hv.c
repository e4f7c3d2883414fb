#include "vmm/vmcs_setup.h"

#include "lib/console.h"
#include "lib/rflags.h"
#include "vmm/cpu_state.h"
#include "lib/cpu.h"
#include "vmm/host/cpu_setup.h"
#include "lib/msr.h"
#include "vmm/host/percpu.h"
#include "vmx/vmcs_access.h"


extern char vmx_exit_entry[];

/* SDM 26.5 "Host-State Area": where a VM exit lands. */
static void setup_host_state(struct percpu *pc)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    vmwrite_natural(HOST_CR0, read_cr0());
    vmwrite_natural(HOST_CR3, read_cr3());
    vmwrite_natural(HOST_CR4, read_cr4());
    vmwrite16(HOST_CS_SELECTOR, GDT_CODE64);
    vmwrite16(HOST_SS_SELECTOR, GDT_DATA);
    vmwrite16(HOST_DS_SELECTOR, GDT_DATA);
    vmwrite16(HOST_ES_SELECTOR, GDT_DATA);
    vmwrite16(HOST_FS_SELECTOR, 0);
    vmwrite16(HOST_GS_SELECTOR, 0);
    vmwrite16(HOST_TR_SELECTOR, GDT_TSS);
    vmwrite_natural(HOST_FS_BASE, 0);
    vmwrite_natural(HOST_GS_BASE, (uint64_t)pc);
    vmwrite_natural(HOST_TR_BASE, (uint64_t)&pc->tss);
    vmwrite_natural(HOST_GDTR_BASE, (uint64_t)pc->gdt);
    vmwrite_natural(HOST_IDTR_BASE, idtr.base);
    vmwrite32(HOST_IA32_SYSENTER_CS, 0);
    vmwrite_natural(HOST_IA32_SYSENTER_ESP, 0);
    vmwrite_natural(HOST_IA32_SYSENTER_EIP, 0);
    vmwrite64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
    vmwrite64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite_natural(HOST_RIP, (uint64_t)vmx_exit_entry);
}

static void setup_controls(struct vcpu *v)
{
    const struct vmx_controls *c = &v->vm->controls;
    vmwrite32(PIN_BASED_VM_EXEC_CONTROL, c->ctl[VMX_CTL_PIN]);
    vmwrite32(CPU_BASED_VM_EXEC_CONTROL, c->ctl[VMX_CTL_PROC]);
    vmwrite32(SECONDARY_VM_EXEC_CONTROL, c->ctl[VMX_CTL_PROC2]);
    vmwrite32(VM_EXIT_CONTROLS, c->ctl[VMX_CTL_EXIT]);
    vmwrite32(VM_ENTRY_CONTROLS, c->ctl[VMX_CTL_ENTRY]);
    vmwrite32(EXCEPTION_BITMAP, 0);
    vmwrite32(PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite32(CR3_TARGET_COUNT, 0);
    vmwrite32(VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite32(VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite32(VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite32(VM_ENTRY_INTR_INFO, 0);
    vmwrite64(IO_BITMAP_A, v->vm->io_bitmap_a);
    vmwrite64(IO_BITMAP_B, v->vm->io_bitmap_b);
    vmwrite64(MSR_BITMAP, v->msr_bitmap);
    vmwrite64(EPT_POINTER, v->vm->eptp);
    vmwrite64(TSC_OFFSET, v->tsc_offset);
    vmwrite64(VMCS_LINK_POINTER, ~0ull);
    if (c->ctl[VMX_CTL_PROC2] & CPU2_ENABLE_VPID)
        vmwrite16(VIRTUAL_PROCESSOR_ID, (uint16_t)(v->id + 1)); /* VPID 0 is the host's */
    if (c->ctl[VMX_CTL_PROC] & CPU_USE_TPR_SHADOW) {
        vmwrite64(VIRTUAL_APIC_PAGE_ADDR, v->vapic_page);
        vmwrite32(TPR_THRESHOLD, 0);
    }
    if (c->ctl[VMX_CTL_PROC2] & CPU2_VIRTUALIZE_APIC_ACCESSES)
        vmwrite64(APIC_ACCESS_ADDR, v->vm->apic_access_page);
    if (c->ctl[VMX_CTL_PROC2] & CPU2_VIRTUAL_INTERRUPT_DELIVERY) {
        vmwrite16(GUEST_INTR_STATUS, 0);
        vmwrite64(EOI_EXIT_BITMAP0, 0);
        vmwrite64(EOI_EXIT_BITMAP1, 0);
        vmwrite64(EOI_EXIT_BITMAP2, 0);
        vmwrite64(EOI_EXIT_BITMAP3, 0);
    }
}

int vmcs_setup(struct vcpu *v)
{
    const struct vmx_caps *caps = v->vm->caps;
    *(volatile uint32_t *)v->vmcs = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
    uint8_t bad;
    __asm__ volatile("vmclear %1; setbe %0" : "=qm"(bad) : "m"(v->vmcs) : "cc", "memory");
    if (!bad)
        __asm__ volatile("vmptrld %1; setbe %0" : "=qm"(bad) : "m"(v->vmcs) : "cc", "memory");
    if (bad) {
        kprintf("vcpu %u: VMCLEAR/VMPTRLD of the VMCS at 0x%lx failed\n", v->id, (unsigned long)v->vmcs);
        return -1;
    }
    v->launched = false;
    setup_host_state(this_cpu());
    setup_controls(v);
    uint64_t pi_desc = (uint64_t)v->pi_desc;
    uint16_t pi_vector = v->vm->pi_vector;
    if (v->vm->controls.ctl[VMX_CTL_PIN] & PIN_PROCESS_POSTED_INTERRUPTS) {
        vmwrite16(POSTED_INTR_NOTIFICATION_VECTOR, pi_vector);
        vmwrite64(POSTED_INTR_DESC_ADDR, pi_desc);
    }
    struct console_lines out = { .used = 0 };
    int violations = vmx_check_controls(&v->vm->controls, pi_vector, pi_desc, console_lines_sink, &out);
    console_lines_flush(&out);
    return violations ? -1 : 0;
}

void vmcs_release(struct vcpu *v)
{
    __asm__ volatile("vmclear %0" ::"m"(v->vmcs) : "cc", "memory");
}

static void set_segment(uint32_t selector_field, uint16_t selector, uint64_t base, uint32_t limit, uint32_t ar)
{
    /* The selector, base, limit and access-rights fields of a segment are 2 apart in each
     * group (SDM Appendix B: ES, CS, SS, DS, FS, GS, LDTR, TR). */
    unsigned index = (selector_field - GUEST_ES_SELECTOR) / 2;
    vmwrite16(selector_field, selector);
    vmwrite_natural(GUEST_ES_BASE + index * 2, base);
    vmwrite32(GUEST_ES_LIMIT + index * 2, limit);
    vmwrite32(GUEST_ES_AR_BYTES + index * 2, ar);
}

#define AR_CODE32 0xc09b    /* present, accessed execute/read code, D=1, G=1 */
#define AR_DATA32 0xc093
#define AR_CODE16 0x009b
#define AR_DATA16 0x0093
#define AR_UNUSABLE 0x10000
#define AR_TSS_BUSY 0x008b  /* TR must be usable and busy (SDM 27.3.1.2) */

static const uint32_t data_segments[] = { GUEST_DS_SELECTOR, GUEST_ES_SELECTOR, GUEST_SS_SELECTOR,
                                          GUEST_FS_SELECTOR, GUEST_GS_SELECTOR };

/* Paging off, no long mode, the given CR0 (the host-owned FIXED0 bits forced on and shown as
 * set), and everything both start states share. */
static void set_flat_state(struct vcpu *v, uint64_t cr0, uint64_t rip)
{
    const struct vmx_caps *caps = v->vm->caps;
    /* SDM 26.3.1.1: with unrestricted guest, CR0.PE and CR0.PG are free; the other FIXED0 bits
     * (NE) stay on, owned by the host. */
    uint64_t host_owned = caps->cr0_fixed0 & ~(CR0_PE | CR0_PG);
    cr0 = (cr0 | host_owned) & caps->cr0_fixed1;
    vmwrite_natural(GUEST_CR0, cr0);
    vmwrite_natural(CR0_GUEST_HOST_MASK, host_owned);
    vmwrite_natural(CR0_READ_SHADOW, cr0);
    vmwrite_natural(GUEST_CR3, 0);
    vmwrite_natural(GUEST_CR4, caps->cr4_fixed0 & caps->cr4_fixed1);
    vmwrite_natural(CR4_GUEST_HOST_MASK, cpu_state_cr4_host_mask(v->vm)); /* VMXE among them: reads 0 */
    vmwrite_natural(CR4_READ_SHADOW, 0);
    vmwrite64(GUEST_IA32_EFER, 0);
    vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
    set_segment(GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
    set_segment(GUEST_TR_SELECTOR, 0, 0, 0xffff, AR_TSS_BUSY);
    vmwrite_natural(GUEST_GDTR_BASE, 0);
    vmwrite32(GUEST_GDTR_LIMIT, 0xffff);
    vmwrite_natural(GUEST_IDTR_BASE, 0);
    vmwrite32(GUEST_IDTR_LIMIT, 0xffff);
    vmwrite_natural(GUEST_RIP, rip);
    vmwrite_natural(GUEST_RSP, 0);
    vmwrite_natural(GUEST_RFLAGS, RFLAGS_FIXED);
    vmwrite_natural(GUEST_DR7, 0x400);
    vmwrite64(GUEST_IA32_DEBUGCTL, 0);
    vmwrite64(GUEST_IA32_PAT, 0x0007040600070406ull);
    vmwrite32(GUEST_SYSENTER_CS, 0);
    vmwrite_natural(GUEST_SYSENTER_ESP, 0);
    vmwrite_natural(GUEST_SYSENTER_EIP, 0);
    vmwrite32(GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
    vmwrite_natural(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    for (unsigned r = 0; r < 16; r++)
        v->regs.gpr[r] = 0;
}

void vmcs_guest_multiboot(struct vcpu *v, uint32_t entry, uint32_t info_addr)
{
    set_flat_state(v, CR0_PE | CR0_ET, entry);
    set_segment(GUEST_CS_SELECTOR, 0x08, 0, 0xffffffffu, AR_CODE32);
    for (unsigned i = 0; i < sizeof(data_segments) / sizeof(data_segments[0]); i++)
        set_segment(data_segments[i], 0x10, 0, 0xffffffffu, AR_DATA32);
    v->regs.gpr[REG_RAX] = 0x2badb002u;
    v->regs.gpr[REG_RBX] = info_addr;
}

void vmcs_guest_linux(struct vcpu *v, const struct linux_load *l)
{
    set_flat_state(v, CR0_PE | CR0_ET | (l->entry64 ? CR0_PG : 0), l->entry);
    set_segment(GUEST_CS_SELECTOR, LINUX_BOOT_CS, 0, 0xffffffffu, l->entry64 ? LINUX_CS_AR_64 : LINUX_CS_AR_32);
    for (unsigned i = 0; i < sizeof(data_segments) / sizeof(data_segments[0]); i++)
        set_segment(data_segments[i], LINUX_BOOT_DS, 0, 0xffffffffu, LINUX_DS_AR);
    vmwrite_natural(GUEST_GDTR_BASE, l->gdt_base);
    vmwrite32(GUEST_GDTR_LIMIT, l->gdt_limit);
    v->regs.gpr[REG_RSI] = l->boot_params;
    if (!l->entry64)
        return;
    /* SDM 10.8.5 / 26.3.1.1: IA-32e mode needs CR4.PAE, EFER.LME and LMA, and CR0.PG. */
    vmwrite_natural(GUEST_CR3, l->cr3);
    vmwrite_natural(CR4_READ_SHADOW, CR4_PAE);
    vmwrite_natural(GUEST_CR4, CR4_PAE | v->vm->caps->cr4_fixed0);
    vmwrite64(GUEST_IA32_EFER, EFER_LME | EFER_LMA);
    vmwrite32(VM_ENTRY_CONTROLS, vmread32(VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST);
}

void vmcs_guest_startup(struct vcpu *v, uint8_t vector)
{
    set_flat_state(v, CR0_ET, 0);
    set_segment(GUEST_CS_SELECTOR, (uint16_t)(vector << 8), (uint64_t)vector << 12, 0xffff, AR_CODE16);
    for (unsigned i = 0; i < sizeof(data_segments) / sizeof(data_segments[0]); i++)
        set_segment(data_segments[i], 0, 0, 0xffff, AR_DATA16);
}
