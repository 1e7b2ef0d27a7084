/*
 * svc-gop: EFI_GRAPHICS_OUTPUT_PROTOCOL (UEFI 2.10 §12.9) as a boot loader uses it (Xen's efi_find_gop_mode /
 * efi_set_gop_mode / efi_arch_video_init): LocateHandle and HandleProtocol, Mode, QueryMode of every mode, SetMode,
 * Blt (fill, buffer-to-video, video-to-buffer, video-to-video) and a store straight into the framebuffer.
 * GraphicsOutputPayloadTest checks the printed "<case> <status> ..." lines and the framebuffer.
 */
#include "efiemu_rt.h"

static EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_HANDLE handles[8];
  UINTN size = sizeof(handles);
  SHOW("locate", bs->LocateHandle(ByProtocol, &gop_guid, NULL, &size, handles));
  rt_printf("handles %u\n", (unsigned)(size / sizeof(EFI_HANDLE)));
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
  SHOW("handle-protocol", bs->HandleProtocol(handles[0], &gop_guid, (void **)&gop));
  EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *m = gop->Mode;
  rt_printf("mode max %u current %u info-size %u fb 0x%lx size 0x%lx\n", m->MaxMode, m->Mode, (unsigned)m->SizeOfInfo,
            (unsigned long)m->FrameBufferBase, (unsigned long)m->FrameBufferSize);
  rt_printf("current %ux%u format %u scanline %u\n", m->Info->HorizontalResolution, m->Info->VerticalResolution,
            m->Info->PixelFormat, m->Info->PixelsPerScanLine);
  UINT32 best = 0, area = 0;
  for (UINT32 i = 0; i < m->MaxMode; i++) {
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
    UINTN info_size;
    EFI_STATUS s = gop->QueryMode(gop, i, &info_size, &info);
    if (EFI_ERROR(s)) { rt_printf("query %u %s\n", i, rt_status_name(s)); continue; }
    if (info->HorizontalResolution * info->VerticalResolution > area) {
      area = info->HorizontalResolution * info->VerticalResolution;
      best = i;
    }
    bs->FreePool(info);
  }
  rt_printf("largest mode %u\n", best);
  EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
  UINTN info_size;
  SHOW("query-beyond", gop->QueryMode(gop, m->MaxMode, &info_size, &info));
  SHOW("set-beyond", gop->SetMode(gop, m->MaxMode));
  SHOW("set-3", gop->SetMode(gop, 3));
  rt_printf("now %u %ux%u size 0x%lx\n", m->Mode, m->Info->HorizontalResolution, m->Info->VerticalResolution,
            (unsigned long)m->FrameBufferSize);
  EFI_GRAPHICS_OUTPUT_BLT_PIXEL red = {0, 0, 0xFF, 0};
  SHOW("fill", gop->Blt(gop, &red, EfiBltVideoFill, 0, 0, 10, 20, 4, 2, 0));
  EFI_GRAPHICS_OUTPUT_BLT_PIXEL src[2] = {{0x11, 0x22, 0x33, 0}, {0x44, 0x55, 0x66, 0}};
  SHOW("to-video", gop->Blt(gop, src, EfiBltBufferToVideo, 0, 0, 100, 50, 2, 1, 0));
  SHOW("video-to-video", gop->Blt(gop, NULL, EfiBltVideoToVideo, 100, 50, 200, 60, 2, 1, 0));
  EFI_GRAPHICS_OUTPUT_BLT_PIXEL back[2];
  SHOW("to-buffer", gop->Blt(gop, back, EfiBltVideoToBltBuffer, 200, 60, 0, 0, 2, 1, 0));
  rt_printf("read-back %02x%02x%02x %02x%02x%02x\n", back[0].Red, back[0].Green, back[0].Blue, back[1].Red,
            back[1].Green, back[1].Blue);
  SHOW("fill-outside", gop->Blt(gop, &red, EfiBltVideoFill, 0, 0, 799, 0, 2, 1, 0));
  SHOW("fill-empty", gop->Blt(gop, &red, EfiBltVideoFill, 0, 0, 0, 0, 0, 1, 0));
  volatile UINT32 *fb = (volatile UINT32 *)(UINTN)m->FrameBufferBase;
  fb[599 * 800 + 799] = 0x00ABCDEF;
  rt_printf("direct %x\n", fb[599 * 800 + 799]);
  return EFI_SUCCESS;
}
