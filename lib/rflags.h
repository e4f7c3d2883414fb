/* RFLAGS bits (SDM Vol. 1, 3.4.3 "EFLAGS Register"), for the hypervisor and the guest alike. */
#ifndef LIB_RFLAGS_H
#define LIB_RFLAGS_H

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_FIXED (1ull << 1) /* reserved, always 1 */
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_OF (1ull << 11)

#endif
