/* EFI_MP_SERVICES_PROTOCOL (UEFI PI spec, Vol. 2, 13.4); gnu-efi 3.0.15 does not define it. */
#ifndef EFI_MP_SERVICES_H
#define EFI_MP_SERVICES_H

#include <efi.h>

#define EFI_MP_SERVICES_PROTOCOL_GUID \
    { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

#define PROCESSOR_AS_BSP_BIT        0x01
#define PROCESSOR_ENABLED_BIT       0x02
#define PROCESSOR_HEALTH_STATUS_BIT 0x04

typedef struct {
    UINT32 Package, Core, Thread;
} EFI_CPU_PHYSICAL_LOCATION;

typedef struct {
    UINT32 Package, Die, Tile, Module, Core, Thread;
} EFI_CPU_PHYSICAL_LOCATION2;

typedef struct {
    UINT64 ProcessorId; /* the local APIC ID on x86 */
    UINT32 StatusFlag;
    EFI_CPU_PHYSICAL_LOCATION Location;
    EFI_CPU_PHYSICAL_LOCATION2 Location2; /* PI 1.7 extension; sized in so a newer firmware cannot overrun */
} EFI_PROCESSOR_INFORMATION;

typedef struct _EFI_MP_SERVICES_PROTOCOL EFI_MP_SERVICES_PROTOCOL;
typedef VOID(EFIAPI *EFI_AP_PROCEDURE)(VOID *arg);

struct _EFI_MP_SERVICES_PROTOCOL {
    EFI_STATUS(EFIAPI *GetNumberOfProcessors)(EFI_MP_SERVICES_PROTOCOL *This, UINTN *Total, UINTN *Enabled);
    EFI_STATUS(EFIAPI *GetProcessorInfo)(EFI_MP_SERVICES_PROTOCOL *This, UINTN Number, EFI_PROCESSOR_INFORMATION *Info);
    EFI_STATUS(EFIAPI *StartupAllAPs)(EFI_MP_SERVICES_PROTOCOL *This, EFI_AP_PROCEDURE Procedure, BOOLEAN SingleThread,
                                      EFI_EVENT WaitEvent, UINTN TimeoutUs, VOID *Arg, UINTN **FailedCpus);
    EFI_STATUS(EFIAPI *StartupThisAP)(EFI_MP_SERVICES_PROTOCOL *This, EFI_AP_PROCEDURE Procedure, UINTN Number,
                                      EFI_EVENT WaitEvent, UINTN TimeoutUs, VOID *Arg, BOOLEAN *Finished);
    EFI_STATUS(EFIAPI *SwitchBSP)(EFI_MP_SERVICES_PROTOCOL *This, UINTN Number, BOOLEAN EnableOldBSP);
    EFI_STATUS(EFIAPI *EnableDisableAP)(EFI_MP_SERVICES_PROTOCOL *This, UINTN Number, BOOLEAN Enable, UINT32 *Health);
    EFI_STATUS(EFIAPI *WhoAmI)(EFI_MP_SERVICES_PROTOCOL *This, UINTN *Number);
};

#endif
