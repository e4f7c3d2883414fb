/* Human-readable names for VM-exit reasons and VM-instruction errors, for logs and the dump. */
#ifndef VMM_EXIT_NAMES_H
#define VMM_EXIT_NAMES_H

#include <stdint.h>

/* The SDM Appendix C name of a basic exit reason (bits 15:0; higher bits are ignored), or
 * "unknown" for a number the SDM does not define. */
const char *vmx_exit_reason_name(uint32_t reason);

/* The SDM 31.4 description of a VM-instruction error number, or "unknown". */
const char *vmx_instruction_error_name(uint32_t err);

#endif
