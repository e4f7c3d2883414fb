#include <efi.h>
#include <efilib.h>

#include "efi/firmware.h"

EFI_STATUS esp_read_file(EFI_HANDLE image, const CHAR16 *path, void **data, UINTN *size)
{
    EFI_LOADED_IMAGE *li = NULL;
    EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (VOID **)&li);
    if (EFI_ERROR(st))
        return st;
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle), file = NULL;
    if (!root)
        return EFI_NOT_FOUND;
    st = root->Open(root, &file, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
    root->Close(root);
    if (EFI_ERROR(st))
        return st;
    EFI_FILE_INFO *info = LibFileInfo(file);
    if (!info) {
        file->Close(file);
        return EFI_DEVICE_ERROR;
    }
    UINTN len = info->FileSize;
    FreePool(info);
    /* Loader data survives ExitBootServices: the hypervisor reads the file after handover. */
    st = BS->AllocatePool(EfiLoaderData, len ? len : 1, data);
    if (!EFI_ERROR(st)) {
        st = file->Read(file, &len, *data);
        *size = len;
    }
    file->Close(file);
    return st;
}

/* The directory the application was loaded from, with a trailing backslash. */
static UINTN image_dir(EFI_HANDLE image, CHAR16 *out, UINTN out_len)
{
    EFI_LOADED_IMAGE *li = NULL;
    if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol, (VOID **)&li)))
        return 0;
    CHAR16 *path = DevicePathToStr(li->FilePath);
    UINTN dir_len = 0, n = path ? StrLen(path) : 0;
    for (UINTN i = 0; i < n; i++)
        if (path[i] == L'\\' || path[i] == L'/')
            dir_len = i + 1;
    if (dir_len >= out_len)
        dir_len = 0;
    for (UINTN i = 0; i < dir_len; i++)
        out[i] = path[i];
    out[dir_len] = 0;
    if (path)
        FreePool(path);
    return dir_len;
}

EFI_STATUS esp_read_beside_image(EFI_HANDLE image, const CHAR16 *name, void **data, UINTN *size)
{
    CHAR16 path[256];
    UINTN dir = image_dir(image, path, sizeof(path) / sizeof(path[0]));
    if (dir + StrLen(name) + 1 > sizeof(path) / sizeof(path[0]))
        return EFI_BUFFER_TOO_SMALL;
    StrCpy(path + dir, name);
    return esp_read_file(image, path, data, size);
}
