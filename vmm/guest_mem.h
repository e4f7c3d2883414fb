/* Reading guest memory by guest-linear address: the guest's own paging (off, or IA-32e 4-level
 * paging with 4 KiB, 2 MiB and 1 GiB pages, SDM Vol. 3A 5.5 "4-Level Paging"), then guest RAM. */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    /* A host pointer to guest-physical [gpa, gpa + len), or NULL. */
    void *(*phys)(void *ctx, uint64_t gpa, uint64_t len);
    void *ctx;
};

/* Translates a guest-linear address; false if not mapped (or a paging mode we do not walk). */
bool guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, uint64_t *gpa);

/* Copies len bytes from guest-linear address linear (may cross a page); false if any byte is
 * not mapped. */
bool guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len);

#endif
