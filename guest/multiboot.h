/* What the guest keeps of its Multiboot information (Multiboot 0.6.96, 3.3).  guest_main copies
 * it out first thing: apicvisor puts the information at 0x8000, where smp_start_aps then copies
 * the AP trampoline. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

/* mem_upper: KiB of memory from 1 MiB up to the first hole; 0 when the loader gave none (flags
 * bit 0 clear), although boot.asm's header asks for it. */
extern uint32_t multiboot_mem_upper_kib;

#endif
