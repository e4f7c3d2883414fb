/* The x2APIC MSR access table and MSR-bitmap policy (vlapic/x2apic_msr.c, vlapic/msr_policy.c)
 * and the model's MSR checks (vlapic/vlapic.c) for random MSR numbers, modes and bitmaps.
 * Invariants:
 *  - x2apic_msr_access agrees with the SDM's x2APIC register map (11.12.1.2, table "Local APIC
 *    Register Address Map Supported by x2APIC"), written out again here, for any 32-bit MSR;
 *  - the bitmap lets a read pass only for a readable register other than the timer current
 *    count, and a write only for TPR, EOI and SELF IPI (all writable): a write-only or invalid
 *    register is never readable without an exit; outside x2APIC mode everything exits;
 *    IA32_APIC_BASE always exits; no other bit of the 4 KiB bitmap changes;
 *  - in x2APIC mode the model refuses exactly the unreadable reads and #GPs every write to a
 *    register that is not writable. */
#include <string.h>

#include "lib/msr.h"
#include "tests/fuzz/fuzz.h"
#include "vlapic/apic_regs.h"
#include "vlapic/vapic_page.h"
#include "vlapic/vlapic.h"
#include "vlapic/x2apic_msr.h"

static uint8_t bitmap[MSR_BITMAP_SIZE], before[MSR_BITMAP_SIZE];
static struct vapic_page page;

/* The SDM's map: 'R' read-only, 'W' write-only, 'B' both, 0 no register (or one apicvisor does
 * not offer: CMCI; APR, RRD, DFR and ICR_HI do not exist in x2APIC mode). */
static char sdm_access(uint32_t msr)
{
    if (msr >= 0x810 && msr <= 0x827) /* ISR, TMR, IRR */
        return 'R';
    if (msr >= 0x832 && msr <= 0x837) /* LVT timer .. error */
        return 'B';
    switch (msr) {
    case 0x802: case 0x803: case 0x80a: case 0x80d: case 0x839: return 'R';
    case 0x808: case 0x80f: case 0x828: case 0x830: case 0x838: case 0x83e: return 'B';
    case 0x80b: case 0x83f: return 'W';
    default: return 0;
    }
}

static bool intercepted(uint32_t quarter, uint32_t msr)
{
    return (bitmap[quarter + msr / 8] >> (msr % 8)) & 1;
}

static void check_msr(uint32_t msr, enum lapic_mode mode)
{
    enum x2apic_msr_access a = x2apic_msr_access(msr);
    char want = sdm_access(msr);
    enum x2apic_msr_access want_a = want == 'R' ? X2APIC_MSR_RO : want == 'W' ? X2APIC_MSR_WO
                                  : want == 'B' ? X2APIC_MSR_RW : X2APIC_MSR_INVALID;
    FUZZ_CHECK(a == want_a, "MSR %#x: access %d, the SDM says %c", msr, a, want ? want : '-');
    if (msr < X2APIC_MSR_BASE || msr > X2APIC_MSR_LAST)
        return;
    bool readable = a == X2APIC_MSR_RO || a == X2APIC_MSR_RW, writable = a == X2APIC_MSR_WO || a == X2APIC_MSR_RW;
    bool x2 = mode == LAPIC_MODE_X2APIC, rd = intercepted(0x000, msr), wr = intercepted(0x800, msr);
    FUZZ_CHECK(rd || (x2 && readable && msr != 0x839), "MSR %#x mode %d: read passes through (access %d)", msr,
               mode, a);
    FUZZ_CHECK(wr || (x2 && writable && (msr == 0x808 || msr == 0x80b || msr == 0x83f)),
               "MSR %#x mode %d: write passes through (access %d)", msr, mode, a);
    if (x2) { /* what is not passed through is needed: the CPU serves those from the page */
        FUZZ_CHECK(!rd || !readable || msr == 0x839, "MSR %#x: readable but read exits", msr);
        FUZZ_CHECK(!wr || (msr != 0x808 && msr != 0x80b && msr != 0x83f), "MSR %#x: virtualized write exits", msr);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t b = fuzz_u8(&in);
    enum lapic_mode mode = (enum lapic_mode)(b & 3);
    uint64_t x = fuzz_u64(&in) | 1; /* the rest of the bitmap: xorshift noise */
    for (unsigned i = 0; i < MSR_BITMAP_SIZE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bitmap[i] = (uint8_t)x;
    }
    memcpy(before, bitmap, sizeof(bitmap));
    msr_bitmap_apply_apic_policy(bitmap, mode, APICV_FULL);
    for (unsigned i = 0; i < MSR_BITMAP_SIZE; i++) {
        /* The policy's bits: 0x800-0x8FF and 0x1B in the low-MSR read (0x000) and write (0x800) maps. */
        unsigned quarter = i / 0x400, byte = i % 0x400;
        uint8_t policy = quarter % 2 ? 0 : byte >= 0x800 / 8 && byte < 0x900 / 8 ? 0xff
                       : byte == MSR_IA32_APIC_BASE / 8 ? 1u << (MSR_IA32_APIC_BASE % 8) : 0;
        FUZZ_CHECK(!((bitmap[i] ^ before[i]) & ~policy), "bitmap byte %#x changed from %#x to %#x", i, before[i],
                   bitmap[i]);
    }
    FUZZ_CHECK(intercepted(0x000, MSR_IA32_APIC_BASE) && intercepted(0x800, MSR_IA32_APIC_BASE),
               "IA32_APIC_BASE passes through");
    for (uint32_t msr = X2APIC_MSR_BASE; msr <= X2APIC_MSR_LAST; msr++)
        check_msr(msr, mode);

    /* Random MSR numbers: the table, and the model in x2APIC mode. */
    vapic_page_seed(&page, 1, LAPIC_MODE_X2APIC);
    struct vlapic vl;
    vlapic_init(&vl, &page, 1, LAPIC_MODE_X2APIC);
    while (fuzz_more(&in)) {
        uint32_t msr = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : X2APIC_MSR_BASE + fuzz_u8(&in);
        uint64_t value = fuzz_u64(&in);
        check_msr(msr, mode);
        if (msr < X2APIC_MSR_BASE || msr > X2APIC_MSR_LAST)
            continue;
        char want = sdm_access(msr);
        uint64_t v;
        bool ok = vlapic_read(&vl, X2APIC_MSR_OFFSET(msr), 0, &v);
        FUZZ_CHECK(ok == (want == 'R' || want == 'B'), "RDMSR %#x: ok %d", msr, ok);
        struct vlapic_outcome o = vlapic_write(&vl, X2APIC_MSR_OFFSET(msr), value, 0);
        FUZZ_CHECK(o.result == VLAPIC_GP || want == 'W' || want == 'B', "WRMSR %#x <- %#llx: result %d", msr,
                   (unsigned long long)value, o.result);
    }
    return 0;
}
