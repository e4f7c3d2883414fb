/* Emulating the instruction behind a fault-like memory exit (an APIC-access exit, an EPT violation
 * on an address with nothing behind it): such exits report no instruction length (SDM 28.2.5), so
 * the instruction at the guest's RIP is read through its own paging, decoded (vmm/insn_decode.h),
 * executed against its registers (vmm/insn_exec.h) and stepped over. */
#ifndef VMM_MEM_EMUL_H
#define VMM_MEM_EMUL_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vcpu.h"

/* What the emulated memory gives for a load of `size` bytes (1, 2, 4 or 8), and what it does
 * with a store of the low `size` bytes of value (NULL: stores are dropped, as on an unclaimed
 * bus). */
typedef uint64_t (*mem_load_fn)(struct vcpu *v, unsigned size);
typedef void (*mem_store_fn)(struct vcpu *v, unsigned size, uint64_t value);

/* Emulates the instruction at RIP whose access caused the exit (`write`: the exit reported a
 * write).  Returns false, changing nothing, when there is no instruction of the supported kinds
 * there, or it does not make that kind of access (then the caller stops the VM). */
bool mem_emulate(struct vcpu *v, bool write, mem_load_fn load, mem_store_fn store);

#endif
