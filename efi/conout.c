#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "lib/console.h"

/* Converts to UCS-2 in small chunks, turning "\n" into "\r\n" as ConOut expects. */
static void conout_write(const char *s, size_t n)
{
    CHAR16 buf[64];
    UINTN used = 0;
    for (size_t i = 0; i < n; i++) {
        if (used + 3 > sizeof(buf) / sizeof(buf[0])) {
            buf[used] = 0;
            ST->ConOut->OutputString(ST->ConOut, buf);
            used = 0;
        }
        if (s[i] == '\n')
            buf[used++] = L'\r';
        buf[used++] = (CHAR16)(unsigned char)s[i];
    }
    buf[used] = 0;
    if (used)
        ST->ConOut->OutputString(ST->ConOut, buf);
}

void conout_attach(void)
{
    console_add_sink(conout_write);
}

void conout_detach(void)
{
    console_remove_sink(conout_write);
}

/* True when the firmware's ConOut variable lists a UART: the firmware then copies ConOut to the
 * serial port itself (OVMF does), and writing COM1 directly as well would print everything twice. */
bool conout_reaches_serial(void)
{
    EFI_DEVICE_PATH *paths = LibGetVariable(L"ConOut", &EfiGlobalVariable);
    bool uart = false;
    for (EFI_DEVICE_PATH *n = paths; n && !IsDevicePathEnd(n); n = NextDevicePathNode(n)) {
        if (IsDevicePathEndType(n))
            continue; /* end of one instance; more follow */
        if (DevicePathType(n) == MESSAGING_DEVICE_PATH && DevicePathSubType(n) == MSG_UART_DP)
            uart = true;
    }
    if (paths)
        FreePool(paths);
    return uart;
}
