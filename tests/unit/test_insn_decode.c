/* decode_mem_insn on the encodings of the APIC-page instructions in 16-, 32- and 64-bit code.
 *
 * Every length and meaning below comes from objdump (GNU Binutils 2.40): the bytes of each row,
 * followed by int3 (CC) bytes, were disassembled with
 *     objdump -D -b binary -mi386:x86-64 -Mintel      (M64)
 *     objdump -D -b binary -mi386 -Mintel             (M32)
 *     objdump -D -b binary -mi386 -Maddr16,data16,intel   (M16)
 * the length is the offset of the next instruction and the comment is objdump's text.  One row
 * says otherwise: objdump prints a REX prefix that a legacy prefix follows as an instruction of
 * its own, while the CPU ignores it as part of the instruction (SDM Vol. 2A 2.2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn_decode.h"

#define M16 CPU_MODE_16
#define M32 CPU_MODE_32
#define M64 CPU_MODE_64

/* struct mem_insn's flags, in one column of the table */
#define MEMW 1u /* to_memory */
#define HIGH 2u /* high_byte */
#define IMM  4u /* has_imm (reg is then not compared) */

struct accepted {
    enum cpu_mode mode;
    const char *hex;
    unsigned length;
    enum mem_op op;
    unsigned size, reg_size, reg, flags;
    uint64_t imm;
};

/* mode, bytes, length, op, size, reg_size, reg, flags, imm (sign-extended to 64 bits) */
static const struct accepted accepted[] = {
    { M64, "8b 05 20 03 00 00", 6, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [rip+0x320] # 0x326 */
    { M64, "8b 04 25 20 03 e0 fe", 7, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR ds:0xfffffffffee00320 */
    { M64, "48 8b 80 20 03 00 00", 7, MEM_LOAD, 8, 8, 0, 0, 0 }, /* mov rax,QWORD PTR [rax+0x320] */
    { M64, "44 8b 48 20", 4, MEM_LOAD, 4, 4, 9, 0, 0 }, /* mov r9d,DWORD PTR [rax+0x20] */
    { M64, "8b 44 25 08", 4, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [rbp+riz*1+0x8] */
    { M64, "8b 84 24 00 01 00 00", 7, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [rsp+0x100] */
    { M64, "41 8b 00", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [r8] */
    { M64, "8b 20", 2, MEM_LOAD, 4, 4, 4, 0, 0 }, /* mov esp,DWORD PTR [rax] */
    { M64, "4c 8b 38", 3, MEM_LOAD, 8, 8, 15, 0, 0 }, /* mov r15,QWORD PTR [rax] */
    { M64, "4c 8b bc 24 00 01 00 00", 8, MEM_LOAD, 8, 8, 15, 0, 0 }, /* mov r15,QWORD PTR [rsp+0x100] */
    { M64, "8b 1c 8d 00 00 e0 fe", 7, MEM_LOAD, 4, 4, 3, 0, 0 }, /* mov ebx,DWORD PTR [rcx*4-0x1200000] */
    { M64, "42 8b 04 e5 00 00 e0 fe", 8, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [r12*8-0x1200000] */
    { M64, "8b 43 f0", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [rbx-0x10] */
    { M64, "41 8b 45 00", 4, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [r13+0x0] */
    { M64, "8b 45 00", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [rbp+0x0] */
    { M64, "67 8b 00", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [eax] */
    { M64, "67 8b 05 00 01 00 00", 7, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [eip+0x100] # 0x107 */
    { M64, "67 8b 04 24", 4, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [esp] */
    { M64, "66 8b 08", 3, MEM_LOAD, 2, 2, 1, 0, 0 }, /* mov cx,WORD PTR [rax] */
    { M64, "66 48 89 08", 4, MEM_STORE, 8, 8, 1, MEMW, 0 }, /* data16 mov QWORD PTR [rax],rcx */
    { M64, "48 66 89 08", 4, MEM_STORE, 2, 2, 1, MEMW, 0 }, /* rex.W (ignored: SDM Vol. 2A 2.2.1) mov WORD PTR [rax],cx */
    { M64, "89 10", 2, MEM_STORE, 4, 4, 2, MEMW, 0 }, /* mov DWORD PTR [rax],edx */
    { M64, "4c 89 00", 3, MEM_STORE, 8, 8, 8, MEMW, 0 }, /* mov QWORD PTR [rax],r8 */
    { M64, "66 89 08", 3, MEM_STORE, 2, 2, 1, MEMW, 0 }, /* mov WORD PTR [rax],cx */
    { M64, "88 20", 2, MEM_STORE, 1, 1, 0, MEMW | HIGH, 0 }, /* mov BYTE PTR [rax],ah */
    { M64, "40 88 20", 3, MEM_STORE, 1, 1, 4, MEMW, 0 }, /* mov BYTE PTR [rax],spl */
    { M64, "88 38", 2, MEM_STORE, 1, 1, 3, MEMW | HIGH, 0 }, /* mov BYTE PTR [rax],bh */
    { M64, "40 88 38", 3, MEM_STORE, 1, 1, 7, MEMW, 0 }, /* mov BYTE PTR [rax],dil */
    { M64, "44 88 38", 3, MEM_STORE, 1, 1, 15, MEMW, 0 }, /* mov BYTE PTR [rax],r15b */
    { M64, "8a 3d 00 01 00 00", 6, MEM_LOAD, 1, 1, 3, HIGH, 0 }, /* mov bh,BYTE PTR [rip+0x100] # 0x106 */
    { M64, "8a 20", 2, MEM_LOAD, 1, 1, 0, HIGH, 0 }, /* mov ah,BYTE PTR [rax] */
    { M64, "40 8a 20", 3, MEM_LOAD, 1, 1, 4, 0, 0 }, /* mov spl,BYTE PTR [rax] */
    { M64, "48 8a 20", 3, MEM_LOAD, 1, 1, 4, 0, 0 }, /* rex.W mov spl,BYTE PTR [rax] */
    { M64, "8a 08", 2, MEM_LOAD, 1, 1, 1, 0, 0 }, /* mov cl,BYTE PTR [rax] */
    { M64, "c7 00 78 56 34 12", 6, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x12345678ull }, /* mov DWORD PTR [rax],0x12345678 */
    { M64, "c7 40 b0 00 00 00 00", 7, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x0ull }, /* mov DWORD PTR [rax-0x50],0x0 */
    { M64, "c7 05 00 01 00 00 b0 00 00 00", 10, MEM_STORE, 4, 4, 0, MEMW | IMM, 0xb0ull }, /* mov DWORD PTR [rip+0x100],0xb0 # 0x10a */
    { M64, "66 c7 00 34 12", 5, MEM_STORE, 2, 2, 0, MEMW | IMM, 0x1234ull }, /* mov WORD PTR [rax],0x1234 */
    { M64, "66 c7 00 00 80", 5, MEM_STORE, 2, 2, 0, MEMW | IMM, 0xffffffffffff8000ull }, /* mov WORD PTR [rax],0x8000 */
    { M64, "48 c7 00 ff ff ff ff", 7, MEM_STORE, 8, 8, 0, MEMW | IMM, 0xffffffffffffffffull }, /* mov QWORD PTR [rax],0xffffffffffffffff */
    { M64, "c6 00 ff", 3, MEM_STORE, 1, 1, 0, MEMW | IMM, 0xffffffffffffffffull }, /* mov BYTE PTR [rax],0xff */
    { M64, "c7 44 24 08 01 00 00 00", 8, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x1ull }, /* mov DWORD PTR [rsp+0x8],0x1 */
    { M64, "c7 84 24 00 01 00 00 01 00 00 00", 11, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x1ull }, /* mov DWORD PTR [rsp+0x100],0x1 */
    { M64, "c7 04 25 20 03 e0 fe 00 00 00 00", 11, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x0ull }, /* mov DWORD PTR ds:0xfffffffffee00320,0x0 */
    { M64, "66 c7 05 00 01 00 00 34 12", 9, MEM_STORE, 2, 2, 0, MEMW | IMM, 0x1234ull }, /* mov WORD PTR [rip+0x100],0x1234 # 0x109 */
    { M64, "80 08 01", 3, MEM_OR, 1, 1, 0, MEMW | IMM, 0x1ull }, /* or BYTE PTR [rax],0x1 */
    { M64, "80 20 7f", 3, MEM_AND, 1, 1, 0, MEMW | IMM, 0x7full }, /* and BYTE PTR [rax],0x7f */
    { M64, "80 30 80", 3, MEM_XOR, 1, 1, 0, MEMW | IMM, 0xffffffffffffff80ull }, /* xor BYTE PTR [rax],0x80 */
    { M64, "81 08 00 00 00 80", 6, MEM_OR, 4, 4, 0, MEMW | IMM, 0xffffffff80000000ull }, /* or DWORD PTR [rax],0x80000000 */
    { M64, "66 81 08 34 12", 5, MEM_OR, 2, 2, 0, MEMW | IMM, 0x1234ull }, /* or WORD PTR [rax],0x1234 */
    { M64, "48 81 20 00 ff ff ff", 7, MEM_AND, 8, 8, 0, MEMW | IMM, 0xffffffffffffff00ull }, /* and QWORD PTR [rax],0xffffffffffffff00 */
    { M64, "83 08 ff", 3, MEM_OR, 4, 4, 0, MEMW | IMM, 0xffffffffffffffffull }, /* or DWORD PTR [rax],0xffffffff */
    { M64, "66 83 20 80", 4, MEM_AND, 2, 2, 0, MEMW | IMM, 0xffffffffffffff80ull }, /* and WORD PTR [rax],0xff80 */
    { M64, "48 83 30 01", 4, MEM_XOR, 8, 8, 0, MEMW | IMM, 0x1ull }, /* xor QWORD PTR [rax],0x1 */
    { M64, "83 34 25 20 03 e0 fe 01", 8, MEM_XOR, 4, 4, 0, MEMW | IMM, 0x1ull }, /* xor DWORD PTR ds:0xfffffffffee00320,0x1 */
    { M64, "f6 00 01", 3, MEM_TEST, 1, 1, 0, IMM, 0x1ull }, /* test BYTE PTR [rax],0x1 */
    { M64, "f7 00 00 00 00 80", 6, MEM_TEST, 4, 4, 0, IMM, 0xffffffff80000000ull }, /* test DWORD PTR [rax],0x80000000 */
    { M64, "66 f7 00 00 80", 5, MEM_TEST, 2, 2, 0, IMM, 0xffffffffffff8000ull }, /* test WORD PTR [rax],0x8000 */
    { M64, "48 f7 05 00 01 00 00 ff 00 00 00", 11, MEM_TEST, 8, 8, 0, IMM, 0xffull }, /* test QWORD PTR [rip+0x100],0xff # 0x10b */
    { M64, "21 08", 2, MEM_AND, 4, 4, 1, MEMW, 0 }, /* and DWORD PTR [rax],ecx */
    { M64, "23 08", 2, MEM_AND, 4, 4, 1, 0, 0 }, /* and ecx,DWORD PTR [rax] */
    { M64, "20 08", 2, MEM_AND, 1, 1, 1, MEMW, 0 }, /* and BYTE PTR [rax],cl */
    { M64, "22 28", 2, MEM_AND, 1, 1, 1, HIGH, 0 }, /* and ch,BYTE PTR [rax] */
    { M64, "48 21 08", 3, MEM_AND, 8, 8, 1, MEMW, 0 }, /* and QWORD PTR [rax],rcx */
    { M64, "09 08", 2, MEM_OR, 4, 4, 1, MEMW, 0 }, /* or DWORD PTR [rax],ecx */
    { M64, "0b 08", 2, MEM_OR, 4, 4, 1, 0, 0 }, /* or ecx,DWORD PTR [rax] */
    { M64, "08 08", 2, MEM_OR, 1, 1, 1, MEMW, 0 }, /* or BYTE PTR [rax],cl */
    { M64, "0a 30", 2, MEM_OR, 1, 1, 2, HIGH, 0 }, /* or dh,BYTE PTR [rax] */
    { M64, "45 0a 38", 3, MEM_OR, 1, 1, 15, 0, 0 }, /* or r15b,BYTE PTR [r8] */
    { M64, "31 08", 2, MEM_XOR, 4, 4, 1, MEMW, 0 }, /* xor DWORD PTR [rax],ecx */
    { M64, "33 08", 2, MEM_XOR, 4, 4, 1, 0, 0 }, /* xor ecx,DWORD PTR [rax] */
    { M64, "30 08", 2, MEM_XOR, 1, 1, 1, MEMW, 0 }, /* xor BYTE PTR [rax],cl */
    { M64, "32 20", 2, MEM_XOR, 1, 1, 0, HIGH, 0 }, /* xor ah,BYTE PTR [rax] */
    { M64, "66 33 08", 3, MEM_XOR, 2, 2, 1, 0, 0 }, /* xor cx,WORD PTR [rax] */
    { M64, "85 08", 2, MEM_TEST, 4, 4, 1, 0, 0 }, /* test DWORD PTR [rax],ecx */
    { M64, "84 20", 2, MEM_TEST, 1, 1, 0, HIGH, 0 }, /* test BYTE PTR [rax],ah */
    { M64, "48 85 08", 3, MEM_TEST, 8, 8, 1, 0, 0 }, /* test QWORD PTR [rax],rcx */
    { M64, "66 85 08", 3, MEM_TEST, 2, 2, 1, 0, 0 }, /* test WORD PTR [rax],cx */
    { M64, "87 08", 2, MEM_XCHG, 4, 4, 1, MEMW, 0 }, /* xchg DWORD PTR [rax],ecx */
    { M64, "86 20", 2, MEM_XCHG, 1, 1, 0, MEMW | HIGH, 0 }, /* xchg BYTE PTR [rax],ah */
    { M64, "48 87 08", 3, MEM_XCHG, 8, 8, 1, MEMW, 0 }, /* xchg QWORD PTR [rax],rcx */
    { M64, "66 87 08", 3, MEM_XCHG, 2, 2, 1, MEMW, 0 }, /* xchg WORD PTR [rax],cx */
    { M64, "4c 87 38", 3, MEM_XCHG, 8, 8, 15, MEMW, 0 }, /* xchg QWORD PTR [rax],r15 */
    { M64, "f0 09 08", 3, MEM_OR, 4, 4, 1, MEMW, 0 }, /* lock or DWORD PTR [rax],ecx */
    { M64, "f0 87 08", 3, MEM_XCHG, 4, 4, 1, MEMW, 0 }, /* lock xchg DWORD PTR [rax],ecx */
    { M64, "f0 80 08 01", 4, MEM_OR, 1, 1, 0, MEMW | IMM, 0x1ull }, /* lock or BYTE PTR [rax],0x1 */
    { M64, "f0 83 20 fe", 4, MEM_AND, 4, 4, 0, MEMW | IMM, 0xfffffffffffffffeull }, /* lock and DWORD PTR [rax],0xfffffffe */
    { M64, "f0 48 21 08", 4, MEM_AND, 8, 8, 1, MEMW, 0 }, /* lock and QWORD PTR [rax],rcx */
    { M64, "66 f0 31 08", 4, MEM_XOR, 2, 2, 1, MEMW, 0 }, /* lock xor WORD PTR [rax],cx */
    { M64, "f3 89 08", 3, MEM_STORE, 4, 4, 1, MEMW, 0 }, /* xrelease mov DWORD PTR [rax],ecx */
    { M64, "f2 f0 09 08", 4, MEM_OR, 4, 4, 1, MEMW, 0 }, /* xacquire lock or DWORD PTR [rax],ecx */
    { M64, "f3 87 08", 3, MEM_XCHG, 4, 4, 1, MEMW, 0 }, /* xrelease xchg DWORD PTR [rax],ecx */
    { M64, "f2 87 08", 3, MEM_XCHG, 4, 4, 1, MEMW, 0 }, /* xacquire xchg DWORD PTR [rax],ecx */
    { M64, "f3 c6 00 01", 4, MEM_STORE, 1, 1, 0, MEMW | IMM, 0x1ull }, /* xrelease mov BYTE PTR [rax],0x1 */
    { M64, "f3 c7 00 01 00 00 00", 7, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x1ull }, /* xrelease mov DWORD PTR [rax],0x1 */
    { M64, "0f b6 00", 3, MEM_MOVZX, 1, 4, 0, 0, 0 }, /* movzx eax,BYTE PTR [rax] */
    { M64, "0f b7 00", 3, MEM_MOVZX, 2, 4, 0, 0, 0 }, /* movzx eax,WORD PTR [rax] */
    { M64, "48 0f be 00", 4, MEM_MOVSX, 1, 8, 0, 0, 0 }, /* movsx rax,BYTE PTR [rax] */
    { M64, "66 0f be 00", 4, MEM_MOVSX, 1, 2, 0, 0, 0 }, /* movsx ax,BYTE PTR [rax] */
    { M64, "0f bf 38", 3, MEM_MOVSX, 2, 4, 7, 0, 0 }, /* movsx edi,WORD PTR [rax] */
    { M64, "44 0f b6 38", 4, MEM_MOVZX, 1, 4, 15, 0, 0 }, /* movzx r15d,BYTE PTR [rax] */
    { M64, "4c 0f b7 20", 4, MEM_MOVZX, 2, 8, 12, 0, 0 }, /* movzx r12,WORD PTR [rax] */
    { M64, "0f b6 25 00 01 00 00", 7, MEM_MOVZX, 1, 4, 4, 0, 0 }, /* movzx esp,BYTE PTR [rip+0x100] # 0x107 */
    { M64, "40 0f b6 20", 4, MEM_MOVZX, 1, 4, 4, 0, 0 }, /* rex movzx esp,BYTE PTR [rax] */
    { M64, "66 0f b7 00", 4, MEM_MOVZX, 2, 2, 0, 0, 0 }, /* movzx ax,WORD PTR [rax] */
    { M64, "a1 20 03 e0 fe 00 00 00 00", 9, MEM_LOAD, 4, 4, 0, 0, 0 }, /* movabs eax,ds:0xfee00320 */
    { M64, "48 a3 20 03 e0 fe 00 00 00 00", 10, MEM_STORE, 8, 8, 0, MEMW, 0 }, /* movabs ds:0xfee00320,rax */
    { M64, "67 a1 20 03 e0 fe", 6, MEM_LOAD, 4, 4, 0, 0, 0 }, /* addr32 mov eax,ds:0xfee00320 */
    { M64, "a0 90 03 e0 fe 00 00 00 00", 9, MEM_LOAD, 1, 1, 0, 0, 0 }, /* movabs al,ds:0xfee00390 */
    { M64, "a2 90 03 e0 fe 00 00 00 00", 9, MEM_STORE, 1, 1, 0, MEMW, 0 }, /* movabs ds:0xfee00390,al */
    { M64, "66 a1 90 03 e0 fe 00 00 00 00", 10, MEM_LOAD, 2, 2, 0, 0, 0 }, /* movabs ax,ds:0xfee00390 */
    { M64, "64 8b 00", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR fs:[rax] */
    { M64, "2e 89 10", 3, MEM_STORE, 4, 4, 2, MEMW, 0 }, /* cs mov DWORD PTR [rax],edx */
    { M64, "65 48 8b 04 25 20 03 e0 fe", 9, MEM_LOAD, 8, 8, 0, 0, 0 }, /* mov rax,QWORD PTR gs:0xfffffffffee00320 */
    { M64, "3e 26 36 8b 00", 5, MEM_LOAD, 4, 4, 0, 0, 0 }, /* ds es ss mov eax,DWORD PTR [rax] */
    { M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", 15, MEM_LOAD, 2, 2, 0, 0, 0 }, /* 13 x data16, mov ax,WORD PTR [rax]: 15 bytes, the limit */
    { M64, "f0 64 66 48 81 8c 24 00 01 00 00 01 00 00 00", 15, MEM_OR, 8, 8, 0, MEMW | IMM, 0x1ull }, /* lock data16 or QWORD PTR fs:[rsp+0x100],0x1: 15 bytes */
    { M32, "8b 05 20 03 e0 fe", 6, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR ds:0xfee00320 */
    { M32, "8b 04 25 20 03 e0 fe", 7, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [eiz*1-0x11ffce0] */
    { M32, "8b 1c 8d 00 00 e0 fe", 7, MEM_LOAD, 4, 4, 3, 0, 0 }, /* mov ebx,DWORD PTR [ecx*4-0x1200000] */
    { M32, "67 8b 06 20 03", 5, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR ds:0x320 */
    { M32, "67 89 47 10", 4, MEM_STORE, 4, 4, 0, MEMW, 0 }, /* mov DWORD PTR [bx+0x10],eax */
    { M32, "67 8b 87 20 03", 5, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [bx+0x320] */
    { M32, "67 8b 04", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [si] */
    { M32, "67 8b 00", 3, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR [bx+si] */
    { M32, "66 8b 00", 3, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [eax] */
    { M32, "66 67 8b 06 90 03", 6, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR ds:0x390 */
    { M32, "a1 90 03 e0 fe", 5, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,ds:0xfee00390 */
    { M32, "67 a1 90 03", 4, MEM_LOAD, 4, 4, 0, 0, 0 }, /* addr16 mov eax,ds:0x390 */
    { M32, "66 a1 90 03 e0 fe", 6, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,ds:0xfee00390 */
    { M32, "a2 90 03 e0 fe", 5, MEM_STORE, 1, 1, 0, MEMW, 0 }, /* mov ds:0xfee00390,al */
    { M32, "c7 05 20 03 e0 fe 00 00 00 00", 10, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x0ull }, /* mov DWORD PTR ds:0xfee00320,0x0 */
    { M32, "66 c7 05 20 03 e0 fe 34 12", 9, MEM_STORE, 2, 2, 0, MEMW | IMM, 0x1234ull }, /* mov WORD PTR ds:0xfee00320,0x1234 */
    { M32, "88 20", 2, MEM_STORE, 1, 1, 0, MEMW | HIGH, 0 }, /* mov BYTE PTR [eax],ah */
    { M32, "88 3d 90 03 e0 fe", 6, MEM_STORE, 1, 1, 3, MEMW | HIGH, 0 }, /* mov BYTE PTR ds:0xfee00390,bh */
    { M32, "0f b7 05 90 03 e0 fe", 7, MEM_MOVZX, 2, 4, 0, 0, 0 }, /* movzx eax,WORD PTR ds:0xfee00390 */
    { M32, "66 0f be 05 90 03 e0 fe", 8, MEM_MOVSX, 1, 2, 0, 0, 0 }, /* movsx ax,BYTE PTR ds:0xfee00390 */
    { M32, "83 0d 90 03 e0 fe 01", 7, MEM_OR, 4, 4, 0, MEMW | IMM, 0x1ull }, /* or DWORD PTR ds:0xfee00390,0x1 */
    { M32, "f0 21 0d 90 03 e0 fe", 7, MEM_AND, 4, 4, 1, MEMW, 0 }, /* lock and DWORD PTR ds:0xfee00390,ecx */
    { M32, "85 05 a0 00 e0 fe", 6, MEM_TEST, 4, 4, 0, 0, 0 }, /* test DWORD PTR ds:0xfee000a0,eax */
    { M32, "82 08 01", 3, MEM_OR, 1, 1, 0, MEMW | IMM, 0x1ull }, /* or BYTE PTR [eax],0x1 */
    { M32, "3e 8b 05 20 03 e0 fe", 7, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR ds:0xfee00320 */
    { M32, "3e 65 8b 05 20 03 e0 fe", 8, MEM_LOAD, 4, 4, 0, 0, 0 }, /* ds mov eax,DWORD PTR gs:0xfee00320 */
    { M16, "8b 06 90 03", 4, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR ds:0x390 */
    { M16, "67 8b 04 25 90 03 e0 fe", 8, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [eiz*1-0x11ffc70] */
    { M16, "67 66 8b 05 90 03 e0 fe", 8, MEM_LOAD, 4, 4, 0, 0, 0 }, /* addr32 mov eax,DWORD PTR ds:0xfee00390 */
    { M16, "66 8b 06 90 03", 5, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,DWORD PTR ds:0x390 */
    { M16, "a1 90 03", 3, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,ds:0x390 */
    { M16, "67 a1 90 03 e0 fe", 6, MEM_LOAD, 2, 2, 0, 0, 0 }, /* addr32 mov ax,ds:0xfee00390 */
    { M16, "66 a1 90 03", 4, MEM_LOAD, 4, 4, 0, 0, 0 }, /* mov eax,ds:0x390 */
    { M16, "c7 06 90 03 34 12", 6, MEM_STORE, 2, 2, 0, MEMW | IMM, 0x1234ull }, /* mov WORD PTR ds:0x390,0x1234 */
    { M16, "66 c7 06 90 03 78 56 34 12", 9, MEM_STORE, 4, 4, 0, MEMW | IMM, 0x12345678ull }, /* mov DWORD PTR ds:0x390,0x12345678 */
    { M16, "81 0e 90 03 00 80", 6, MEM_OR, 2, 2, 0, MEMW | IMM, 0xffffffffffff8000ull }, /* or WORD PTR ds:0x390,0x8000 */
    { M16, "83 26 90 03 fe", 5, MEM_AND, 2, 2, 0, MEMW | IMM, 0xfffffffffffffffeull }, /* and WORD PTR ds:0x390,0xfffe */
    { M16, "8b 47 10", 3, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [bx+0x10] */
    { M16, "8b 87 90 03", 4, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [bx+0x390] */
    { M16, "8b 00", 2, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [bx+si] */
    { M16, "8b 46 00", 3, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR [bp+0x0] */
    { M16, "88 26 90 03", 4, MEM_STORE, 1, 1, 0, MEMW | HIGH, 0 }, /* mov BYTE PTR ds:0x390,ah */
    { M16, "0f b6 06 90 03", 5, MEM_MOVZX, 1, 2, 0, 0, 0 }, /* movzx ax,BYTE PTR ds:0x390 */
    { M16, "66 0f b7 06 90 03", 6, MEM_MOVZX, 2, 4, 0, 0, 0 }, /* movzx eax,WORD PTR ds:0x390 */
    { M16, "0f bf 47 02", 4, MEM_MOVSX, 2, 2, 0, 0, 0 }, /* movsx ax,WORD PTR [bx+0x2] */
    { M16, "82 26 90 03 fe", 5, MEM_AND, 1, 1, 0, MEMW | IMM, 0xfffffffffffffffeull }, /* and BYTE PTR ds:0x390,0xfe */
    { M16, "64 8b 06 90 03", 5, MEM_LOAD, 2, 2, 0, 0, 0 }, /* mov ax,WORD PTR fs:0x390 */
    { M16, "f6 06 90 03 01", 5, MEM_TEST, 1, 1, 0, IMM, 0x1ull }, /* test BYTE PTR ds:0x390,0x1 */
    { M16, "f0 31 0e 90 03", 5, MEM_XOR, 2, 2, 1, MEMW, 0 }, /* lock xor WORD PTR ds:0x390,cx */
    { M16, "87 0e 90 03", 4, MEM_XCHG, 2, 2, 1, MEMW, 0 }, /* xchg WORD PTR ds:0x390,cx */
    { M16, "67 89 0c 8d 00 00 e0 fe", 8, MEM_STORE, 2, 2, 1, MEMW, 0 }, /* mov WORD PTR [ecx*4-0x1200000],cx */
    { M16, "26 67 66 f0 09 05 90 03 e0 fe", 10, MEM_OR, 4, 4, 0, MEMW, 0 }, /* addr32 lock or DWORD PTR es:0xfee00390,eax */
};

struct refused {
    enum cpu_mode mode;
    const char *hex;
};

/* Not an APIC-page instruction, a register-only form, a prefix the CPU refuses (#UD for LOCK)
 * or that is reserved there (F2/F3), or longer than 15 bytes (#GP). */
static const struct refused refused[] = {
    { M64, "8b c0" }, /* mov eax,eax */
    { M64, "89 d8" }, /* mov eax,ebx */
    { M64, "8a c4" }, /* mov al,ah */
    { M64, "c7 c0 01 00 00 00" }, /* mov eax,0x1 */
    { M64, "c7 08 00 00 00 00" }, /* C7 /1: (bad) per objdump */
    { M64, "ff 00" }, /* inc DWORD PTR [rax] */
    { M64, "f3 a5" }, /* rep movs DWORD PTR es:[rdi],DWORD PTR ds:[rsi] */
    { M64, "0f b1 10" }, /* cmpxchg DWORD PTR [rax],edx */
    { M64, "03 00" }, /* add eax,DWORD PTR [rax] */
    { M64, "3b 00" }, /* cmp eax,DWORD PTR [rax] */
    { M64, "80 00 01" }, /* add BYTE PTR [rax],0x1 */
    { M64, "80 38 01" }, /* cmp BYTE PTR [rax],0x1 */
    { M64, "83 18 01" }, /* sbb DWORD PTR [rax],0x1 */
    { M64, "f6 10" }, /* not BYTE PTR [rax] */
    { M64, "f7 18" }, /* neg DWORD PTR [rax] */
    { M64, "f6 08 01" }, /* test BYTE PTR [rax],0x1 per objdump: F6 /1 is an undocumented alias */
    { M64, "c6 f8 00" }, /* xabort 0x0 */
    { M64, "c7 f8 00 00 00 00" }, /* xbegin 0x6 */
    { M64, "0f b6 c0" }, /* movzx eax,al */
    { M64, "f3 0f b6 00" }, /* repz movzx per objdump: F3 is a mandatory prefix in the 0F map */
    { M64, "f2 0f bf 00" }, /* repnz movsx per objdump */
    { M64, "f3 0f b8 00" }, /* popcnt eax,DWORD PTR [rax] */
    { M64, "8c 00" }, /* mov WORD PTR [rax],es */
    { M64, "8e 00" }, /* mov es,WORD PTR [rax] */
    { M64, "63 00" }, /* movsxd eax,DWORD PTR [rax] */
    { M64, "c4 e2 79 18 00" }, /* vbroadcastss xmm0,DWORD PTR [rax] */
    { M64, "f0 8b 00" }, /* lock mov eax,DWORD PTR [rax] */
    { M64, "f0 85 08" }, /* lock test DWORD PTR [rax],ecx */
    { M64, "f0 0b 08" }, /* lock or ecx,DWORD PTR [rax] */
    { M64, "f0 0f b6 00" }, /* lock movzx eax,BYTE PTR [rax] */
    { M64, "f0 a1 20 03 e0 fe 00 00 00 00" }, /* lock movabs eax,ds:0xfee00320 */
    { M64, "f0 c7 00 01 00 00 00" }, /* lock mov DWORD PTR [rax],0x1 */
    { M64, "f0 f6 00 01" }, /* lock test BYTE PTR [rax],0x1 */
    { M64, "f3 8b 08" }, /* repz mov ecx,DWORD PTR [rax] */
    { M64, "f2 89 08" }, /* repnz mov DWORD PTR [rax],ecx */
    { M64, "f2 c7 00 01 00 00 00" }, /* repnz mov DWORD PTR [rax],0x1 */
    { M64, "f3 85 08" }, /* repz test DWORD PTR [rax],ecx */
    { M64, "f3 0b 08" }, /* repz or ecx,DWORD PTR [rax] */
    { M64, "f3 21 08" }, /* repz and DWORD PTR [rax],ecx */
    { M64, "f3 a3 20 03 e0 fe 00 00 00 00" }, /* repz movabs ds:0xfee00320,eax */
    { M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00" }, /* 14 x data16, mov ax,WORD PTR [rax]: 16 bytes, over the limit (#GP) */
    { M64, "f0 64 66 66 48 81 8c 24 00 01 00 00 01 00 00 00" }, /* lock data16 data16 or QWORD PTR fs:[rsp+0x100],0x1: 16 bytes (#GP) */
    { M32, "48 8b 00" }, /* dec eax */
    { M64, "82 08 01" }, /* 82 in 64-bit mode: (bad) per objdump, #UD */
    { M32, "8b c0" }, /* mov eax,eax */
    { M32, "c5 f8 28 00" }, /* vmovaps xmm0,XMMWORD PTR [eax] */
    { M16, "48 8b 06 90 03" }, /* dec ax */
    { M16, "8b c0" }, /* mov ax,ax */
    { M16, "ff 06 90 03" }, /* inc WORD PTR ds:0x390 */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parses "8b 05 ..." into code, padded to the buffer's end with int3 (CC); returns the count. */
static unsigned parse(const char *hex, uint8_t code[32])
{
    unsigned n = 0;
    memset(code, 0xcc, 32);
    for (const char *p = hex; *p; p++) {
        if (*p == ' ')
            continue;
        unsigned hi = (unsigned)(p[0] <= '9' ? p[0] - '0' : p[0] - 'a' + 10);
        unsigned lo = (unsigned)(p[1] <= '9' ? p[1] - '0' : p[1] - 'a' + 10);
        code[n++] = (uint8_t)(hi << 4 | lo);
        p++;
    }
    return n;
}

#define EXPECT(c, field, want)                                                                  \
    do {                                                                                        \
        if ((uint64_t)(field) != (uint64_t)(want))                                              \
            fail_msg("%s (mode %d): " #field " is 0x%llx, want 0x%llx", (c)->hex, (c)->mode,    \
                     (unsigned long long)(field), (unsigned long long)(want));                  \
    } while (0)

static void expect_row(const struct accepted *c, const struct mem_insn *i)
{
    EXPECT(c, i->length, c->length);
    EXPECT(c, i->op, c->op);
    EXPECT(c, i->size, c->size);
    EXPECT(c, i->reg_size, c->reg_size);
    EXPECT(c, i->to_memory, (c->flags & MEMW) != 0);
    EXPECT(c, i->high_byte, (c->flags & HIGH) != 0);
    EXPECT(c, i->has_imm, (c->flags & IMM) != 0);
    if (c->flags & IMM)
        EXPECT(c, i->imm, c->imm);
    else
        EXPECT(c, i->reg, c->reg);
}

static void decodes_every_row(void **state)
{
    (void)state;
    for (unsigned k = 0; k < COUNT(accepted); k++) {
        const struct accepted *c = &accepted[k];
        uint8_t code[32];
        struct mem_insn i;
        parse(c->hex, code);
        if (!decode_mem_insn(code, sizeof(code), c->mode, &i))
            fail_msg("%s (mode %d): refused", c->hex, c->mode);
        expect_row(c, &i);
    }
}

/* The decoder needs exactly the instruction's bytes: it accepts them without the padding and
 * refuses every shorter input, as at the end of a mapped page. */
static void truncated_input_is_refused_at_every_length(void **state)
{
    (void)state;
    for (unsigned k = 0; k < COUNT(accepted); k++) {
        const struct accepted *c = &accepted[k];
        uint8_t code[32];
        struct mem_insn i;
        unsigned n = parse(c->hex, code);
        assert_int_equal(n, c->length);
        if (!decode_mem_insn(code, n, c->mode, &i) || i.length != n)
            fail_msg("%s (mode %d): not decoded from exactly its bytes", c->hex, c->mode);
        for (unsigned short_len = 0; short_len < n; short_len++)
            if (decode_mem_insn(code, short_len, c->mode, &i))
                fail_msg("%s (mode %d): accepted %u bytes", c->hex, c->mode, short_len);
    }
}

static void refuses_every_row(void **state)
{
    (void)state;
    for (unsigned k = 0; k < COUNT(refused); k++) {
        uint8_t code[32];
        struct mem_insn i;
        parse(refused[k].hex, code);
        if (decode_mem_insn(code, sizeof(code), refused[k].mode, &i))
            fail_msg("%s (mode %d): accepted, length %u", refused[k].hex, refused[k].mode, i.length);
    }
}

/* The review's case: in 16-bit code, 67 makes the addressing 32-bit (a SIB and a disp32) and the
 * operand stays 16-bit.  The same bytes are three different instructions in the three modes. */
static void same_bytes_in_each_mode(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x67, 0x8b, 0x04, 0x25, 0x90, 0x03, 0xe0, 0xfe };
    struct mem_insn i;
    assert_true(decode_mem_insn(code, sizeof(code), CPU_MODE_16, &i)); /* mov ax,[0xfee00390] */
    assert_int_equal(i.length, 8);
    assert_int_equal(i.size, 2);
    assert_true(decode_mem_insn(code, sizeof(code), CPU_MODE_32, &i)); /* mov eax,[si] */
    assert_int_equal(i.length, 3);
    assert_int_equal(i.size, 4);
    assert_true(decode_mem_insn(code, sizeof(code), CPU_MODE_64, &i)); /* mov eax,[0xfee00390] */
    assert_int_equal(i.length, 8);
    assert_int_equal(i.size, 4);
}

/* mov r64,[rax] (REX.W, REX.R for 8-15) and mov r8,[rax] for every register; objdump names them
 * rax..r15 and, with a REX (40 or 44), al..bl spl bpl sil dil r8b..r15b, without one al..bh. */
static void every_destination_register(void **state)
{
    (void)state;
    struct mem_insn i;
    for (unsigned r = 0; r < 16; r++) {
        uint8_t rex = (uint8_t)((r & 8) ? 0x44 : 0x40);
        uint8_t q[] = { (uint8_t)(rex | 0x08), 0x8b, (uint8_t)((r & 7) << 3) };
        assert_true(decode_mem_insn(q, sizeof(q), CPU_MODE_64, &i));
        assert_int_equal(i.length, 3);
        assert_int_equal(i.reg, r);
        assert_int_equal(i.size, 8);
        uint8_t b[] = { rex, 0x8a, (uint8_t)((r & 7) << 3) };
        assert_true(decode_mem_insn(b, sizeof(b), CPU_MODE_64, &i));
        assert_int_equal(i.reg, r);
        assert_false(i.high_byte);
        assert_int_equal(i.size, 1);
    }
    for (unsigned r = 0; r < 8; r++) {
        uint8_t b[] = { 0x8a, (uint8_t)(r << 3) };
        assert_true(decode_mem_insn(b, sizeof(b), CPU_MODE_64, &i));
        assert_int_equal(i.length, 2);
        assert_int_equal(i.reg, r & 3);
        assert_int_equal(i.high_byte, r >= 4);
    }
}

static void refuses_empty_input(void **state)
{
    (void)state;
    static const uint8_t code[] = { 0x8b, 0x00 };
    struct mem_insn i;
    assert_false(decode_mem_insn(code, 0, CPU_MODE_64, &i));
    assert_false(decode_mem_insn(code, 0, CPU_MODE_16, &i));
}

/* VMCS access rights (SDM Vol. 3C Table 24-2): L is bit 13, D/B bit 14. */
static void mode_from_cs(void **state)
{
    (void)state;
    assert_int_equal(cpu_mode_of(false, 0x93), CPU_MODE_16);   /* real mode */
    assert_int_equal(cpu_mode_of(false, 0xf3), CPU_MODE_16);   /* virtual-8086 mode */
    assert_int_equal(cpu_mode_of(false, 0xc09b), CPU_MODE_32); /* flat 32-bit code */
    assert_int_equal(cpu_mode_of(false, 0x209b), CPU_MODE_16); /* L means nothing outside IA-32e */
    assert_int_equal(cpu_mode_of(true, 0xa09b), CPU_MODE_64);  /* 64-bit code */
    assert_int_equal(cpu_mode_of(true, 0xc09b), CPU_MODE_32);  /* compatibility mode */
    assert_int_equal(cpu_mode_of(true, 0x9b), CPU_MODE_16);    /* 16-bit compatibility mode */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_every_row),
        cmocka_unit_test(truncated_input_is_refused_at_every_length),
        cmocka_unit_test(refuses_every_row),
        cmocka_unit_test(same_bytes_in_each_mode),
        cmocka_unit_test(every_destination_register),
        cmocka_unit_test(refuses_empty_input),
        cmocka_unit_test(mode_from_cs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
