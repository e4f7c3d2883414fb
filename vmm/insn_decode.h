/* Decoding the one kind of instruction that touches the APIC page without the CPU virtualizing
 * it: a MOV between a general-purpose register (or an immediate) and memory.  An APIC-access VM
 * exit is fault-like and reports no instruction length (SDM 28.2.5), so the hypervisor decodes
 * the instruction to emulate it and step over it, as KVM's emulator does in general. */
#ifndef VMM_INSN_DECODE_H
#define VMM_INSN_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct mov_insn {
    unsigned length;   /* bytes, prefixes included */
    bool to_memory;    /* a store (else a load into reg) */
    bool immediate;    /* a store of imm (C7 /0) */
    unsigned reg;      /* register number, 0-15 (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15) */
    unsigned size;     /* operand size in bytes: 4 or 8 (2 with a 66 prefix) */
    uint32_t imm;
};

/* Decodes the instruction at code[0..len) for a CPU in 64-bit mode (long64) or 32-bit protected
 * mode.  Accepts 8B /r, 89 /r, C7 /0 with any ModRM memory form, and A1/A3 (moffs).  Returns
 * false for anything else. */
bool decode_mov(const uint8_t *code, unsigned len, bool long64, struct mov_insn *out);

#endif
