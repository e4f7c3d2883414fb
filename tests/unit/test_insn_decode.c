/* decode_mov on hand-assembled instructions.  Lengths from the SDM Vol. 2A ModRM/SIB tables
 * (2-2 "32-Bit Addressing Forms with the ModR/M Byte", 2-3 "... with the SIB Byte"; 2.2.1.6
 * RIP-relative addressing) and the opcode map (8B /r, 89 /r, C7 /0 id, A1/A3 moffs), checked
 * with objdump -D -b binary -mi386:x86-64 (or -mi386). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn_decode.h"

static struct mov_insn m;

/* Decodes bytes padded to 15 with 0xCC, as the hypervisor reads 15 bytes at RIP. */
static bool dec(const uint8_t *bytes, unsigned n, bool long64)
{
    uint8_t code[15];
    memset(code, 0xcc, sizeof(code));
    memcpy(code, bytes, n);
    memset(&m, 0x5a, sizeof(m));
    return decode_mov(code, sizeof(code), long64, &m);
}

#define DEC64(...) dec((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), true)
#define DEC32(...) dec((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), false)

static void expect(unsigned length, bool to_memory, unsigned reg, unsigned size)
{
    assert_int_equal(m.length, length);
    assert_int_equal(m.to_memory, to_memory);
    assert_int_equal(m.reg, reg);
    assert_int_equal(m.size, size);
}

static void loads(void **state)
{
    (void)state;
    assert_true(DEC64(0x8b, 0x05, 0xd1, 0xc2, 0xb3, 0xa4)); /* mov eax,[rip+disp32] */
    expect(6, false, 0, 4);
    assert_false(m.immediate);
    assert_true(DEC64(0x8b, 0x04, 0x25, 0x20, 0x00, 0xe0, 0xfe)); /* mov eax,[0xfee00020] (SIB, no base) */
    expect(7, false, 0, 4);
    assert_true(DEC64(0x48, 0x8b, 0x80, 0x20, 0x03, 0x00, 0x00)); /* mov rax,[rax+0x320] */
    expect(7, false, 0, 8);
    assert_true(DEC64(0x44, 0x8b, 0x48, 0x20)); /* mov r9d,[rax+0x20] */
    expect(4, false, 9, 4);
    assert_true(DEC64(0x8b, 0x44, 0x25, 0x08)); /* mov eax,[rbp+riz+8]: SIB base 5 with mod 01 */
    expect(4, false, 0, 4);
    assert_true(DEC64(0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00)); /* mov eax,[rsp+0x100] */
    expect(7, false, 0, 4);
    assert_true(DEC64(0x8b, 0x18)); /* mov ebx,[rax] */
    expect(2, false, 3, 4);
    assert_true(DEC64(0x41, 0x8b, 0x00)); /* mov eax,[r8]: REX.B is not the register */
    expect(3, false, 0, 4);
}

static void stores(void **state)
{
    (void)state;
    assert_true(DEC64(0x89, 0x10)); /* mov [rax],edx */
    expect(2, true, 2, 4);
    assert_false(m.immediate);
    assert_true(DEC64(0x4c, 0x89, 0x00)); /* mov [rax],r8 */
    expect(3, true, 8, 8);
    assert_true(DEC64(0x66, 0x89, 0x08)); /* mov [rax],cx */
    expect(3, true, 1, 2);
    assert_true(DEC64(0x66, 0x48, 0x89, 0x08)); /* REX.W wins over 66: mov [rax],rcx */
    expect(4, true, 1, 8);
}

static void immediate_stores(void **state)
{
    (void)state;
    assert_true(DEC64(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12)); /* mov dword [rax],0x12345678 */
    expect(6, true, 0, 4);
    assert_true(m.immediate);
    assert_int_equal(m.imm, 0x12345678);
    assert_true(DEC64(0xc7, 0x40, 0xb0, 0x00, 0x00, 0x00, 0x00)); /* mov dword [rax-0x50],0 */
    expect(7, true, 0, 4);
    assert_true(m.immediate);
    assert_int_equal(m.imm, 0);
    assert_true(DEC64(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0xb0, 0x00, 0x00, 0x00)); /* [rip+0x100],0xb0 */
    expect(10, true, 0, 4);
    assert_int_equal(m.imm, 0xb0);
    assert_true(DEC64(0x66, 0xc7, 0x00, 0x34, 0x12)); /* mov word [rax],0x1234: imm16 */
    expect(5, true, 0, 2);
    assert_int_equal(m.imm, 0x1234);
    assert_true(DEC64(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff)); /* mov qword [rax],-1: imm32 */
    expect(7, true, 0, 8);
    assert_int_equal(m.imm, 0xffffffffu);
}

static void segment_overrides_are_accepted(void **state)
{
    (void)state;
    assert_true(DEC64(0x64, 0x8b, 0x00)); /* mov eax,fs:[rax] */
    expect(3, false, 0, 4);
    assert_true(DEC64(0x2e, 0x89, 0x10));
    expect(3, true, 2, 4);
    assert_true(DEC32(0x3e, 0x65, 0x8b, 0x05, 0x20, 0x03, 0xe0, 0xfe)); /* two of them */
    expect(8, false, 0, 4);
}

static void moffs_forms(void **state)
{
    (void)state;
    assert_true(DEC64(0xa1, 0x20, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00)); /* moffs64 */
    expect(9, false, 0, 4);
    assert_true(DEC64(0x48, 0xa3, 0x20, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00)); /* mov [moffs64],rax */
    expect(10, true, 0, 8);
    assert_true(DEC64(0x67, 0xa1, 0x20, 0x03, 0x00, 0xe0)); /* address-size override: moffs32 */
    expect(6, false, 0, 4);
    assert_true(DEC32(0xa1, 0x20, 0x03, 0xe0, 0xfe)); /* 32-bit mode: moffs32 */
    expect(5, false, 0, 4);
    assert_true(DEC32(0xa3, 0x20, 0x03, 0xe0, 0xfe));
    expect(5, true, 0, 4);
}

static void protected_mode_forms(void **state)
{
    (void)state;
    assert_true(DEC32(0x8b, 0x05, 0x20, 0x03, 0xe0, 0xfe)); /* mov eax,[0xfee00320]: disp32 */
    expect(6, false, 0, 4);
    assert_true(DEC32(0x67, 0x8b, 0x06, 0x20, 0x03)); /* 16-bit addressing: mov eax,[0x320] */
    expect(5, false, 0, 4);
    assert_true(DEC32(0x67, 0x89, 0x47, 0x10)); /* mov [bx+0x10],eax */
    expect(4, true, 0, 4);
    /* 0x48 is DEC EAX outside 64-bit mode, not a REX prefix */
    assert_false(DEC32(0x48, 0x8b, 0x00));
}

static void rejected(void **state)
{
    (void)state;
    assert_false(DEC64(0x8b, 0xc0));                         /* mov eax,eax: register form */
    assert_false(DEC64(0x89, 0xd8));                         /* mov eax,ebx */
    assert_false(DEC64(0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00)); /* mov eax,1 */
    assert_false(DEC64(0xc7, 0x08, 0x00, 0x00, 0x00, 0x00)); /* C7 /1 */
    assert_false(DEC64(0xff, 0x00));                         /* inc dword [rax] */
    assert_false(DEC64(0x8a, 0x00));                         /* byte mov: not emulated */
    assert_false(DEC64(0xf3, 0xa5));                         /* rep movsd */
    assert_false(DEC64(0x0f, 0xb1, 0x10));                   /* cmpxchg */
}

static void truncated_input(void **state)
{
    (void)state;
    static const uint8_t full[] = {0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00};
    for (unsigned n = 0; n < sizeof(full); n++)
        if (decode_mov(full, n, true, &m))
            fail_msg("accepted %u of the 7 bytes", n);
    assert_true(decode_mov(full, sizeof(full), true, &m));
    assert_int_equal(m.length, 7);
    static const uint8_t imm[] = {0xc7, 0x40, 0xb0, 0x01, 0x02, 0x03, 0x04};
    for (unsigned n = 0; n < sizeof(imm); n++)
        assert_false(decode_mov(imm, n, true, &m));
    static const uint8_t moffs[] = {0xa1, 0x20, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00};
    for (unsigned n = 0; n < sizeof(moffs); n++)
        assert_false(decode_mov(moffs, n, true, &m));
    static const uint8_t prefixes[] = {0x66, 0x48};
    assert_false(decode_mov(prefixes, 2, true, &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads),
        cmocka_unit_test(stores),
        cmocka_unit_test(immediate_stores),
        cmocka_unit_test(segment_overrides_are_accepted),
        cmocka_unit_test(moffs_forms),
        cmocka_unit_test(protected_mode_forms),
        cmocka_unit_test(rejected),
        cmocka_unit_test(truncated_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
