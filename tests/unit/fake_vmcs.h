/* A fake VMCS for unit tests: an array of encoding -> value.  Reads of absent fields, and of the
 * one field named in fail_enc, fail like an unsupported VMREAD.  A high access (encoding | 1)
 * returns the upper half of the 64-bit field, as VMREAD does in 64-bit mode. */
#ifndef TESTS_FAKE_VMCS_H
#define TESTS_FAKE_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmcs_access.h"

#define FAKE_VMCS_MAX 256

struct fake_vmcs {
    struct {
        uint32_t enc;
        uint64_t val;
    } field[FAKE_VMCS_MAX];
    unsigned count;
    uint32_t fail_enc; /* 0 (VIRTUAL_PROCESSOR_ID) is never made to fail */
    unsigned reads, writes;
};

static inline uint64_t *fake_vmcs_slot(struct fake_vmcs *v, uint32_t enc, bool create)
{
    for (unsigned i = 0; i < v->count; i++)
        if (v->field[i].enc == enc)
            return &v->field[i].val;
    if (!create || v->count == FAKE_VMCS_MAX)
        return 0;
    v->field[v->count].enc = enc;
    return &v->field[v->count++].val;
}

static inline void fake_vmcs_set(struct fake_vmcs *v, uint32_t enc, uint64_t val)
{
    *fake_vmcs_slot(v, enc, true) = val;
}

static inline bool fake_vmcs_read(void *ctx, uint32_t enc, uint64_t *val)
{
    struct fake_vmcs *v = ctx;
    v->reads++;
    if (enc && enc == v->fail_enc)
        return false;
    uint64_t *slot = fake_vmcs_slot(v, enc & ~VMCS_ENC_ACCESS_HIGH, false);
    if (!slot)
        return false;
    *val = (enc & VMCS_ENC_ACCESS_HIGH) ? *slot >> 32 : *slot;
    return true;
}

static inline bool fake_vmcs_write(void *ctx, uint32_t enc, uint64_t val)
{
    struct fake_vmcs *v = ctx;
    v->writes++;
    if (enc && enc == v->fail_enc)
        return false;
    fake_vmcs_set(v, enc, val);
    return true;
}

static inline struct vmcs_reader fake_vmcs_reader(struct fake_vmcs *v)
{
    return (struct vmcs_reader){ fake_vmcs_read, v };
}

#endif
