/* Executing a decoded APIC-page instruction (vmm/insn_decode.h) the way the CPU would, against the
 * vCPU's registers and the value the emulated memory gives.  The caller reads memory first when
 * mem_insn_reads says so (the APIC register at the exit qualification's offset), calls
 * mem_insn_execute, and writes result.store to memory when result.writes_memory. */
#ifndef VMM_INSN_EXEC_H
#define VMM_INSN_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/insn_decode.h"

struct mem_result {
    bool writes_memory; /* store holds the value to write to the memory operand */
    uint64_t store;     /* the low size bytes count; higher bits are zero */
};

/* Whether the instruction reads its memory operand (all but a MOV store). */
bool mem_insn_reads(const struct mem_insn *i);

/* Whether it writes its memory operand (i->to_memory: MOV store, XCHG, AND/OR/XOR into memory). */
bool mem_insn_writes(const struct mem_insn *i);

/* Executes i against gpr[16] (SDM register order, see struct mem_insn; gpr[4] is RSP, which the
 * caller loads from and stores to the VMCS) and rflags, with loaded the memory operand's value
 * (its low i->size bytes count; ignored when the instruction does not read memory).  Register
 * writes follow the CPU (SDM Vol. 1 3.4.1.1): a 4-byte destination zero-extends to 64 bits, a 1-
 * or 2-byte one keeps the other bits.  AND/OR/XOR/TEST set SF, ZF and PF from the result and clear
 * CF and OF; AF is undefined and left as it was (SDM Vol. 2 "AND", "OR", "XOR", "TEST"). */
struct mem_result mem_insn_execute(const struct mem_insn *i, uint64_t gpr[16], uint64_t *rflags,
                                   uint64_t loaded);

#endif
