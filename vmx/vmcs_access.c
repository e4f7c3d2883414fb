#include "vmx/vmcs_access.h"

#include <stddef.h>

#include "lib/console.h"

const char *vmcs_access_error_name(enum vmcs_access_error err)
{
    static const char *const names[] = {
        [VMCS_ACCESS_OK] = "no error",
        [VMCS_ERR_BAD_ENCODING] = "bad encoding",
        [VMCS_ERR_WIDTH_MISMATCH] = "width mismatch",
        [VMCS_ERR_READ_ONLY] = "write to read-only field",
        [VMCS_ERR_ACCESS_FAILED] = "access failed",
    };
    return (unsigned)err < sizeof(names) / sizeof(names[0]) ? names[err] : "?";
}

static void print_access_error(uint32_t enc, enum vmcs_access_error err)
{
    kprintf("vmx: VMCS access error: %s, field 0x%04x\n", vmcs_access_error_name(err), enc);
}

static vmcs_error_fn error_handler = print_access_error;

void vmcs_set_error_handler(vmcs_error_fn handler)
{
    error_handler = handler ? handler : print_access_error;
}

void vmcs_access_failed(uint32_t enc, enum vmcs_access_error err)
{
    error_handler(enc, err);
}

static bool read_current_vmcs(void *ctx, uint32_t enc, uint64_t *val)
{
    (void)ctx;
    return vmcs_raw_read(enc, val);
}

const struct vmcs_reader vmcs_current_reader = { read_current_vmcs, NULL };

#ifndef APICVISOR_HV
static const struct vmcs_backend *host_backend;

void vmcs_set_host_backend(const struct vmcs_backend *backend)
{
    host_backend = backend;
}

bool vmcs_raw_read(uint32_t enc, uint64_t *val)
{
    return host_backend && host_backend->read(host_backend->ctx, enc, val);
}

bool vmcs_raw_write(uint32_t enc, uint64_t val)
{
    return host_backend && host_backend->write(host_backend->ctx, enc, val);
}
#endif
