#include "vmm/msr_bitmap.h"

#include <string.h>

#include "lib/msr.h"

#define MSR_STAR     0xc0000081u
#define MSR_LSTAR    0xc0000082u
#define MSR_CSTAR    0xc0000083u
#define MSR_SFMASK   0xc0000084u
#define MSR_TSC_AUX  0xc0000103u

/* SDM 25.6.9: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072; "low"
 * covers 0-0x1fff, "high" 0xc0000000-0xc0001fff; other MSRs always exit. */
static int bit_index(uint32_t msr, bool write)
{
    int base = write ? 2048 * 8 : 0;
    if (msr <= 0x1fff)
        return base + (int)msr;
    if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
        return base + 1024 * 8 + (int)(msr - 0xc0000000u);
    return -1;
}

void msr_bitmap_intercept_all(uint8_t *bitmap)
{
    memset(bitmap, 0xff, MSR_BITMAP_SIZE);
}

void msr_bitmap_pass_through(uint8_t *bitmap, uint32_t msr)
{
    for (int write = 0; write < 2; write++) {
        int bit = bit_index(msr, write);
        if (bit >= 0)
            bitmap[bit / 8] &= (uint8_t)~(1u << (bit % 8));
    }
}

bool msr_bitmap_intercepts(const uint8_t *bitmap, uint32_t msr, bool write)
{
    int bit = bit_index(msr, write);
    return bit < 0 || (bitmap[bit / 8] >> (bit % 8)) & 1;
}

void msr_bitmap_init_guest(uint8_t *bitmap)
{
    static const uint32_t guest_only[] = {
        MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
        MSR_SFMASK, MSR_TSC_AUX, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
    };
    msr_bitmap_intercept_all(bitmap);
    for (unsigned i = 0; i < sizeof(guest_only) / sizeof(guest_only[0]); i++)
        msr_bitmap_pass_through(bitmap, guest_only[i]);
}
