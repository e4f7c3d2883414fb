#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/<name>/ for the fuzz targets (run from anywhere;
existing seed files of the same name are overwritten).  Each seed is a small input in its
target's own input format (see the target's LLVMFuzzerTestOneInput): a starting point that
reaches the interesting paths at once, from which the fuzzer mutates."""
import os
import struct

TOP = os.path.dirname(os.path.abspath(__file__))


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)
def u64(v): return struct.pack('<Q', v & 0xffffffffffffffff)


def write(target, name, data):
    d = os.path.join(TOP, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# --- icr: flags, ICR, count, source, then per target: m, id (u8, or u32 when m & 4), LDR, DFR
def icr_target(mode, apic_id, ldr, dfr=None):
    m = mode | (4 if apic_id > 0xff else 0)
    if dfr is None:
        m |= 16  # flat
    elif dfr != 0x0fffffff:
        m |= 8
    out = u8(m) + (u32(apic_id) if apic_id > 0xff else u8(apic_id)) + u32(ldr)
    return out + (u32(dfr) if m & 8 else b'')

XAPIC, X2APIC = 1, 2
flat4 = b''.join(icr_target(XAPIC, i, (1 << i) << 24) for i in range(4))
write('icr', 'xapic-fixed-physical', u8(0) + u64((2 << 56) | 0x4031) + u8(4) + u8(0) + flat4)
write('icr', 'xapic-logical-flat', u8(0) + u64((0x06 << 56) | 0x4831) + u8(4) + u8(1) + flat4)
cluster = b''.join(icr_target(XAPIC, i, ((i // 2) << 28 | (1 << (i % 2))) << 24 & 0xffffffff, 0x0fffffff)
                   for i in range(4))
write('icr', 'xapic-logical-cluster', u8(0) + u64((0x13 << 56) | 0x4841) + u8(4) + u8(0) + cluster)
x2 = b''.join(icr_target(X2APIC, i, ((i >> 4) << 16) | (1 << (i & 15)), 0) for i in range(20))
write('icr', 'x2apic-logical', u8(1) + u64((0x00010002 << 32) | 0x4851) + u8(20) + u8(3) + x2)
write('icr', 'x2apic-self-lowest', u8(1) + u64(0x44161) + u8(20) + u8(5) + x2)
write('icr', 'init-all-but-self', u8(0) + u64(0xc4500) + u8(8) + u8(2) + flat4 + x2[:40])

# --- vlapic: flags (policy | bsp), ID, now, then ops: op, b, operands (op & 0x80: b picks a
# register from the target's "hot" list)
HOT = {'svr': 0, 'lvtt': 1, 'tmict': 2, 'tdcr': 3, 'icr': 4, 'icrhi': 5, 'esr': 6, 'lvterr': 7, 'tpr': 8,
       'eoi': 9, 'tmcct': 10, 'ldr': 11, 'dfr': 12, 'id': 13, 'ppr': 14, 'selfipi': 15}
def w32(reg, v): return u8(0x80) + u8(HOT[reg]) + u32(v)
def w64(reg, v): return u8(0x81) + u8(HOT[reg]) + u64(v)
def rd(reg): return u8(0x82) + u8(HOT[reg])
def accept(v): return u8(3) + u8(v)
def poll(delta): return u8(4) + u8(4) + u32(delta)
def deliver(): return u8(7) + u8(0)
def apic_base(mode): return u8(6) + u8(mode)  # 0 disabled, 1 xAPIC, 2 x2APIC

write('vlapic', 'xapic-timer-ipi-eoi', u8(0) + u8(3) + u32(0x1000) +
      w32('svr', 0x1ff) + w32('lvtt', 0x20040) + w32('tdcr', 0xb) + w32('tmict', 100) + rd('tmcct') +
      poll(150) + deliver() + rd('ppr') + w32('eoi', 0) + accept(0x50) + w32('tpr', 0x60) + deliver() +
      w32('icrhi', 3 << 24) + w32('icr', 0x4031) + w32('icr', 0x44032) + accept(5) + w32('lvterr', 0x33) +
      w32('icr', 0x4001) + w32('esr', 0) + rd('esr') + deliver() + w32('eoi', 0))
write('vlapic', 'x2apic-deadline-icr', u8(1) + u8(0x25) + u32(0x1000) +
      w64('svr', 0x1ff) + w64('lvtt', 0x40041) + u8(5) + u8(1) + u16(100) + poll(200) + deliver() +
      w64('icr', (0x25 << 32) | 0x4030) + rd('icr') + u8(2) + u8(0x09) + u8(2) + u8(0x0b) + w64('eoi', 0) +
      w64('esr', 1) + w64('selfipi', 0x44) + w64('tmict', 1 << 32) + rd('tmcct'))
write('vlapic', 'mode-switches', u8(0) + u8(7) + u32(0) + w32('svr', 0x1ff) + accept(0x70) + apic_base(2) +
      rd('id') + rd('ldr') + apic_base(1) + apic_base(0) + accept(0x71) + apic_base(1) + rd('id'))
write('vlapic', 'x2apic-only-big-id', u8(3 | 4) + u8(0) + u32(0x12345) + u32(0) + w64('svr', 0x1ff) +
      apic_base(1) + rd('ldr') + w64('ldr', 5) + w64('icr', (0xffffffff << 32) | 0x40))

# --- apic_base: policy | bsp, MAXPHYADDR, (current, value, MAXPHYADDR) once, then writes: kind,
# low 16 bits over 0xFEE00000 (or a full u64 when kind & 1), a high byte when kind & 2
AUTO, ON, OFF, ONLY = 0, 1, 2, 3
EN, EXTD = 0x800, 0x400
once = u64(0xfee00000 | EN | 0x100) + u64(0xfee00000 | EN | EXTD) + u8(39)
write('apic_base', 'auto-round-trip', u8(AUTO | 4) + u8(7) + once +
      b''.join(u8(0) + u16(v) for v in (EN | EXTD, EN, 0, EN, EN | EXTD, EXTD, 0x900)))
write('apic_base', 'only-locked', u8(ONLY) + u8(7) + once + b''.join(u8(0) + u16(v) for v in (EN, 0, EN | EXTD)))
write('apic_base', 'off-no-extd', u8(OFF) + u8(7) + once + b''.join(u8(0) + u16(v) for v in (EN | EXTD, 0, EN)))
write('apic_base', 'relocate-and-high-bits', u8(ON) + u8(0) + once + u8(1) + u64(0xfed00000 | EN | EXTD) +
      u8(2) + u16(EN | EXTD) + u8(0x10))

# --- msr_policy: mode, bitmap noise seed, then: selector (bit 0: a full u32 MSR), MSR, value
def msr(m, v=0): return u8(0) + u8(m - 0x800) + u64(v)
some = msr(0x802) + msr(0x80b) + msr(0x830, 0x4030) + msr(0x839) + msr(0x83f, 0x40) + msr(0x831) + \
    u8(1) + u32(0x1b) + u64(0) + u8(1) + u32(0xc0000080) + u64(0)
for mode in range(4):
    write('msr_policy', 'mode-%d' % mode, u8(mode) + u64(0x123456789 * (mode + 1)) + some)

# --- multiboot: kernel images
MB_MAGIC = 0x1badb002
def mb_header(flags, extra=b''):
    return u32(MB_MAGIC) + u32(flags) + u32(-(MB_MAGIC + flags)) + extra

code = bytes([0xfa, 0xf4, 0xeb, 0xfd])  # cli; hlt; jmp hlt
hdr = mb_header(3, bytes(20))  # the loader reads all eight header words
body_off = 52 + 32
image_len = body_off + len(hdr) + len(code)
entry = 0x100000 + body_off + len(hdr)
ehdr = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9) + struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, entry, 52, 0, 0, 52, 32, 1,
                                                             0, 0, 0)
phdr = struct.pack('<IIIIIIII', 1, 0, 0x100000, 0x100000, image_len, image_len + 0x1000, 5, 0x1000)
write('multiboot', 'elf32', ehdr + phdr + hdr + code)
phdr2 = phdr + struct.pack('<IIIIIIII', 1, 0, 0x200000, 0x180000, 16, 64, 6, 0x1000)
ehdr2 = ehdr[:44] + struct.pack('<H', 2) + ehdr[46:]
write('multiboot', 'elf32-two-segments', ehdr2 + phdr2 + hdr + code)
aout = mb_header(0x10003, u32(0x100000) + u32(0x100000) + u32(0) + u32(0x102000) + u32(0x100020))
write('multiboot', 'aout-kludge', aout + bytes(0x20 - len(aout)) + code)
aout_off = mb_header(0x10003, u32(0x100010) + u32(0x100000) + u32(0x100040) + u32(0) + u32(0x100030))
write('multiboot', 'aout-kludge-offset', bytes(16) + aout_off + bytes(0x30 - 16 - len(aout_off)) + code + bytes(12))

# --- hypercall: exit reasons, vCPU, counts, then calls: how, [CPL], fn, arg1, arg2, arg3,
# [guest text bytes: offset, byte, next how]
def text(off, s, then):
    out = b''
    for i, c in enumerate(s):
        out += u16(off + i) + u8(c) + u8(0x08 if i + 1 < len(s) else then)
    return out

calls = (u8(0x08) + u8(0) + u16(0x110) + u16(12) + u64(0) + text(0x10, b'hi\tthere\n\x1b[2J', 0) +
         u8(0x02) + u8(2) + u64(0xffffffff) + u16(0) + u64(0) +
         u8(0x00) + u8(2) + u16(0x103) + u16(0) + u64(0) +
         u8(0x00) + u8(1) + u16(0) + u16(0) + u64(0) +
         u8(0x10) + u8(3) + u8(3) + u16(0) + u16(0) + u64(0) +
         u8(0x00) + u8(0) + u16(0x100 + 0x4000 - 5) + u16(5) + u64(0) +
         u8(0x00) + u8(0) + u16(0x100 + 0x4000 - 4) + u16(5) + u64(0) +
         u8(0x00) + u8(3) + u16(0x100 + 42) + u16(0) + u64(0))
write('hypercall', 'print-count-poweroff', u8(8) + u8(3) + b''.join(u16(i) for i in range(8)) + calls)
write('hypercall', 'long-print', u8(0) + u8(0) + u8(0) + u8(0) + u16(0x100) + u16(4096) + u64(0))

# --- guest_serial: vCPU, then ops: op (bits 2:0 register, 6 read, 5 a run of data bytes with
# the value stepping by op & 0x18, 7 any port), [port], [run length], value
def out(reg, v): return u8(reg) + u8(v)
def inp(reg): return u8(0x40 | reg)
hello = b''.join(out(0, c) for c in b'hello\r\n')
write('guest_serial', 'hello', u8(0) + u8(1) + hello + inp(5) + inp(0))
write('guest_serial', 'long-line', u8(0) + u8(12) + u8(0x20) + u8(250) + u8(ord('a')) + out(0, 10) +
      u8(0x28) + u8(199) + u8(0))
write('guest_serial', 'dlab-and-registers', u8(1) + u32(4000000000) + out(3, 0x83) + out(0, 0x0c) + out(1, 0) +
      inp(1) + out(3, 0x03) + out(1, 0xff) + out(4, 0xff) + out(7, 0x5a) +
      b''.join(inp(r) for r in range(8)) + hello + u8(0x80) + u16(0x2f8) + u8(0x41))
write('guest_serial', 'control-bytes', u8(0) + u8(7) + b''.join(out(0, c) for c in b'\x1b[31mred\x7f\x00\xff\n'))
