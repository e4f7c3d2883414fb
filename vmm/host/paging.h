/* The hypervisor's own page tables: an identity map of physical memory with 2 MiB pages. */
#ifndef VMM_HOST_PAGING_H
#define VMM_HOST_PAGING_H

#include <stdint.h>

#include "vmm/host/pmem.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITE    (1ull << 1)
#define PTE_LARGE    (1ull << 7)

/* Builds a 4-level identity map of [0, limit) (rounded up to 1 GiB, and at least 4 GiB, where
 * the LAPIC and other MMIO live) from page tables below 4 GiB in physical memory, so that 32-bit
 * code (the AP trampoline) can load it into CR3.  `to_ptr` turns a physical address into a
 * pointer (identity in the hypervisor, a test buffer on the host).  Returns the PML4's physical address, or 0 when memory ran out. */
uint64_t paging_build_identity(struct pmem *pm, uint64_t limit, void *(*to_ptr)(uint64_t pa));

#endif
