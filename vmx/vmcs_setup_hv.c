#include "vmx/vmcs_setup.h"

#include "vmm/console.h"
#include "vmm/cpu.h"
#include "vmm/cpu_setup.h"
#include "vmm/msr.h"
#include "vmm/percpu.h"
#include "vmx/vmcs_access.h"

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)

extern char vmx_exit_entry[];

static uint64_t read_cr(int n)
{
    uint64_t v = 0;
    if (n == 0)
        __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    else if (n == 3)
        __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    else
        __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

/* SDM 26.5 "Host-State Area": where a VM exit lands. */
static void setup_host_state(struct percpu *pc)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    vmwrite_natural(HOST_CR0, read_cr(0));
    vmwrite_natural(HOST_CR3, read_cr(3));
    vmwrite_natural(HOST_CR4, read_cr(4));
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
    uint64_t pi_desc = 0;
    uint16_t pi_vector = 0;
    if (vmx_check_controls(&v->vm->controls, pi_vector, pi_desc, console_sink, 0))
        return -1;
    return 0;
}

static void set_segment(uint32_t selector_field, uint16_t selector, uint32_t ar)
{
    /* The selector, base, limit and access-rights fields of a segment are 2 apart in each
     * group (SDM Appendix B: ES, CS, SS, DS, FS, GS, LDTR, TR). */
    unsigned index = (selector_field - GUEST_ES_SELECTOR) / 2;
    vmwrite16(selector_field, selector);
    vmwrite_natural(GUEST_ES_BASE + index * 2, 0);
    vmwrite32(GUEST_ES_LIMIT + index * 2, ar & 0x10000 ? 0 : 0xffffffffu);
    vmwrite32(GUEST_ES_AR_BYTES + index * 2, ar);
}

void vmcs_guest_multiboot(struct vcpu *v, uint32_t entry, uint32_t info_addr)
{
    const struct vmx_caps *caps = v->vm->caps;
    /* SDM 26.3.1.1: with unrestricted guest, CR0.PE and CR0.PG are free; the other FIXED0
     * bits (NE) stay on, owned by the host and shown to the guest as set. */
    uint64_t cr0_fixed = caps->cr0_fixed0 & ~(CR0_PE | CR0_PG);
    uint64_t cr0 = ((CR0_PE | CR0_ET | cr0_fixed) & caps->cr0_fixed1);
    vmwrite_natural(GUEST_CR0, cr0);
    vmwrite_natural(CR0_GUEST_HOST_MASK, cr0_fixed);
    vmwrite_natural(CR0_READ_SHADOW, cr0);
    vmwrite_natural(GUEST_CR3, 0);
    vmwrite_natural(GUEST_CR4, caps->cr4_fixed0 & caps->cr4_fixed1);
    vmwrite_natural(CR4_GUEST_HOST_MASK, caps->cr4_fixed0); /* CR4.VMXE: the guest reads 0 */
    vmwrite_natural(CR4_READ_SHADOW, 0);

    uint32_t code = 0xc09b, data = 0xc093, unusable = 0x10000;
    set_segment(GUEST_CS_SELECTOR, 0x08, code);
    set_segment(GUEST_DS_SELECTOR, 0x10, data);
    set_segment(GUEST_ES_SELECTOR, 0x10, data);
    set_segment(GUEST_SS_SELECTOR, 0x10, data);
    set_segment(GUEST_FS_SELECTOR, 0x10, data);
    set_segment(GUEST_GS_SELECTOR, 0x10, data);
    set_segment(GUEST_LDTR_SELECTOR, 0, unusable);
    /* TR must be usable, a busy TSS (SDM 27.3.1.2): a 32-bit busy TSS of 104 bytes at 0. */
    vmwrite16(GUEST_TR_SELECTOR, 0);
    vmwrite_natural(GUEST_TR_BASE, 0);
    vmwrite32(GUEST_TR_LIMIT, 0x67);
    vmwrite32(GUEST_TR_AR_BYTES, 0x8b);
    vmwrite_natural(GUEST_GDTR_BASE, 0);
    vmwrite32(GUEST_GDTR_LIMIT, 0xffff);
    vmwrite_natural(GUEST_IDTR_BASE, 0);
    vmwrite32(GUEST_IDTR_LIMIT, 0xffff);

    vmwrite_natural(GUEST_RIP, entry);
    vmwrite_natural(GUEST_RSP, 0);
    vmwrite_natural(GUEST_RFLAGS, 0x2);
    vmwrite_natural(GUEST_DR7, 0x400);
    vmwrite64(GUEST_IA32_DEBUGCTL, 0);
    vmwrite64(GUEST_IA32_EFER, 0);
    vmwrite64(GUEST_IA32_PAT, 0x0007040600070406ull);
    vmwrite32(GUEST_SYSENTER_CS, 0);
    vmwrite_natural(GUEST_SYSENTER_ESP, 0);
    vmwrite_natural(GUEST_SYSENTER_EIP, 0);
    vmwrite32(GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
    vmwrite_natural(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    v->regs.gpr[REG_RAX] = 0x2badb002u;
    v->regs.gpr[REG_RBX] = info_addr;
}
