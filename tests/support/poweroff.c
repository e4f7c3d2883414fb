/* A second boot entry for emulator runs: when apicvisor returns to the firmware (as it must on
 * errors), the firmware's boot manager moves on to this disk, which says so and powers off, so
 * a failing run ends instead of waiting in a boot menu. */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    InitializeLib(image, systab);
    Print(L"apicvisor-runner: the application returned to the firmware; powering off\r\n");
    RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    return EFI_SUCCESS;
}
