#include "vlapic/vapic_regs.h"

static bool offset_in_page(uint32_t offset)
{
    return offset < APIC_PAGE_SIZE && offset % 4 == 0;
}

uint32_t vapic_read(const struct vapic_page *page, uint32_t offset)
{
    return offset_in_page(offset) ? page->word[offset / 4] : 0;
}

void vapic_write(struct vapic_page *page, uint32_t offset, uint32_t value)
{
    if (offset_in_page(offset))
        page->word[offset / 4] = value;
}

static uint32_t *vector_word(struct vapic_page *page, uint32_t base, uint8_t vector)
{
    return &page->word[(base + (vector / 32u) * APIC_VECTOR_REG_STRIDE) / 4];
}

bool vapic_vector_test(const struct vapic_page *page, uint32_t base, uint8_t vector)
{
    return (vapic_read(page, base + (vector / 32u) * APIC_VECTOR_REG_STRIDE) >> (vector % 32u)) & 1u;
}

void vapic_vector_set(struct vapic_page *page, uint32_t base, uint8_t vector)
{
    *vector_word(page, base, vector) |= 1u << (vector % 32u);
}

void vapic_vector_clear(struct vapic_page *page, uint32_t base, uint8_t vector)
{
    *vector_word(page, base, vector) &= ~(1u << (vector % 32u));
}

int vapic_highest_vector(const struct vapic_page *page, uint32_t base)
{
    for (int reg = APIC_VECTOR_REG_COUNT - 1; reg >= 0; reg--) {
        uint32_t bits = vapic_read(page, base + (uint32_t)reg * APIC_VECTOR_REG_STRIDE);
        if (bits)
            return reg * 32 + 31 - __builtin_clz(bits);
    }
    return -1;
}

void vapic_vectors_or(struct vapic_page *page, uint32_t base, const uint64_t bits[4])
{
    for (unsigned reg = 0; reg < APIC_VECTOR_REG_COUNT; reg++) {
        uint32_t half = (uint32_t)(bits[reg / 2] >> (32 * (reg % 2)));
        page->word[(base + reg * APIC_VECTOR_REG_STRIDE) / 4] |= half;
    }
}

void vapic_vectors_read(const struct vapic_page *page, uint32_t base, uint64_t bits[4])
{
    for (unsigned i = 0; i < 4; i++) {
        uint64_t lo = vapic_read(page, base + 2 * i * APIC_VECTOR_REG_STRIDE);
        uint64_t hi = vapic_read(page, base + (2 * i + 1) * APIC_VECTOR_REG_STRIDE);
        bits[i] = lo | hi << 32;
    }
}

uint32_t apic_ppr(uint32_t tpr, uint32_t isrv)
{
    tpr &= 0xffu;
    return (tpr & 0xf0u) >= (isrv & 0xf0u) ? tpr : isrv & 0xf0u;
}

uint32_t vapic_compute_ppr(const struct vapic_page *page)
{
    int isrv = vapic_highest_vector(page, APIC_ISR);
    return apic_ppr(vapic_read(page, APIC_TPR), isrv < 0 ? 0 : (uint32_t)isrv);
}
