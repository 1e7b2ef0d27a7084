/*
 * gop-probe: what real OVMF's EFI_GRAPHICS_OUTPUT_PROTOCOL reports at BDS start of BOOTX64.EFI (UEFI 2.10 §12.9):
 * the GOP handles, Mode (MaxMode, Mode, FrameBufferBase, FrameBufferSize) and QueryMode of every mode. Built with
 * emulator-core's payload.mk and booted on QEMU+OVMF by hand (see ovmf-q35-2g.gop.txt for the command); the output
 * is the reference GraphicsOutput's OVMF description is checked against.
 */
#include <efi.h>
#include "efiemu_rt.h"

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
    rt_init(image, st);
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    UINTN size = 0;
    EFI_HANDLE handles[16];
    size = sizeof(handles);
    EFI_STATUS s = st->BootServices->LocateHandle(ByProtocol, &gop_guid, NULL, &size, handles);
    rt_printf("gop-probe: LocateHandle(ByProtocol, GOP) = %s, %u handles\r\n", rt_status_name(s),
              (unsigned) (size / sizeof(EFI_HANDLE)));
    if (EFI_ERROR(s)) return s;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
    s = st->BootServices->HandleProtocol(handles[0], &gop_guid, (void **) &gop);
    if (EFI_ERROR(s)) return s;
    EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *m = gop->Mode;
    rt_printf("gop-probe: MaxMode %u Mode %u SizeOfInfo %lu FrameBufferBase 0x%lx FrameBufferSize 0x%lx\r\n",
              m->MaxMode, m->Mode, (unsigned long) m->SizeOfInfo, (unsigned long) m->FrameBufferBase,
              (unsigned long) m->FrameBufferSize);
    rt_printf("gop-probe: current %ux%u format %u scanline %u\r\n", m->Info->HorizontalResolution,
              m->Info->VerticalResolution, m->Info->PixelFormat, m->Info->PixelsPerScanLine);
    for (UINT32 i = 0; i < m->MaxMode; i++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
        UINTN infoSize;
        s = gop->QueryMode(gop, i, &infoSize, &info);
        if (EFI_ERROR(s)) {
            rt_printf("gop-probe: mode %u: %s\r\n", i, rt_status_name(s));
            continue;
        }
        rt_printf("gop-probe: mode %u: %ux%u format %u scanline %u size %lu\r\n", i, info->HorizontalResolution,
                  info->VerticalResolution, info->PixelFormat, info->PixelsPerScanLine, (unsigned long) infoSize);
        st->BootServices->FreePool(info);
    }
    UINTN mapSize = 0, key, dsize;
    UINT32 dver;
    st->BootServices->GetMemoryMap(&mapSize, NULL, &key, &dsize, &dver);
    rt_printf("gop-probe: done\r\n");
    st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    return EFI_SUCCESS;
}
