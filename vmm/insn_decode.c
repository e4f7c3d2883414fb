#include "vmm/insn_decode.h"

/* The bytes after the opcode that a ModRM memory operand takes: ModRM, SIB, displacement
 * (SDM Vol. 2A 2.1.5, tables 2-2 and 2-3; 64-bit: RIP-relative when mod=00 rm=101). */
static int modrm_length(const uint8_t *p, unsigned avail, bool addr16)
{
    if (avail < 1)
        return -1;
    unsigned mod = p[0] >> 6, rm = p[0] & 7;
    if (mod == 3)
        return -1; /* a register operand: not a memory access */
    if (addr16) {
        unsigned disp = mod == 1 ? 1 : mod == 2 ? 2 : (rm == 6 ? 2 : 0);
        return (int)(1 + disp);
    }
    unsigned n = 1;
    if (rm == 4) {
        if (avail < 2)
            return -1;
        n++;
        if (mod == 0 && (p[1] & 7) == 5)
            return (int)(n + 4); /* SIB with no base: disp32 */
    }
    if (mod == 1)
        n += 1;
    else if (mod == 2 || (mod == 0 && rm == 5))
        n += 4;
    return (int)n;
}

bool decode_mov(const uint8_t *code, unsigned len, bool long64, struct mov_insn *out)
{
    unsigned i = 0;
    bool opsize16 = false, addr_override = false;
    uint8_t rex = 0;
    for (; i < len; i++) {
        if (code[i] == 0x66)
            opsize16 = true;
        else if (code[i] == 0x67)
            addr_override = true;
        else if (code[i] == 0x2e || code[i] == 0x3e || code[i] == 0x26 || code[i] == 0x36 ||
                 code[i] == 0x64 || code[i] == 0x65)
            continue; /* segment overrides change nothing for a flat APIC access */
        else
            break;
    }
    if (long64 && i < len && (code[i] & 0xf0) == 0x40)
        rex = code[i++];
    if (i >= len)
        return false;
    uint8_t op = code[i++];
    *out = (struct mov_insn){ .size = (rex & 8) ? 8 : opsize16 ? 2 : 4 };
    bool addr16 = !long64 && addr_override;
    switch (op) {
    case 0x8b:
    case 0x89:
    case 0xc7: {
        int m = modrm_length(code + i, len - i, addr16);
        if (m < 0)
            return false;
        unsigned reg = ((code[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
        out->to_memory = op != 0x8b;
        out->reg = reg;
        i += (unsigned)m;
        if (op == 0xc7) {
            if ((reg & 7) != 0)
                return false; /* C7 /0 only */
            unsigned isz = out->size == 2 ? 2 : 4;
            if (i + isz > len)
                return false;
            out->immediate = true;
            out->imm = code[i] | (uint32_t)code[i + 1] << 8;
            if (isz == 4)
                out->imm |= (uint32_t)code[i + 2] << 16 | (uint32_t)code[i + 3] << 24;
            i += isz;
        }
        break;
    }
    case 0xa1:
    case 0xa3: {
        unsigned asz = long64 ? (addr_override ? 4 : 8) : (addr_override ? 2 : 4);
        out->to_memory = op == 0xa3;
        out->reg = 0;
        i += asz;
        break;
    }
    default:
        return false;
    }
    if (i > len)
        return false;
    out->length = i;
    return true;
}
