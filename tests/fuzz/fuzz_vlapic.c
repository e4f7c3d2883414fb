/* The vLAPIC register model (vlapic/vlapic.c) driven as the hypervisor drives it: random
 * sequences of register writes and reads (xAPIC MMIO, where the CPU stores the value first and
 * the exit is trap-like; x2APIC MSRs), interrupts accepted, timer polls as time moves on,
 * IA32_TSC_DEADLINE writes and IA32_APIC_BASE mode switches (vlapic/mode.c rules).  This file
 * plays the CPU's part: TPR and EOI virtualization, delivery of the highest IRR vector into ISR.
 * Invariants, after every step:
 *  - x2APIC: a read of an invalid or write-only register is refused, a write to one that is not
 *    writable #GPs, and a #GP changes nothing (SDM 11.12.1.2-3);
 *  - IRR holds exactly the vectors accepted and not yet delivered (a shadow set: no vector
 *    invented, none lost), counting the error LVT's vector raised by a recorded error (11.5.3);
 *  - ISR: an EOI (virtualized by the CPU: played here with vapic_regs.h, as the model never sees
 *    one) clears the highest ISR bit only; the model never touches ISR;
 *  - PPR per SDM 11.8.3.1 (vapic_compute_ppr): TPR if TPR[7:4] >= ISRV[7:4], else ISRV & 0xF0;
 *  - ESR, as latched by an ESR write, is exactly the errors recorded since the previous one;
 *  - LVT read-only bits read 0; a software-disabled APIC has every LVT masked (11.4.7.2); ID and
 *    x2APIC LDR stay read-only; the x2APIC ICR reads back the last value written;
 *  - the timer: a poll raises the unmasked LVT timer vector only; a periodic period, an
 *    IA32_TSC_DEADLINE value and a running count exist only in their own timer mode (11.5.4.1),
 *    and the current count never exceeds the initial count. */
#include <string.h>

#include "lib/msr.h"
#include "tests/fuzz/fuzz.h"
#include "vlapic/dest.h"
#include "vlapic/ldr.h"
#include "vlapic/vapic_page.h"
#include "vlapic/vlapic.h"
#include "vlapic/x2apic_msr.h"

/* Known bugs, reported and reproduced in tests/unit/test_fuzz_regressions.c: an input that walks
 * into one ends there, so that the fuzzer keeps looking for new ones.  Set to 0 once fixed. */
#define KNOWN_BUG_XAPIC_LVT_TIMER_MODE 0 /* an xAPIC LVT timer mode change does not stop the timer */
#define KNOWN_BUG_DCR_RESCALE 0          /* a divide change mid-count makes the count jump */

static struct vapic_page page;
static struct vlapic vl;
static struct {
    uint64_t irr[4], isr[4]; /* what IRR and ISR must hold */
    uint32_t esr;            /* errors recorded since the last ESR write */
    uint64_t icr;            /* x2APIC: the last ICR written */
    bool icr_known;
    uint64_t apic_base;
    enum x2apic_policy policy;
    uint64_t now;
    bool stop; /* the input reached a known bug */
} s;

#define VSET(set, v) ((set)[(v) / 64] |= 1ull << ((v) % 64))
#define VCLR(set, v) ((set)[(v) / 64] &= ~(1ull << ((v) % 64)))

static int highest(const uint64_t set[4])
{
    for (int i = 3; i >= 0; i--)
        if (set[i])
            return i * 64 + 63 - __builtin_clzll(set[i]);
    return -1;
}

static bool x2(void) { return vl.mode == LAPIC_MODE_X2APIC; }
static uint32_t reg(uint32_t off) { return vapic_read(&page, off); }

/* SDM 11.5.3: a recorded error raises the error LVT's vector when it is unmasked and legal. */
static void expect_error(uint32_t bits)
{
    s.esr |= bits;
    uint32_t lvt = reg(APIC_LVT_ERROR);
    if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16)
        VSET(s.irr, lvt & 0xff);
}

static void accept(uint8_t vector)
{
    bool ok = vlapic_accept(&vl, vector);
    FUZZ_CHECK(ok == (vector >= 16), "vlapic_accept(%u) returned %d", vector, ok);
    if (ok)
        VSET(s.irr, vector);
    else
        expect_error(APIC_ESR_RECEIVE_ILLEGAL_VECTOR);
    FUZZ_CHECK(!ok || vapic_vector_test(&page, APIC_IRR, vector), "accepted vector %u is not in IRR", vector);
}

/* The CPU's PPR virtualization after TPR writes, EOIs and deliveries (Vol. 3C 30.1.3). */
static void cpu_update_ppr(void)
{
    vapic_write(&page, APIC_PPR, vapic_compute_ppr(&page));
}

/* Virtual-interrupt delivery: the highest IRR vector moves to ISR if its class beats PPR. */
static void cpu_deliver(void)
{
    int v = vapic_highest_vector(&page, APIC_IRR);
    if (v < 0 || (v & 0xf0) <= (int)(reg(APIC_PPR) & 0xf0))
        return;
    vapic_vector_clear(&page, APIC_IRR, (uint8_t)v);
    vapic_vector_set(&page, APIC_ISR, (uint8_t)v);
    fuzz_trace("  delivered vector %d\n", v);
    VCLR(s.irr, v);
    VSET(s.isr, v);
    cpu_update_ppr();
}

/* EOI virtualization: clears the highest ISR bit, and only that one. */
static void cpu_eoi(void)
{
    uint64_t before[4], after[4];
    vapic_vectors_read(&page, APIC_ISR, before);
    int v = vapic_highest_vector(&page, APIC_ISR);
    fuzz_trace("  EOI of vector %d\n", v);
    FUZZ_CHECK(v == highest(before), "highest ISR vector %d, the set says %d", v, highest(before));
    if (v >= 0)
        vapic_vector_clear(&page, APIC_ISR, (uint8_t)v);
    vapic_vectors_read(&page, APIC_ISR, after);
    if (v >= 0)
        VCLR(before, v);
    FUZZ_CHECK(!memcmp(before, after, sizeof(after)), "EOI of vector %d cleared more than its bit", v);
    if (v >= 0)
        VCLR(s.isr, v);
    cpu_update_ppr();
}

/* What send_ipi does for this vCPU: deliver the IPI when it is among the targets. */
static void route_self(const struct icr_decision *d)
{
    if (d->verdict == ICR_DROP_WITH_ESR)
        expect_error(d->esr);
    if (d->verdict != ICR_SEND || (d->ipi.delivery != APIC_DM_FIXED && d->ipi.delivery != APIC_DM_LOWEST))
        return;
    struct apic_target me = { vl.apic_id, vl.mode, reg(APIC_LDR), reg(APIC_DFR) };
    if (apic_dest_matches(&me, 0, 0, &d->ipi))
        accept(d->ipi.vector);
}

/* The offsets whose xAPIC writes the CPU stores in the page before an APIC-write exit
 * (Vol. 3C 30.4.3.1 with APIC-register virtualization). */
static bool xapic_write_virtualized(uint32_t off)
{
    static const uint32_t list[] = {0x020, 0x080, 0x0b0, 0x0d0, 0x0e0, 0x0f0, 0x280, 0x300,
                                    0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x3e0};
    for (unsigned i = 0; i < sizeof(list) / sizeof(list[0]); i++)
        if (list[i] == off)
            return true;
    return false;
}

static void write_reg(uint32_t off, uint64_t value)
{
    if (vl.mode == LAPIC_MODE_DISABLED)
        return; /* no APIC-access page, x2APIC MSRs #GP: nothing reaches the model */
    if (!x2())
        value = (uint32_t)value;
    if (off == APIC_TPR) { /* TPR virtualization; in x2APIC mode bits 63:8 are reserved */
        if (!x2() || value <= 0xff)
            vapic_write(&page, APIC_TPR, (uint32_t)value), cpu_update_ppr();
        return;
    }
    if (off == APIC_EOI) { /* EOI virtualization; in x2APIC mode only 0 may be written */
        if (!x2() || value == 0)
            cpu_eoi();
        return;
    }
    if (!x2() && !xapic_write_virtualized(off))
        return; /* a fault-like APIC-access exit: the write is dropped (handle_apic_access) */
    bool counting = vl.timer_deadline && (reg(APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE_MASK) != APIC_LVT_TIMER_TSC_DEADLINE;
    if (KNOWN_BUG_DCR_RESCALE && off == APIC_TIMER_DCR && counting && ((reg(off) ^ (uint32_t)value) & 0xb)) {
        s.stop = true;
        return;
    }
    struct vapic_page before = page;
    struct vlapic vl_before = vl;
    if (!x2()) {
        bool timer_idle = !vl.timer_deadline && !vl.timer_period && !vl.tsc_deadline && !reg(APIC_TIMER_ICR);
        if (KNOWN_BUG_XAPIC_LVT_TIMER_MODE && off == APIC_LVT_TIMER && !timer_idle &&
            ((reg(off) ^ (uint32_t)value) & APIC_LVT_TIMER_MODE_MASK)) {
            s.stop = true;
            return;
        }
        vapic_write(&page, off, (uint32_t)value);
    }
    struct vlapic_outcome o = vlapic_write(&vl, off, value, s.now);
    fuzz_trace("  wrote %#llx to %#x: result %d\n", (unsigned long long)value, off, o.result);
    if (x2()) {
        enum x2apic_msr_access a = x2apic_msr_access(X2APIC_MSR(off));
        if (a != X2APIC_MSR_RW && a != X2APIC_MSR_WO)
            FUZZ_CHECK(o.result == VLAPIC_GP, "x2APIC write to non-writable MSR %#x: result %d", X2APIC_MSR(off),
                       o.result);
        if (o.result == VLAPIC_GP) {
            FUZZ_CHECK(!memcmp(&page, &before, sizeof(page)) && vl.timer_deadline == vl_before.timer_deadline &&
                           vl.timer_period == vl_before.timer_period && vl.esr_pending == vl_before.esr_pending &&
                           vl.tsc_deadline == vl_before.tsc_deadline,
                       "WRMSR %#x <- %#llx #GPs but changed state", X2APIC_MSR(off), (unsigned long long)value);
            return;
        }
    }
    FUZZ_CHECK(o.result != VLAPIC_GP, "xAPIC write to %#x: #GP", off);
    if (o.result == VLAPIC_SEND_IPI) {
        FUZZ_CHECK(off == APIC_ICR_LO, "an IPI from a write to %#x", off);
        route_self(&o.ipi);
        if (x2())
            s.icr = value, s.icr_known = true;
    }
    if (off == APIC_ESR) {
        FUZZ_CHECK(reg(APIC_ESR) == s.esr, "ESR latched %#x, errors recorded %#x", reg(APIC_ESR), s.esr);
        s.esr = 0;
    }
    /* x2APIC SELF IPI (SDM 11.12.11): the model accepts the vector as a fixed self-IPI. */
    if (off == APIC_SELF_IPI && x2()) {
        uint8_t v = (uint8_t)value;
        if (v >= 16)
            VSET(s.irr, v);
        else
            expect_error(APIC_ESR_RECEIVE_ILLEGAL_VECTOR);
    }
}

static void read_reg(uint32_t off)
{
    if (vl.mode == LAPIC_MODE_DISABLED)
        return;
    uint64_t v = 0x5a5a5a5a5a5a5a5aull;
    bool ok = vlapic_read(&vl, off, s.now, &v);
    fuzz_trace("  read %#x: ok %d value %#llx\n", off, ok, (unsigned long long)v);
    if (x2()) {
        enum x2apic_msr_access a = x2apic_msr_access(X2APIC_MSR(off));
        FUZZ_CHECK(ok == (a == X2APIC_MSR_RO || a == X2APIC_MSR_RW), "RDMSR %#x (access %d): ok %d", X2APIC_MSR(off),
                   a, ok);
    } else {
        FUZZ_CHECK(ok, "xAPIC read of %#x refused", off);
    }
    if (!ok)
        return;
    if (off == APIC_TIMER_CCR) {
        bool deadline = (reg(APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_TSC_DEADLINE;
        FUZZ_CHECK(!deadline || v == 0, "current count %#llx in TSC-deadline mode", (unsigned long long)v);
        FUZZ_CHECK(v <= reg(APIC_TIMER_ICR), "current count %#llx above the initial count %#x",
                   (unsigned long long)v, reg(APIC_TIMER_ICR));
    } else if (x2() && off == APIC_ICR_LO) {
        FUZZ_CHECK(!s.icr_known || v == s.icr, "ICR reads %#llx, last written %#llx", (unsigned long long)v,
                   (unsigned long long)s.icr);
    } else {
        FUZZ_CHECK(v == reg(off), "read of %#x: %#llx, the page holds %#x", off, (unsigned long long)v, reg(off));
    }
}

static void poll_timer(uint64_t delta)
{
    s.now += delta;
    uint32_t lvt = reg(APIC_LVT_TIMER);
    int v = vlapic_timer_poll(&vl, s.now);
    fuzz_trace("  timer poll: %d\n", v);
    FUZZ_CHECK(v < 0 || (!(lvt & APIC_LVT_MASKED) && (uint32_t)v == (lvt & 0xff)),
               "timer raised %d with LVT timer %#x", v, lvt);
    if (v >= 0)
        accept((uint8_t)v); /* as apic_prepare_entry does */
}

/* A WRMSR to IA32_APIC_BASE as write_apic_base does it. */
static void switch_mode(uint8_t how)
{
    static const uint64_t bits[4] = {0, APIC_BASE_ENABLE, APIC_BASE_ENABLE | APIC_BASE_EXTD, APIC_BASE_EXTD};
    uint64_t value = APIC_DEFAULT_BASE | bits[how & 3] | ((how & 4) ? APIC_BASE_BSP : 0);
    struct apic_base_write w = apic_base_check_write(s.apic_base, value, 39, s.policy);
    if (w.verdict != APIC_BASE_OK)
        return;
    s.apic_base = w.new_value;
    if (w.new_mode == w.old_mode)
        return;
    FUZZ_CHECK(vapic_page_switch_mode(&page, vl.apic_id, w.new_mode), "switch to mode %d refused", w.new_mode);
    vlapic_set_mode(&vl, w.new_mode);
    s.icr_known = false;
    if (w.new_mode != LAPIC_MODE_X2APIC) /* the page was reset */
        memset(s.irr, 0, sizeof(s.irr)), memset(s.isr, 0, sizeof(s.isr)), s.esr = 0;
}

static void check_state(void)
{
    uint64_t irr[4], isr[4];
    vapic_vectors_read(&page, APIC_IRR, irr);
    vapic_vectors_read(&page, APIC_ISR, isr);
    for (int i = 0; i < 4; i++) {
        FUZZ_CHECK(irr[i] == s.irr[i], "IRR[%d] %#llx, accepted %#llx", i, (unsigned long long)irr[i],
                   (unsigned long long)s.irr[i]);
        FUZZ_CHECK(isr[i] == s.isr[i], "ISR[%d] %#llx, expected %#llx", i, (unsigned long long)isr[i],
                   (unsigned long long)s.isr[i]);
    }
    uint32_t tpr = reg(APIC_TPR) & 0xff, isrv = highest(s.isr) < 0 ? 0 : (uint32_t)highest(s.isr);
    uint32_t ppr = (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xf0);
    FUZZ_CHECK(vapic_compute_ppr(&page) == ppr, "PPR %#x, SDM says %#x (TPR %#x ISRV %#x)", vapic_compute_ppr(&page),
               ppr, tpr, isrv);
    if (vl.mode == LAPIC_MODE_DISABLED)
        return;
    bool sw_enabled = reg(APIC_SVR) & APIC_SVR_SW_ENABLE;
    for (uint32_t off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 0x10) {
        uint32_t lvt = reg(off);
        FUZZ_CHECK(!(lvt & (APIC_LVT_DELIVERY_PENDING | APIC_LVT_REMOTE_IRR)), "LVT %#x = %#x: read-only bits set",
                   off, lvt);
        FUZZ_CHECK(sw_enabled || (lvt & APIC_LVT_MASKED), "software-disabled APIC, LVT %#x = %#x unmasked", off, lvt);
    }
    /* The xAPIC ID is writable (bits 31:24, SDM 11.4.6); the x2APIC ID is not. */
    if (x2())
        FUZZ_CHECK(reg(APIC_ID) == apic_id_register(vl.apic_id, true), "ID register %#x", reg(APIC_ID));
    else
        FUZZ_CHECK(!(reg(APIC_ID) & 0x00ffffffu), "xAPIC ID register %#x: reserved bits set", reg(APIC_ID));
    if (x2())
        FUZZ_CHECK(reg(APIC_LDR) == x2apic_ldr_from_id(vl.apic_id), "x2APIC LDR %#x", reg(APIC_LDR));
    uint32_t mode = reg(APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE_MASK;
    FUZZ_CHECK(!vl.timer_period || mode == APIC_LVT_TIMER_PERIODIC, "timer period %llu in LVT timer mode %#x",
               (unsigned long long)vl.timer_period, mode);
    FUZZ_CHECK(!vl.tsc_deadline || mode == APIC_LVT_TIMER_TSC_DEADLINE, "IA32_TSC_DEADLINE %#llx in LVT timer mode %#x",
               (unsigned long long)vl.tsc_deadline, mode);
    FUZZ_CHECK(mode != APIC_LVT_TIMER_TSC_DEADLINE || reg(APIC_TIMER_ICR) == 0,
               "initial count %#x in TSC-deadline mode", reg(APIC_TIMER_ICR));
}

/* Offsets worth hitting more often than 1 in 256. */
static const uint32_t hot[16] = {APIC_SVR, APIC_LVT_TIMER, APIC_TIMER_ICR, APIC_TIMER_DCR, APIC_ICR_LO, APIC_ICR_HI,
                                 APIC_ESR, APIC_LVT_ERROR, APIC_TPR, APIC_EOI, APIC_TIMER_CCR, APIC_LDR, APIC_DFR,
                                 APIC_ID, APIC_PPR, APIC_SELF_IPI};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&in);
    memset(&s, 0, sizeof(s));
    s.policy = (enum x2apic_policy)(flags & 3);
    uint32_t apic_id = fuzz_u8(&in) % 255; /* fits both modes */
    if (s.policy == X2APIC_ONLY && (flags & 4))
        apic_id = fuzz_u32(&in); /* any x2APIC ID: this vCPU never leaves x2APIC mode */
    s.apic_base = apic_base_reset_value(flags & 8, s.policy);
    enum lapic_mode mode = lapic_mode_of(s.apic_base);
    FUZZ_CHECK(vapic_page_seed(&page, apic_id, mode), "seed id %#x mode %d", apic_id, mode);
    vlapic_init(&vl, &page, apic_id, mode);
    s.now = fuzz_u32(&in);
    check_state();

    while (fuzz_more(&in) && !s.stop) {
        uint8_t op = fuzz_u8(&in), b = fuzz_u8(&in);
        uint32_t off = (op & 0x80) ? hot[b & 15] : (uint32_t)b << 4;
        static const char *const names[8] = {"write32", "write64", "read", "accept", "poll", "tsc_deadline",
                                             "apic_base", "deliver"};
        fuzz_trace("%s mode=%s off=%#x b=%#x now=%#llx\n", names[op & 7], lapic_mode_name(vl.mode), off, b,
                   (unsigned long long)s.now);
        switch (op & 7) {
        case 0: write_reg(off, fuzz_u32(&in)); break;
        case 1: write_reg(off, fuzz_u64(&in)); break;
        case 2: read_reg(off); break;
        case 3: if (vl.mode != LAPIC_MODE_DISABLED) accept(b); break;
        case 4: poll_timer(fuzz_bytes(&in, b & 7)); break;
        case 5: vlapic_write_tsc_deadline(&vl, (b & 1) ? s.now + fuzz_u16(&in) : fuzz_u64(&in), s.now); break;
        case 6: switch_mode(b); break;
        case 7: if (vl.mode != LAPIC_MODE_DISABLED) cpu_deliver(); break;
        }
        check_state();
    }
    return 0;
}
