/* Decoding the instructions that touch the APIC-access page without the CPU virtualizing them.
 * An APIC-access VM exit is fault-like (SDM Vol. 3C 29.4) and leaves the instruction length
 * undefined (27.2.4, except during event delivery), so the hypervisor decodes the instruction to
 * emulate it (vmm/insn_exec.h) and to step over it, as KVM's emulator does in general.  The set is what SDM Vol. 3C 29.4 "Virtualizing
 * Memory-Mapped APIC Accesses" names ("AND, MOV, OR, TEST, XCHG, XOR"), plus MOVZX/MOVSX loads:
 *
 *   MOV    88 89 8A 8B /r, C6 C7 /0 imm, A0 A1 A2 A3 moffs
 *   AND    20 21 22 23 /r, 80 81 83 /4 imm        OR    08 09 0A 0B /r, 80 81 83 /1 imm
 *   XOR    30 31 32 33 /r, 80 81 83 /6 imm        TEST  84 85 /r, F6 F7 /0 imm
 *   XCHG   86 87 /r                               MOVZX 0F B6 B7 /r, MOVSX 0F BE BF /r
 *   and 82, the alias of 80 outside 64-bit mode,
 *
 * with a memory operand only (a register-only form never accesses the APIC page), in 16-, 32- and
 * 64-bit code, with legacy prefixes and REX.  The decoder finds the length, the operation, the
 * sizes, the register and the immediate; it does not compute the address, which the exit
 * qualification gives as an offset into the page. */
#ifndef VMM_INSN_DECODE_H
#define VMM_INSN_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* The longest instruction the CPU executes; a longer one raises #GP (SDM Vol. 2A 2.3.11). */
#define INSN_MAX_LENGTH 15

/* The code size, i.e. the default operand and address size (SDM Vol. 1 3.6 and Table 3-4). */
enum cpu_mode { CPU_MODE_16, CPU_MODE_32, CPU_MODE_64 };

/* The mode from IA-32e mode being active (EFER.LMA, the "IA-32e mode guest" entry control) and CS
 * in the VMCS access-rights format (SDM Vol. 3C 24.4.1 "Guest Register State", Table 24-2: bit 13
 * is L, bit 14 D/B): 64-bit code needs both LMA and CS.L; otherwise CS.D selects 32-bit over
 * 16-bit code.  Real and virtual-8086 mode normally have CS.D = 0, so they come out as 16-bit. */
enum cpu_mode cpu_mode_of(bool ia32e_active, uint32_t cs_access_rights);

enum mem_op {
    MEM_LOAD,  /* register = memory                                   (MOV 8A 8B A0 A1) */
    MEM_STORE, /* memory = register or immediate                      (MOV 88 89 A2 A3 C6 C7) */
    MEM_AND,   /* destination &= source; to_memory says which is the destination */
    MEM_OR,
    MEM_XOR,
    MEM_TEST,  /* memory & (register or immediate), flags only */
    MEM_XCHG,  /* register <-> memory */
    MEM_MOVZX, /* register = zero-extended memory */
    MEM_MOVSX, /* register = sign-extended memory */
};

struct mem_insn {
    unsigned length;   /* bytes, prefixes included; at most INSN_MAX_LENGTH */
    enum mem_op op;
    bool to_memory;    /* the instruction writes memory (STORE, XCHG, AND/OR/XOR into memory) */
    unsigned size;     /* memory operand bytes: 1, 2, 4 or 8 */
    unsigned reg_size; /* register operand bytes: size, except for MOVZX/MOVSX (2, 4 or 8) */
    bool has_imm;      /* the source is imm, not a register (reg is then meaningless) */
    uint64_t imm;      /* the immediate sign-extended to 64 bits, as the CPU extends imm8 of 83
                        * and imm32 of 64-bit operations; only the low size bytes count */
    unsigned reg;      /* the GPR in SDM order: 0-15 = RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
    bool high_byte;    /* a 1-byte register is bits 15:8 of gpr[reg] (AH CH DH BH: reg 0-3) */
};

/* Decodes the instruction at code[0..len) for a CPU in the given mode.  len may be short (an
 * instruction at the end of a mapped page); only code[0..INSN_MAX_LENGTH) is looked at.  Returns
 * false, with *out unspecified, for anything outside the list above, for a register-only form, for
 * prefixes the instruction cannot take (LOCK where the CPU raises #UD, F2/F3 unless they are
 * XACQUIRE/XRELEASE hints), and when the instruction does not fit in len bytes. */
bool decode_mem_insn(const uint8_t *code, unsigned len, enum cpu_mode mode, struct mem_insn *out);

#endif
