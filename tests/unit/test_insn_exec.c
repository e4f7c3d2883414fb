/* mem_insn_execute on decoded instructions: what each writes to the registers, to memory and to
 * RFLAGS.  Register writes follow SDM Vol. 1 3.4.1.1 (32-bit results zero-extend to 64 bits, 8-
 * and 16-bit results keep the rest); the flags follow the SDM Vol. 2 pages of AND, OR, XOR and
 * TEST (SF ZF PF by the result, CF OF cleared, AF undefined: left alone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn_exec.h"

#define CF (1ull << 0)
#define PF (1ull << 2)
#define AF (1ull << 4)
#define ZF (1ull << 6)
#define SF (1ull << 7)
#define IF (1ull << 9)
#define DF (1ull << 10)
#define OF (1ull << 11)

/* Every flag the instructions may touch set, plus some they must not touch. */
#define FLAGS_BEFORE (0x2 | CF | PF | AF | ZF | SF | IF | DF | OF)
#define LOGIC (CF | PF | ZF | SF | OF)

#define PATTERN 0x1122334455667788ull

static uint64_t gpr[16];
static uint64_t rflags;
static struct mem_insn insn;

static int reset(void **state)
{
    (void)state;
    for (unsigned r = 0; r < 16; r++)
        gpr[r] = PATTERN + r;
    rflags = FLAGS_BEFORE;
    return 0;
}

static struct mem_result run(enum cpu_mode mode, const uint8_t *code, unsigned n, uint64_t loaded)
{
    if (!decode_mem_insn(code, n, mode, &insn))
        fail_msg("not decoded");
    assert_int_equal(insn.length, n);
    return mem_insn_execute(&insn, gpr, &rflags, loaded);
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define RUN64(loaded, ...) run(CPU_MODE_64, BYTES(__VA_ARGS__), loaded)
#define RUN16(loaded, ...) run(CPU_MODE_16, BYTES(__VA_ARGS__), loaded)

/* After a logic op: the five flags as given, everything else as before. */
static void expect_logic_flags(uint64_t set)
{
    assert_int_equal(rflags, (FLAGS_BEFORE & ~LOGIC) | set);
}

static void expect_no_store(struct mem_result r)
{
    assert_false(r.writes_memory);
    assert_false(mem_insn_writes(&insn));
}

static void loads_by_size(void **state)
{
    (void)state;
    expect_no_store(RUN64(0xfedcba9876543210ull, 0x48, 0x8b, 0x00)); /* mov rax,[rax] */
    assert_int_equal(gpr[0], 0xfedcba9876543210ull);
    RUN64(0xfedcba9876543210ull, 0x8b, 0x08); /* mov ecx,[rax]: zero-extends, high bits of loaded ignored */
    assert_int_equal(gpr[1], 0x76543210);
    RUN64(0xdeadbeef, 0x66, 0x8b, 0x10); /* mov dx,[rax]: bits 63:16 kept */
    assert_int_equal(gpr[2], 0x112233445566beefull);
    RUN64(0xab, 0x8a, 0x18); /* mov bl,[rax] */
    assert_int_equal(gpr[3], 0x11223344556677abull);
    RUN64(0x12345678, 0x0f, 0xb6, 0x00); /* movzx eax,byte [rax] */
    assert_true(mem_insn_reads(&insn));
    assert_int_equal(rflags, FLAGS_BEFORE);
}

/* 16-bit code: mov ax,[0x390] writes AX only. */
static void sixteen_bit_load_keeps_bits_63_16(void **state)
{
    (void)state;
    RUN16(0xffff0123, 0x8b, 0x06, 0x90, 0x03);
    assert_int_equal(gpr[0], 0x1122334455660123ull);
    RUN16(0xffff0123, 0x67, 0x8b, 0x04, 0x25, 0x90, 0x03, 0xe0, 0xfe); /* mov ax,[0xfee00390] */
    assert_int_equal(gpr[0], 0x1122334455660123ull);
    RUN16(0x89abcdef, 0x66, 0x8b, 0x0e, 0x90, 0x03); /* mov ecx,[0x390] */
    assert_int_equal(gpr[1], 0x89abcdef);
}

static void high_and_low_byte_registers(void **state)
{
    (void)state;
    RUN64(0xab, 0x8a, 0x20); /* mov ah,[rax] */
    assert_int_equal(gpr[0], 0x112233445566ab88ull);
    assert_int_equal(gpr[4], PATTERN + 4);
    RUN64(0xcd, 0x40, 0x8a, 0x20); /* mov spl,[rax] */
    assert_int_equal(gpr[4], 0x11223344556677cdull);
    assert_int_equal(gpr[0], 0x112233445566ab88ull);
    RUN64(0xef, 0x8a, 0x38); /* mov bh,[rax] */
    assert_int_equal(gpr[3], 0x112233445566ef8bull);
    RUN64(0x01, 0x40, 0x8a, 0x38); /* mov dil,[rax] */
    assert_int_equal(gpr[7], 0x1122334455667701ull);
    struct mem_result r = RUN64(0, 0x88, 0x2c, 0x24); /* mov [rsp],ch */
    assert_int_equal(r.store, 0x77);
    r = RUN64(0, 0x40, 0x88, 0x2c, 0x24); /* mov [rsp],bpl */
    assert_int_equal(r.store, 0x8d);
}

/* gpr[4] is RSP: the caller loads it from and stores it to the VMCS around the call. */
static void rsp_and_r15_destinations(void **state)
{
    (void)state;
    RUN64(0xaabbccdd, 0x8b, 0x20); /* mov esp,[rax] */
    assert_int_equal(gpr[4], 0xaabbccdd);
    RUN64(0x0102030405060708ull, 0x4c, 0x8b, 0x38); /* mov r15,[rax] */
    assert_int_equal(gpr[15], 0x0102030405060708ull);
    RUN64(0x80, 0x44, 0x0f, 0xbe, 0x38); /* movsx r15d,byte [rax] */
    assert_int_equal(gpr[15], 0xffffff80);
    RUN64(0xfff0, 0x66, 0x0f, 0xb6, 0x20); /* movzx sp,byte [rax] */
    assert_int_equal(gpr[4], 0xaabb00f0);
}

static void movzx_and_movsx(void **state)
{
    (void)state;
    RUN64(0xff80, 0x0f, 0xb6, 0x00); /* movzx eax,byte [rax] */
    assert_int_equal(gpr[0], 0x80);
    RUN64(0x80, 0x66, 0x0f, 0xb6, 0x08); /* movzx cx,byte [rax] */
    assert_int_equal(gpr[1], 0x1122334455660080ull);
    RUN64(0xffff8000, 0x48, 0x0f, 0xb7, 0x10); /* movzx rdx,word [rax] */
    assert_int_equal(gpr[2], 0x8000);
    RUN64(0x80, 0x0f, 0xbe, 0x18); /* movsx ebx,byte [rax] */
    assert_int_equal(gpr[3], 0xffffff80);
    RUN64(0x80, 0x48, 0x0f, 0xbe, 0x28); /* movsx rbp,byte [rax] */
    assert_int_equal(gpr[5], 0xffffffffffffff80ull);
    RUN64(0x80, 0x66, 0x0f, 0xbe, 0x30); /* movsx si,byte [rax] */
    assert_int_equal(gpr[6], 0x112233445566ff80ull);
    RUN64(0x8000, 0x48, 0x0f, 0xbf, 0x38); /* movsx rdi,word [rax] */
    assert_int_equal(gpr[7], 0xffffffffffff8000ull);
    RUN64(0xffff7fff, 0x0f, 0xbf, 0x00); /* movsx eax,word [rax]: positive */
    assert_int_equal(gpr[0], 0x7fff);
    assert_int_equal(rflags, FLAGS_BEFORE);
}

static void stores(void **state)
{
    (void)state;
    struct mem_result r = RUN64(0, 0x89, 0x08); /* mov [rax],ecx */
    assert_true(r.writes_memory);
    assert_false(mem_insn_reads(&insn));
    assert_int_equal(r.store, 0x55667789);
    assert_int_equal(RUN64(0, 0x48, 0x89, 0x08).store, PATTERN + 1); /* mov [rax],rcx */
    assert_int_equal(RUN64(0, 0x66, 0x89, 0x08).store, 0x7789);      /* mov [rax],cx */
    assert_int_equal(RUN64(0, 0x88, 0x20).store, 0x77);              /* mov [rax],ah */
    assert_int_equal(RUN64(0, 0x44, 0x88, 0x38).store, 0x97);        /* mov [rax],r15b */
    assert_int_equal(RUN64(0, 0xc6, 0x00, 0xff).store, 0xff);        /* mov byte [rax],0xff */
    assert_int_equal(RUN64(0, 0x66, 0xc7, 0x00, 0x00, 0x80).store, 0x8000);
    assert_int_equal(RUN64(0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80).store, 0x80000000);
    assert_int_equal(RUN64(0, 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80).store, 0xffffffff80000000ull);
    assert_int_equal(RUN64(0, 0xa2, 0, 0, 0xe0, 0xfe, 0, 0, 0, 0).store, 0x88); /* mov [moffs],al */
    for (unsigned k = 0; k < 16; k++)
        assert_int_equal(gpr[k], PATTERN + k);
    assert_int_equal(rflags, FLAGS_BEFORE);
}

static void and_or_xor_into_memory(void **state)
{
    (void)state;
    gpr[1] = 0xff00;
    struct mem_result r = RUN64(0xf0f0, 0x21, 0x08); /* and [rax],ecx */
    assert_true(r.writes_memory);
    assert_true(mem_insn_reads(&insn));
    assert_int_equal(r.store, 0xf000);
    expect_logic_flags(PF); /* low byte 0: even parity */
    assert_int_equal(gpr[1], 0xff00);
    gpr[1] = 0;
    assert_int_equal(RUN64(0x01, 0x09, 0x08).store, 0x01); /* or [rax],ecx */
    expect_logic_flags(0);                                 /* one bit set: odd parity */
    gpr[1] = 0x12345678;
    assert_int_equal(RUN64(0x12345678, 0x31, 0x08).store, 0); /* xor [rax],ecx */
    expect_logic_flags(ZF | PF);
    assert_int_equal(RUN64(0, 0x83, 0x08, 0xff).store, 0xffffffff); /* or dword [rax],-1 */
    expect_logic_flags(SF | PF);
    assert_int_equal(RUN64(0x01, 0x80, 0x30, 0x80).store, 0x81); /* xor byte [rax],0x80 */
    expect_logic_flags(SF | PF);
    assert_int_equal(RUN64(0xffff, 0x66, 0x81, 0x20, 0x00, 0x80).store, 0x8000); /* and word [rax],0x8000 */
    expect_logic_flags(SF | PF);
    assert_int_equal(RUN64(0x8000000000000fffull, 0x48, 0x83, 0x20, 0x80).store, 0x8000000000000f80ull);
    expect_logic_flags(SF); /* 0x80: one bit, odd parity */
    assert_int_equal(RUN64(0x7fffffff, 0xf0, 0x81, 0x08, 0x00, 0x00, 0x00, 0x80).store, 0xffffffff);
    expect_logic_flags(SF | PF);
}

static void and_or_xor_into_a_register(void **state)
{
    (void)state;
    gpr[1] = 0xffffffff0000ff00ull;
    struct mem_result r = RUN64(0xf0f0, 0x23, 0x08); /* and ecx,[rax]: zero-extends */
    expect_no_store(r);
    assert_int_equal(gpr[1], 0xf000);
    expect_logic_flags(PF);
    gpr[2] = 0x1122334455660188ull;
    RUN64(0x80, 0x0a, 0x30); /* or dh,[rax] */
    assert_int_equal(gpr[2], 0x1122334455668188ull);
    expect_logic_flags(SF | PF);
    RUN64(0x7789, 0x66, 0x33, 0x08); /* xor cx,[rax] */
    assert_int_equal(gpr[1], 0x7789 ^ 0xf000);
    expect_logic_flags(SF);
    RUN64(0x00ff00ff00ff00ffull, 0x4c, 0x23, 0x38); /* and r15,[rax] */
    assert_int_equal(gpr[15], (PATTERN + 15) & 0x00ff00ff00ff00ffull);
}

static void test_writes_only_flags(void **state)
{
    (void)state;
    gpr[1] = 0x80000000;
    expect_no_store(RUN64(0x80000000, 0x85, 0x08)); /* test [rax],ecx */
    expect_logic_flags(SF | PF);
    assert_int_equal(gpr[1], 0x80000000);
    RUN64(0x02, 0xf6, 0x00, 0x01); /* test byte [rax],1 */
    expect_logic_flags(ZF | PF);
    RUN64(0x8000, 0x66, 0xf7, 0x00, 0x00, 0x80); /* test word [rax],0x8000: SF is bit 15 */
    expect_logic_flags(SF | PF);
    RUN64(0x80000000, 0x66, 0xf7, 0x00, 0xff, 0xff); /* bits above the word do not count */
    expect_logic_flags(ZF | PF);
    gpr[1] = 1ull << 63;
    RUN64(~0ull, 0x48, 0x85, 0x08); /* test [rax],rcx: SF is bit 63 */
    expect_logic_flags(SF | PF);
    RUN64(0x07, 0x84, 0x20); /* test [rax],ah (0x77) */
    expect_logic_flags(0);
    for (unsigned k = 2; k < 16; k++)
        assert_int_equal(gpr[k], PATTERN + k);
}

static void xchg_swaps(void **state)
{
    (void)state;
    struct mem_result r = RUN64(0xdeadbeef, 0x87, 0x08); /* xchg [rax],ecx */
    assert_true(mem_insn_reads(&insn));
    assert_true(r.writes_memory);
    assert_int_equal(r.store, 0x55667789);
    assert_int_equal(gpr[1], 0xdeadbeef);
    r = RUN64(0xab, 0x86, 0x20); /* xchg [rax],ah */
    assert_int_equal(r.store, 0x77);
    assert_int_equal(gpr[0], 0x112233445566ab88ull);
    r = RUN64(0xffff1234, 0x66, 0x87, 0x10); /* xchg [rax],dx */
    assert_int_equal(r.store, 0x778a);
    assert_int_equal(gpr[2], 0x1122334455661234ull);
    r = RUN64(0x0102030405060708ull, 0x4c, 0x87, 0x38); /* xchg [rax],r15 */
    assert_int_equal(r.store, PATTERN + 15);
    assert_int_equal(gpr[15], 0x0102030405060708ull);
    assert_int_equal(rflags, FLAGS_BEFORE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(loads_by_size, reset),
        cmocka_unit_test_setup(sixteen_bit_load_keeps_bits_63_16, reset),
        cmocka_unit_test_setup(high_and_low_byte_registers, reset),
        cmocka_unit_test_setup(rsp_and_r15_destinations, reset),
        cmocka_unit_test_setup(movzx_and_movsx, reset),
        cmocka_unit_test_setup(stores, reset),
        cmocka_unit_test_setup(and_or_xor_into_memory, reset),
        cmocka_unit_test_setup(and_or_xor_into_a_register, reset),
        cmocka_unit_test_setup(test_writes_only_flags, reset),
        cmocka_unit_test_setup(xchg_swaps, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
