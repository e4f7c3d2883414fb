/* The APIC-page instruction decoder (vmm/insn_decode.c) and executor (vmm/insn_exec.c) on random
 * bytes in 16-, 32- and 64-bit code, executed against random registers, RFLAGS and memory value.
 * The bytes sit in a heap buffer of exactly their length, so a read past it is an ASan report.
 * Invariants, for every mode:
 *  - an accepted instruction has 1 <= length <= min(len, 15) (SDM Vol. 2A 2.3.11), sizes of 1, 2,
 *    4 or 8 (8 only in 64-bit mode), a register below 16 (below 8 outside 64-bit mode), a high
 *    byte register only as a 1-byte AH..BH, and to_memory / has_imm as its operation allows;
 *  - the length is exact: its bytes alone decode the same, one byte fewer is refused, and other
 *    bytes after it change nothing;
 *  - executing it changes only the one register it names, in the bits its size allows (SDM Vol.
 *    1 3.4.1.1), writes memory only when mem_insn_writes says so and only size bytes of it,
 *    changes RFLAGS only for AND/OR/XOR/TEST and there only CF PF ZF SF OF (CF OF cleared, ZF and
 *    SF as the result says), and loads, extends and swaps the values the SDM says. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/insn_decode.h"
#include "vmm/insn_exec.h"

#define LOGIC_FLAGS 0x8c5ull /* CF PF ZF SF OF */
#define CF (1ull << 0)
#define ZF (1ull << 6)
#define SF (1ull << 7)
#define OF (1ull << 11)

static uint64_t mask_of(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool same(const struct mem_insn *a, const struct mem_insn *b)
{
    return a->length == b->length && a->op == b->op && a->to_memory == b->to_memory &&
           a->size == b->size && a->reg_size == b->reg_size && a->has_imm == b->has_imm &&
           a->imm == b->imm && a->reg == b->reg && a->high_byte == b->high_byte;
}

static bool valid_size(unsigned s, enum cpu_mode mode)
{
    return s == 1 || s == 2 || s == 4 || (s == 8 && mode == CPU_MODE_64);
}

static void check_fields(const struct mem_insn *i, unsigned len, enum cpu_mode mode)
{
    FUZZ_CHECK(i->length >= 1 && i->length <= len && i->length <= INSN_MAX_LENGTH,
               "length %u of %u bytes", i->length, len);
    FUZZ_CHECK(valid_size(i->size, mode) && valid_size(i->reg_size, mode), "mode %d: size %u reg_size %u",
               mode, i->size, i->reg_size);
    bool extends = i->op == MEM_MOVZX || i->op == MEM_MOVSX;
    FUZZ_CHECK(extends ? i->size < i->reg_size || (i->size == 2 && i->reg_size == 2) : i->size == i->reg_size,
               "op %d: size %u reg_size %u", i->op, i->size, i->reg_size);
    FUZZ_CHECK(i->reg < (mode == CPU_MODE_64 ? 16u : 8u), "mode %d: reg %u", mode, i->reg);
    FUZZ_CHECK(!i->high_byte || (i->reg < 4 && i->reg_size == 1), "high byte with reg %u size %u", i->reg,
               i->reg_size);
    bool always = i->op == MEM_STORE || i->op == MEM_XCHG;
    bool never = i->op == MEM_LOAD || i->op == MEM_TEST || extends;
    FUZZ_CHECK(!(always && !i->to_memory) && !(never && i->to_memory), "op %d to_memory %d", i->op,
               i->to_memory);
    FUZZ_CHECK(!i->has_imm || (i->op != MEM_LOAD && i->op != MEM_XCHG && !extends), "op %d with an immediate",
               i->op);
    FUZZ_CHECK(mem_insn_reads(i) == (i->op != MEM_STORE) && mem_insn_writes(i) == i->to_memory,
               "op %d: reads/writes", i->op);
}

/* Exact length: the instruction's own bytes decode the same, fewer do not, the tail is ignored. */
static void check_length(const uint8_t *code, unsigned len, enum cpu_mode mode, const struct mem_insn *i)
{
    struct mem_insn again;
    uint8_t *exact = malloc(i->length);
    memcpy(exact, code, i->length);
    FUZZ_CHECK(decode_mem_insn(exact, i->length, mode, &again) && same(&again, i),
               "mode %d: its %u bytes alone decode differently", mode, i->length);
    FUZZ_CHECK(!decode_mem_insn(exact, i->length - 1, mode, &again), "mode %d: %u bytes accepted",
               mode, i->length - 1);
    free(exact);
    uint8_t other[32];
    memcpy(other, code, len < sizeof(other) ? len : sizeof(other));
    for (unsigned k = i->length; k < sizeof(other); k++)
        other[k] = (uint8_t)~(k < len ? code[k] : 0);
    FUZZ_CHECK(decode_mem_insn(other, sizeof(other), mode, &again) && same(&again, i),
               "mode %d: the bytes after the instruction changed it", mode);
}

/* What the destination register must hold after writing v (SDM Vol. 1 3.4.1.1). */
static uint64_t written(const struct mem_insn *i, uint64_t old, uint64_t v)
{
    if (i->high_byte)
        return (old & ~0xff00ull) | ((v & 0xff) << 8);
    if (i->reg_size == 4)
        return v & 0xffffffffull;
    return (old & ~mask_of(i->reg_size)) | (v & mask_of(i->reg_size));
}

/* The bits a register write leaves alone keep their old value (zero above a 4-byte write). */
static bool only_its_bits(const struct mem_insn *i, uint64_t before, uint64_t after)
{
    if (i->high_byte)
        return (after & ~0xff00ull) == (before & ~0xff00ull);
    if (i->reg_size == 4)
        return after >> 32 == 0;
    return (after & ~mask_of(i->reg_size)) == (before & ~mask_of(i->reg_size));
}

static uint64_t reg_value(const struct mem_insn *i, uint64_t r)
{
    return i->high_byte ? (r >> 8) & 0xff : r & mask_of(i->reg_size);
}

static void check_logic(const struct mem_insn *i, const struct mem_result *res, uint64_t before, uint64_t after,
                        uint64_t rf0, uint64_t rf, uint64_t mem)
{
    uint64_t src = (i->has_imm ? i->imm : reg_value(i, before)) & mask_of(i->size);
    uint64_t want = i->op == MEM_OR ? mem | src : i->op == MEM_XOR ? mem ^ src : mem & src;
    uint64_t got = res->writes_memory ? res->store : i->op == MEM_TEST ? want : reg_value(i, after);
    FUZZ_CHECK(got == want, "op %d: result %#llx, want %#llx", i->op, (unsigned long long)got,
               (unsigned long long)want);
    FUZZ_CHECK((rf & ~LOGIC_FLAGS) == (rf0 & ~LOGIC_FLAGS) && !(rf & (CF | OF)), "rflags %#llx -> %#llx",
               (unsigned long long)rf0, (unsigned long long)rf);
    FUZZ_CHECK(!!(rf & ZF) == (want == 0) && !!(rf & SF) == ((want >> (8 * i->size - 1)) & 1),
               "ZF/SF wrong for %#llx", (unsigned long long)want);
    if (i->op == MEM_TEST || i->to_memory)
        FUZZ_CHECK(after == before, "op %d to memory wrote the register", i->op);
}

static void check_value(const struct mem_insn *i, const struct mem_result *res, uint64_t before, uint64_t after,
                        uint64_t mem)
{
    uint64_t sx = (uint64_t)((int64_t)(mem << (64 - 8 * i->size)) >> (64 - 8 * i->size));
    switch (i->op) {
    case MEM_LOAD:
    case MEM_MOVZX:
        FUZZ_CHECK(after == written(i, before, mem), "load: %#llx", (unsigned long long)after);
        break;
    case MEM_MOVSX:
        FUZZ_CHECK(after == written(i, before, sx), "movsx: %#llx", (unsigned long long)after);
        break;
    case MEM_STORE:
        FUZZ_CHECK(res->store == ((i->has_imm ? i->imm : reg_value(i, before)) & mask_of(i->size)) &&
                       after == before, "store %#llx", (unsigned long long)res->store);
        break;
    case MEM_XCHG:
        FUZZ_CHECK(res->store == reg_value(i, before) && after == written(i, before, mem), "xchg");
        break;
    default:
        break;
    }
}

static void check_execute(const struct mem_insn *i, struct fuzz_in *in)
{
    uint64_t gpr[16], gpr0[16], rflags = fuzz_u64(in), rf0 = rflags, loaded = fuzz_u64(in);
    for (unsigned r = 0; r < 16; r++)
        gpr[r] = gpr0[r] = fuzz_u64(in);
    struct mem_result res = mem_insn_execute(i, gpr, &rflags, loaded);
    for (unsigned r = 0; r < 16; r++)
        FUZZ_CHECK(r == i->reg || gpr[r] == gpr0[r], "op %d reg %u: register %u changed", i->op, i->reg, r);
    uint64_t before = gpr0[i->reg], after = gpr[i->reg];
    bool logic = i->op == MEM_AND || i->op == MEM_OR || i->op == MEM_XOR || i->op == MEM_TEST;
    bool writes_reg = logic ? !i->to_memory && i->op != MEM_TEST : i->op != MEM_STORE;
    FUZZ_CHECK(writes_reg ? only_its_bits(i, before, after) : after == before,
               "op %d register %u: %#llx -> %#llx", i->op, i->reg, (unsigned long long)before,
               (unsigned long long)after);
    FUZZ_CHECK(res.writes_memory == mem_insn_writes(i) && !(res.store & ~mask_of(i->size)),
               "op %d: writes %d store %#llx", i->op, res.writes_memory, (unsigned long long)res.store);
    uint64_t mem = loaded & mask_of(i->size);
    if (logic)
        check_logic(i, &res, before, after, rf0, rflags, mem);
    else
        FUZZ_CHECK(rflags == rf0, "op %d changed RFLAGS", i->op);
    check_value(i, &res, before, after, mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    unsigned len = fuzz_u8(&in) % 20; /* up to 19: the decoder must stop at 15 */
    uint8_t *code = malloc(len ? len : 1);
    for (unsigned k = 0; k < len; k++)
        code[k] = fuzz_u8(&in);
    for (enum cpu_mode mode = CPU_MODE_16; mode <= CPU_MODE_64; mode++) {
        struct mem_insn i;
        if (!decode_mem_insn(code, len, mode, &i))
            continue;
        fuzz_trace("mode %d: length %u op %d size %u/%u reg %u%s\n", mode, i.length, i.op, i.size, i.reg_size,
                   i.reg, i.high_byte ? " (high byte)" : "");
        check_fields(&i, len, mode);
        check_length(code, len, mode, &i);
        struct fuzz_in regs = in;
        check_execute(&i, &regs);
    }
    free(code);
    return 0;
}
