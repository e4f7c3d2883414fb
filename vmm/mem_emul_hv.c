#include "vmm/mem_emul.h"

#include "vmm/exits.h"
#include "vmm/guest_mem.h"
#include "vmm/insn_decode.h"
#include "vmm/insn_exec.h"
#include "vmx/vmcs_access.h"

static void *guest_phys(void *ctx, uint64_t gpa, uint64_t len)
{
    return guest_ram_ptr(ctx, gpa, len);
}

/* The guest's paging as the VM exit left it (with EPT the PDPTEs the CPU holds are in the VMCS). */
static struct guest_paging guest_paging_now(struct vcpu *v, uint64_t pdpte[4])
{
    static const uint32_t pdpte_fields[4] = { GUEST_PDPTE0, GUEST_PDPTE1, GUEST_PDPTE2, GUEST_PDPTE3 };
    for (unsigned i = 0; i < 4; i++)
        pdpte[i] = vmread64(pdpte_fields[i]);
    return (struct guest_paging){
        .cr0 = vmread_natural(GUEST_CR0), .cr3 = vmread_natural(GUEST_CR3), .cr4 = vmread_natural(GUEST_CR4),
        .efer = vmread64(GUEST_IA32_EFER), .phys = guest_phys, .ctx = v->vm, .pdpte = pdpte,
    };
}

bool mem_emulate(struct vcpu *v, bool write, mem_load_fn load, mem_store_fn store)
{
    uint64_t pdpte[4];
    struct guest_paging pg = guest_paging_now(v, pdpte);
    enum cpu_mode mode = cpu_mode_of(vmread32(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST,
                                     vmread32(GUEST_CS_AR_BYTES));
    uint64_t cs_base = mode == CPU_MODE_64 ? 0 : vmread_natural(GUEST_CS_BASE); /* SDM 3.4.4 */
    uint8_t code[INSN_MAX_LENGTH];
    struct mem_insn insn;
    size_t got = guest_read_linear_partial(&pg, cs_base + vmread_natural(GUEST_RIP), code, sizeof(code));
    /* A read-modify-write (XCHG, AND/OR/XOR to memory) may exit on either access. */
    if (!decode_mem_insn(code, (unsigned)got, mode, &insn) || !(write ? mem_insn_writes(&insn) : mem_insn_reads(&insn)))
        return false;
    uint64_t loaded = mem_insn_reads(&insn) ? load(v, insn.size) : 0;
    uint64_t rflags = vmread_natural(GUEST_RFLAGS);
    v->regs.gpr[4] = vmread_natural(GUEST_RSP); /* gpr[4] stands in for RSP while executing */
    struct mem_result r = mem_insn_execute(&insn, v->regs.gpr, &rflags, loaded);
    if (r.writes_memory && store)
        store(v, insn.size, r.store);
    vmwrite_natural(GUEST_RSP, v->regs.gpr[4]);
    vmwrite_natural(GUEST_RFLAGS, rflags);
    complete_instruction(insn.length);
    return true;
}
