/* Width-typed access to the current VMCS.
 *
 *   uint32_t reason = vmread32(VM_EXIT_REASON);
 *   vmwrite64(EPT_POINTER, eptp);
 *
 * Each accessor names the width it moves, and every access is checked against the width that
 * the encoding itself carries (bits 14:13, SDM 25.11.2), so a 32-bit read of a 64-bit field
 * cannot truncate silently:
 *   - with a constant encoding the check happens at compile time (a build error);
 *   - otherwise at run time: the access is not made, a read returns 0, and the error handler
 *     (vmcs_set_error_handler) receives the encoding and a named vmcs_access_error.
 * The high half of a 64-bit field (encoding | VMCS_ENC_ACCESS_HIGH) is a 32-bit access.
 *
 * In the hypervisor build (APICVISOR_HV) the raw access is an inline VMREAD/VMWRITE on the
 * current VMCS of this CPU.  In the host build it goes to a backend set with
 * vmcs_set_host_backend(), a fake VMCS in unit tests.  Readers that must work on both and must
 * not stop at the first failing field (the VMCS dump) take a struct vmcs_reader instead. */
#ifndef VMX_VMCS_ACCESS_H
#define VMX_VMCS_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmcs_defs.h"

/* Reads one field by encoding; returns false when the field is unsupported or the read fails. */
struct vmcs_reader {
    bool (*read)(void *ctx, uint32_t enc, uint64_t *val);
    void *ctx;
};

/* Reads the current VMCS through vmcs_raw_read (VMREAD in the hypervisor). */
extern const struct vmcs_reader vmcs_current_reader;

enum vmcs_access_error {
    VMCS_ACCESS_OK = 0,
    VMCS_ERR_BAD_ENCODING,      /* reserved encoding bits set, or a high access to a non-64-bit field */
    VMCS_ERR_WIDTH_MISMATCH,    /* the accessor's width is not the field's */
    VMCS_ERR_READ_ONLY,         /* a write to a VM-exit information field */
    VMCS_ERR_ACCESS_FAILED,     /* VMREAD/VMWRITE failed (VMfail), or no host backend */
};

/* "width mismatch" etc.; "?" for an unknown value. */
const char *vmcs_access_error_name(enum vmcs_access_error err);

/* The checks every accessor makes before touching the VMCS. */
static inline enum vmcs_access_error vmcs_check_access(uint32_t enc, enum vmcs_width width, bool write)
{
    enum vmcs_width field_width = vmcs_field_width(enc);
    if (enc & VMCS_ENC_RESERVED_MASK)
        return VMCS_ERR_BAD_ENCODING;
    if (enc & VMCS_ENC_ACCESS_HIGH) {
        if (field_width != VMCS_WIDTH_64)
            return VMCS_ERR_BAD_ENCODING;
        field_width = VMCS_WIDTH_32;
    }
    if (field_width != width)
        return VMCS_ERR_WIDTH_MISMATCH;
    /* SDM 31.3 VMWRITE: exit-information fields are read-only unless IA32_VMX_MISC[29], which
     * apicvisor never relies on. */
    if (write && vmcs_field_type(enc) == VMCS_TYPE_EXIT_INFO)
        return VMCS_ERR_READ_ONLY;
    return VMCS_ACCESS_OK;
}

/* Called with the encoding and the error of every refused or failed typed access.  The default
 * prints "vmx: VMCS access error: ..." on the console; NULL restores it. */
typedef void (*vmcs_error_fn)(uint32_t enc, enum vmcs_access_error err);
void vmcs_set_error_handler(vmcs_error_fn handler);
void vmcs_access_failed(uint32_t enc, enum vmcs_access_error err);

#ifdef APICVISOR_HV
/* VMREAD/VMWRITE (SDM 31.3): success is CF = 0 and ZF = 0 ("above"). */
static inline bool vmcs_raw_read(uint32_t enc, uint64_t *val)
{
    bool ok;
    __asm__ volatile("vmread %[enc], %[val]" : [val] "=rm"(*val), "=@cca"(ok) : [enc] "r"((uint64_t)enc) : "cc");
    return ok;
}

static inline bool vmcs_raw_write(uint32_t enc, uint64_t val)
{
    bool ok;
    __asm__ volatile("vmwrite %[val], %[enc]"
                     : "=@cca"(ok)
                     : [enc] "r"((uint64_t)enc), [val] "rm"(val)
                     : "cc", "memory");
    return ok;
}
#else
/* The host build's stand-in for the current VMCS. */
struct vmcs_backend {
    bool (*read)(void *ctx, uint32_t enc, uint64_t *val);
    bool (*write)(void *ctx, uint32_t enc, uint64_t val);
    void *ctx;
};
/* The backend stays referenced until replaced; NULL makes every access fail. */
void vmcs_set_host_backend(const struct vmcs_backend *backend);
bool vmcs_raw_read(uint32_t enc, uint64_t *val);
bool vmcs_raw_write(uint32_t enc, uint64_t val);
#endif

/* Referenced only when a constant encoding fails vmcs_check_access; never defined. */
extern void vmcs_access_mismatch_detected_at_compile_time(void)
    __attribute__((error("VMCS accessor width or direction does not match the field encoding")));

#define VMCS_CHECK_CONSTANT_ACCESS(enc, width, write)                                             \
    do {                                                                                          \
        if (__builtin_constant_p(enc) && vmcs_check_access(enc, width, write) != VMCS_ACCESS_OK)  \
            vmcs_access_mismatch_detected_at_compile_time();                                      \
    } while (0)

static inline uint64_t vmcs_checked_read(uint32_t enc, enum vmcs_width width)
{
    uint64_t val = 0;
    enum vmcs_access_error err = vmcs_check_access(enc, width, false);
    if (err == VMCS_ACCESS_OK && !vmcs_raw_read(enc, &val))
        err = VMCS_ERR_ACCESS_FAILED;
    if (err != VMCS_ACCESS_OK) {
        vmcs_access_failed(enc, err);
        return 0;
    }
    return val;
}

static inline void vmcs_checked_write(uint32_t enc, enum vmcs_width width, uint64_t val)
{
    enum vmcs_access_error err = vmcs_check_access(enc, width, true);
    if (err == VMCS_ACCESS_OK && !vmcs_raw_write(enc, val))
        err = VMCS_ERR_ACCESS_FAILED;
    if (err != VMCS_ACCESS_OK)
        vmcs_access_failed(enc, err);
}

/* vmread16/32/64/natural and vmwrite16/32/64/natural. */
#define VMCS_DEFINE_ACCESSORS(suffix, type, width)                                                \
    static inline __attribute__((always_inline)) type vmread##suffix(uint32_t enc)                \
    {                                                                                             \
        VMCS_CHECK_CONSTANT_ACCESS(enc, width, false);                                            \
        return (type)vmcs_checked_read(enc, width);                                               \
    }                                                                                             \
    static inline __attribute__((always_inline)) void vmwrite##suffix(uint32_t enc, type val)     \
    {                                                                                             \
        VMCS_CHECK_CONSTANT_ACCESS(enc, width, true);                                             \
        vmcs_checked_write(enc, width, val);                                                      \
    }
VMCS_DEFINE_ACCESSORS(16, uint16_t, VMCS_WIDTH_16)
VMCS_DEFINE_ACCESSORS(32, uint32_t, VMCS_WIDTH_32)
VMCS_DEFINE_ACCESSORS(64, uint64_t, VMCS_WIDTH_64)
VMCS_DEFINE_ACCESSORS(_natural, uint64_t, VMCS_WIDTH_NATURAL) /* 64 bits: apicvisor is 64-bit only */
#undef VMCS_DEFINE_ACCESSORS

#endif
