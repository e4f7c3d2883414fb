#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"
#include "vmm/cmdline.h"

#define CMDLINE_FILE L"apicvisor.cmdline"

/* Opens CMDLINE_FILE in the directory the application was loaded from. */
static EFI_FILE_HANDLE open_beside_image(EFI_LOADED_IMAGE *li)
{
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle), file = NULL;
    if (!root)
        return NULL;
    CHAR16 *image_path = DevicePathToStr(li->FilePath);
    CHAR16 path[256];
    UINTN dir_len = 0, n = image_path ? StrLen(image_path) : 0;
    for (UINTN i = 0; i < n; i++)
        if (image_path[i] == L'\\' || image_path[i] == L'/')
            dir_len = i + 1;
    if (dir_len + StrLen(CMDLINE_FILE) + 1 <= sizeof(path) / sizeof(path[0])) {
        CopyMem(path, image_path, dir_len * sizeof(CHAR16));
        StrCpy(path + dir_len, CMDLINE_FILE);
        if (EFI_ERROR(root->Open(root, &file, path, EFI_FILE_MODE_READ, 0)))
            file = NULL;
    }
    if (image_path)
        FreePool(image_path);
    root->Close(root);
    return file;
}

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
    EFI_FILE_HANDLE f = open_beside_image(li);
    if (!f)
        return EFI_SUCCESS;
    char data[1024];
    UINTN len = sizeof(data);
    st = f->Read(f, &len, data);
    f->Close(f);
    if (EFI_ERROR(st))
        return st;
    if (cmdline_from_file(data, len, out, out_size) < 0) {
        out[0] = '\0';
        *source = "apicvisor.cmdline (unreadable: not one line of printable ASCII)";
        return EFI_INVALID_PARAMETER;
    }
    *source = "apicvisor.cmdline";
    return EFI_SUCCESS;
}
