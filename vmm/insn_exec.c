#include "vmm/insn_exec.h"

#include "lib/rflags.h"

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned unused = 64 - 8 * size;
    return (uint64_t)((int64_t)(v << unused) >> unused);
}

static uint64_t reg_read(const struct mem_insn *i, const uint64_t gpr[16])
{
    if (i->high_byte)
        return (gpr[i->reg] >> 8) & 0xff;
    return gpr[i->reg] & mask_of(i->reg_size);
}

/* SDM Vol. 1 3.4.1.1: 32-bit results are zero-extended to 64 bits, 8- and 16-bit results leave
 * the rest of the register alone. */
static void reg_write(const struct mem_insn *i, uint64_t gpr[16], uint64_t v)
{
    uint64_t *r = &gpr[i->reg];
    if (i->high_byte)
        *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
    else if (i->reg_size == 4)
        *r = (uint32_t)v;
    else
        *r = (*r & ~mask_of(i->reg_size)) | (v & mask_of(i->reg_size));
}

/* Folded by hand: __builtin_parity may become a libgcc call the hypervisor does not link. */
static bool even_parity(uint8_t b)
{
    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

/* SF ZF PF from the result, CF OF cleared, AF (undefined) kept.  PF is the even parity of the low
 * byte only (SDM Vol. 1 3.4.3.1). */
static void logic_flags(uint64_t *rflags, uint64_t result, unsigned size)
{
    uint64_t f = *rflags & ~(RFLAGS_CF | RFLAGS_PF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
    if (result == 0)
        f |= RFLAGS_ZF;
    if ((result >> (8 * size - 1)) & 1)
        f |= RFLAGS_SF;
    if (even_parity((uint8_t)result))
        f |= RFLAGS_PF;
    *rflags = f;
}

bool mem_insn_reads(const struct mem_insn *i)
{
    return i->op != MEM_STORE;
}

bool mem_insn_writes(const struct mem_insn *i)
{
    return i->to_memory;
}

/* AND, OR, XOR, TEST: memory op source, into memory or the register (TEST: nowhere). */
static struct mem_result logic(const struct mem_insn *i, uint64_t gpr[16], uint64_t *rflags,
                               uint64_t mem)
{
    uint64_t src = (i->has_imm ? i->imm : reg_read(i, gpr)) & mask_of(i->size), r;
    if (i->op == MEM_OR)
        r = mem | src;
    else if (i->op == MEM_XOR)
        r = mem ^ src;
    else
        r = mem & src;
    logic_flags(rflags, r, i->size);
    if (i->to_memory)
        return (struct mem_result){ true, r };
    if (i->op != MEM_TEST)
        reg_write(i, gpr, r);
    return (struct mem_result){ false, 0 };
}

struct mem_result mem_insn_execute(const struct mem_insn *i, uint64_t gpr[16], uint64_t *rflags,
                                   uint64_t loaded)
{
    uint64_t mem = loaded & mask_of(i->size), old;
    switch (i->op) {
    case MEM_LOAD:
    case MEM_MOVZX:
        reg_write(i, gpr, mem);
        break;
    case MEM_MOVSX:
        reg_write(i, gpr, sign_extend(mem, i->size));
        break;
    case MEM_STORE:
        return (struct mem_result){ true, (i->has_imm ? i->imm : reg_read(i, gpr)) & mask_of(i->size) };
    case MEM_XCHG:
        old = reg_read(i, gpr);
        reg_write(i, gpr, mem);
        return (struct mem_result){ true, old };
    case MEM_AND:
    case MEM_OR:
    case MEM_XOR:
    case MEM_TEST:
        return logic(i, gpr, rflags, mem);
    }
    return (struct mem_result){ false, 0 };
}
