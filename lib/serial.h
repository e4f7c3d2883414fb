/* COM1 (16550 at 0x3f8): the hypervisor's serial console. */
#ifndef LIB_SERIAL_H
#define LIB_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* A console sink: writes s to COM1, turning "\n" into "\r\n". */
void serial_write(const char *s, size_t n);

#endif
