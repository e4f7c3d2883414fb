#include "vmm/insn_decode.h"

#define REX_W 0x8
#define REX_R 0x4
#define CS_AR_L (1u << 13)
#define CS_AR_D (1u << 14)

enum cpu_mode cpu_mode_of(bool ia32e_active, uint32_t cs_access_rights)
{
    if (ia32e_active && (cs_access_rights & CS_AR_L))
        return CPU_MODE_64;
    return (cs_access_rights & CS_AR_D) ? CPU_MODE_32 : CPU_MODE_16;
}

/* --- reading the bytes ------------------------------------------------------------------------- */

struct cursor {
    const uint8_t *code;
    unsigned len, pos;
};

static bool take(struct cursor *c, uint8_t *b)
{
    if (c->pos >= c->len)
        return false;
    *b = c->code[c->pos++];
    return true;
}

static bool skip(struct cursor *c, unsigned n)
{
    if (n > c->len - c->pos)
        return false;
    c->pos += n;
    return true;
}

/* A little-endian immediate of n bytes, sign-extended to 64 bits: every immediate of these
 * instructions is sign-extended to the operand size (SDM Vol. 2A 2.2.1.5, and Ib of 83). */
static bool take_imm(struct cursor *c, unsigned n, uint64_t *v)
{
    if (n > c->len - c->pos)
        return false;
    uint64_t u = 0;
    for (unsigned k = 0; k < n; k++)
        u |= (uint64_t)c->code[c->pos + k] << (8 * k);
    unsigned unused = 64 - 8 * n;
    *v = (uint64_t)((int64_t)(u << unused) >> unused);
    c->pos += n;
    return true;
}

/* --- prefixes and sizes ------------------------------------------------------------------------ */

struct prefixes {
    bool opsize, addrsize, lock, f2, f3;
    uint8_t rex; /* 0, or the REX byte right before the opcode */
};

static bool is_segment_override(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* Legacy prefixes in any order and number (SDM Vol. 2A 2.1.1), then REX in 64-bit mode.  A REX
 * counts only right before the opcode; one followed by a legacy prefix is ignored (2.2.1).
 * Segment overrides change only the address, which the exit qualification already gives. */
static void take_prefixes(struct cursor *c, enum cpu_mode mode, struct prefixes *p)
{
    *p = (struct prefixes){ 0 };
    while (c->pos < c->len) {
        uint8_t b = c->code[c->pos];
        if (mode == CPU_MODE_64 && (b & 0xf0) == 0x40) {
            p->rex = b;
            c->pos++;
            continue;
        }
        if (b == 0x66)
            p->opsize = true;
        else if (b == 0x67)
            p->addrsize = true;
        else if (b == 0xf0)
            p->lock = true;
        else if (b == 0xf2)
            p->f2 = true;
        else if (b == 0xf3)
            p->f3 = true;
        else if (!is_segment_override(b))
            return;
        p->rex = 0;
        c->pos++;
    }
}

/* SDM Vol. 1 3.6 and Table 3-4: 66 toggles 16/32, REX.W makes 64 and wins over 66. */
static unsigned operand_size(enum cpu_mode mode, const struct prefixes *p)
{
    if (p->rex & REX_W)
        return 8;
    return (mode == CPU_MODE_16) != p->opsize ? 2 : 4;
}

/* 67 toggles 16/32 outside 64-bit mode and selects 32 in it. */
static unsigned address_size(enum cpu_mode mode, const struct prefixes *p)
{
    if (mode == CPU_MODE_64)
        return p->addrsize ? 4 : 8;
    return (mode == CPU_MODE_16) != p->addrsize ? 2 : 4;
}

/* --- ModRM ------------------------------------------------------------------------------------- */

/* Consumes a ModRM memory operand with the SIB and displacement it implies and returns the reg
 * field; false for a register operand (mod 11) or short input.  SDM Vol. 2A 2.1.5: Table 2-1 for
 * 16-bit addressing (no SIB; mod 00 r/m 110 is disp16), Tables 2-2 and 2-3 for 32/64-bit (r/m 100
 * is a SIB; mod 00 r/m 101, RIP-relative in 64-bit mode (2.2.1.6), and SIB base 101 are disp32). */
static bool take_modrm(struct cursor *c, unsigned addr_size, unsigned *reg_field)
{
    uint8_t modrm, sib;
    if (!take(c, &modrm))
        return false;
    unsigned mod = modrm >> 6, rm = modrm & 7;
    *reg_field = (modrm >> 3) & 7;
    if (mod == 3)
        return false;
    if (addr_size == 2)
        return skip(c, mod == 1 ? 1 : (mod == 2 || rm == 6) ? 2 : 0);
    unsigned disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        if (!take(c, &sib))
            return false;
        if (mod == 0 && (sib & 7) == 5)
            disp = 4;
    } else if (mod == 0 && rm == 5) {
        disp = 4;
    }
    return skip(c, disp);
}

/* The register operand.  A 1-byte register 4-7 is AH CH DH BH without REX and SPL BPL SIL DIL
 * with any REX (SDM Vol. 2A 2.2.1.2, Vol. 1 3.4.1.1). */
static void set_reg(struct mem_insn *i, unsigned field, const struct prefixes *p)
{
    i->reg = field | ((p->rex & REX_R) ? 8 : 0);
    if (i->reg_size == 1 && !p->rex && field >= 4) {
        i->reg = field - 4;
        i->high_byte = true;
    }
}

/* --- the opcodes ------------------------------------------------------------------------------- */

/* The /r forms, by the opcode with bit 0 clear; bit 0 set is the full-size form. */
static const struct {
    uint8_t opcode;
    enum mem_op op;
    bool to_memory;
} rm_forms[] = {
    { 0x88, MEM_STORE, true }, { 0x8a, MEM_LOAD, false }, { 0x08, MEM_OR, true },
    { 0x0a, MEM_OR, false },   { 0x20, MEM_AND, true },   { 0x22, MEM_AND, false },
    { 0x30, MEM_XOR, true },   { 0x32, MEM_XOR, false },  { 0x84, MEM_TEST, false },
    { 0x86, MEM_XCHG, true },
};

static bool decode_rm_form(struct cursor *c, uint8_t opcode, unsigned osize, unsigned asize,
                           const struct prefixes *p, struct mem_insn *i)
{
    for (unsigned k = 0; k < sizeof(rm_forms) / sizeof(rm_forms[0]); k++) {
        if (rm_forms[k].opcode != (opcode & 0xfe))
            continue;
        unsigned field;
        if (!take_modrm(c, asize, &field))
            return false;
        i->op = rm_forms[k].op;
        i->to_memory = rm_forms[k].to_memory;
        i->size = i->reg_size = (opcode & 1) ? osize : 1;
        set_reg(i, field, p);
        return true;
    }
    return false;
}

/* The immediate forms, whose ModRM reg field selects the operation (SDM Vol. 2A Table A-6):
 * group 1 (80 81 83) /1 OR /4 AND /6 XOR, group 11 (C6 C7) /0 MOV, group 3 (F6 F7) /0 TEST. */
static bool group_op(uint8_t opcode, unsigned field, enum mem_op *op)
{
    switch (opcode) {
    case 0x80:
    case 0x81:
    case 0x83:
        *op = field == 1 ? MEM_OR : field == 4 ? MEM_AND : MEM_XOR;
        return field == 1 || field == 4 || field == 6;
    case 0xc6:
    case 0xc7:
        *op = MEM_STORE;
        return field == 0;
    case 0xf6:
    case 0xf7:
        *op = MEM_TEST;
        return field == 0;
    }
    return false;
}

/* Ib for the byte forms and 83; Iz (16 or 32 bits, 32 sign-extended for a 64-bit operand)
 * otherwise (SDM Vol. 2A A.2.2). */
static bool decode_imm_form(struct cursor *c, uint8_t opcode, unsigned osize, unsigned asize,
                            struct mem_insn *i)
{
    unsigned field;
    if (!take_modrm(c, asize, &field) || !group_op(opcode, field, &i->op))
        return false;
    bool byte = opcode == 0x80 || opcode == 0xc6 || opcode == 0xf6;
    i->size = i->reg_size = byte ? 1 : osize;
    i->to_memory = i->op != MEM_TEST;
    i->has_imm = true;
    unsigned imm_bytes = (byte || opcode == 0x83) ? 1 : osize == 2 ? 2 : 4;
    return take_imm(c, imm_bytes, &i->imm);
}

/* A0-A3: AL/rAX and a moffs of the address size (SDM Vol. 2A, MOV, and 2.2.1.4). */
static bool decode_moffs(struct cursor *c, uint8_t opcode, unsigned osize, unsigned asize,
                         struct mem_insn *i)
{
    i->op = (opcode & 2) ? MEM_STORE : MEM_LOAD;
    i->to_memory = opcode & 2;
    i->size = i->reg_size = (opcode & 1) ? osize : 1;
    i->reg = 0;
    return skip(c, asize);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: bit 0 says a 16-bit source, bit 3 sign extension.  F2/F3
 * would be mandatory prefixes naming other instructions (0F B8 is POPCNT with F3). */
static bool decode_0f(struct cursor *c, unsigned osize, unsigned asize, const struct prefixes *p,
                      struct mem_insn *i)
{
    uint8_t opcode;
    unsigned field;
    if (!take(c, &opcode) || (opcode & 0xf6) != 0xb6 || p->f2 || p->f3)
        return false;
    if (!take_modrm(c, asize, &field))
        return false;
    i->op = (opcode & 8) ? MEM_MOVSX : MEM_MOVZX;
    i->size = (opcode & 1) ? 2 : 1;
    i->reg_size = osize;
    set_reg(i, field, p);
    return true;
}

/* LOCK only on a read-modify-write of memory, else #UD (SDM Vol. 2A "LOCK").  F2/F3 only as
 * XACQUIRE/XRELEASE hints, which change nothing here (SDM Vol. 2A "XACQUIRE/XRELEASE"): on a
 * locked read-modify-write or XCHG, and F3 on MOV 88/89/C6/C7 to memory; anything else is reserved. */
static bool prefixes_fit(const struct prefixes *p, uint8_t opcode, const struct mem_insn *i)
{
    bool rmw = i->to_memory && i->op != MEM_STORE;
    if (p->lock && !rmw)
        return false;
    if (!p->f2 && !p->f3)
        return true;
    if (i->op == MEM_XCHG || p->lock)
        return true;
    bool mov_store = opcode == 0x88 || opcode == 0x89 || opcode == 0xc6 || opcode == 0xc7;
    return p->f3 && !p->f2 && mov_store;
}

static bool decode_opcode(struct cursor *c, enum cpu_mode mode, const struct prefixes *p,
                          uint8_t *opcode, struct mem_insn *i)
{
    unsigned osize = operand_size(mode, p), asize = address_size(mode, p);
    if (!take(c, opcode))
        return false;
    if (*opcode == 0x0f)
        return decode_0f(c, osize, asize, p, i);
    if (*opcode >= 0xa0 && *opcode <= 0xa3)
        return decode_moffs(c, *opcode, osize, asize, i);
    /* 82 is 80 outside 64-bit mode, where it is #UD (SDM Vol. 2A Table A-2, "i64"). */
    uint8_t o = (*opcode == 0x82 && mode != CPU_MODE_64) ? 0x80 : *opcode;
    if (o == 0x80 || o == 0x81 || o == 0x83 || o == 0xc6 || o == 0xc7 || o == 0xf6 || o == 0xf7)
        return decode_imm_form(c, o, osize, asize, i);
    return decode_rm_form(c, o, osize, asize, p, i);
}

bool decode_mem_insn(const uint8_t *code, unsigned len, enum cpu_mode mode, struct mem_insn *out)
{
    struct cursor c = { code, len < INSN_MAX_LENGTH ? len : INSN_MAX_LENGTH, 0 };
    struct prefixes p;
    uint8_t opcode;
    *out = (struct mem_insn){ 0 };
    take_prefixes(&c, mode, &p);
    if (!decode_opcode(&c, mode, &p, &opcode, out) || !prefixes_fit(&p, opcode, out))
        return false;
    out->length = c.pos;
    return true;
}
