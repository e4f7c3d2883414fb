#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "lib/cmdline.h"

EFI_STATUS load_command_line(EFI_HANDLE image, char *out, UINTN out_size, const char **source)
{
    EFI_LOADED_IMAGE *li = NULL;
    out[0] = '\0';
    *source = "defaults";
    EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (VOID **)&li);
    if (EFI_ERROR(st))
        return st;
    if (cmdline_from_load_options(li->LoadOptions, li->LoadOptionsSize, out, out_size) > 0) {
        *source = "load options";
        return EFI_SUCCESS;
    }
    out[0] = '\0';
    void *data;
    UINTN len;
    if (EFI_ERROR(esp_read_beside_image(image, L"apicvisor.cmdline", &data, &len)))
        return EFI_SUCCESS; /* no file: the defaults */
    int n = cmdline_from_file(data, len, out, out_size);
    FreePool(data);
    if (n < 0) {
        out[0] = '\0';
        *source = "apicvisor.cmdline (unreadable: not one line of printable ASCII)";
        return EFI_INVALID_PARAMETER;
    }
    *source = "apicvisor.cmdline";
    return EFI_SUCCESS;
}
