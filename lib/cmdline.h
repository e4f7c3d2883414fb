/* Turning the firmware's load options into an ASCII command line. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* Converts UCS-2 load options of `bytes` bytes to ASCII in out.  Returns the length, or -1 when the
 * data is not printable text (firmware boot entries often carry binary data there) or does not fit.
 * When the first word holds no '=', it is the program's own path (the UEFI shell puts it there)
 * and is dropped. */
int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out, size_t out_size);

/* Same rules for a command-line file: stops at the first line end; -1 if not printable text. */
int cmdline_from_file(const char *data, size_t len, char *out, size_t out_size);

#endif
