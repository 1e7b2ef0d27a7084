/*
 * captured-handles: what a loader meets among the handles of a captured OVMF handle database that efiemu presents
 * without an implementation. Prints on COM1:
 *   pcd: LocateProtocol(PCD_PROTOCOL) status, then the status of its function in slot 3 (the interface pointer as the
 *        first argument, as protocols with a This take it)
 *   dp2text: LocateProtocol(EFI_DEVICE_PATH_TO_TEXT_PROTOCOL), then ConvertDevicePathToText(image's FilePath): text or NULL
 *   fv2: LocateHandleBuffer(ByProtocol, FIRMWARE_VOLUME2) count, then Fv2->GetVolumeAttributes(This, &a) status
 *   kbd: LocateHandleBuffer(ByProtocol, SimpleTextInputEx) count
 *   gop: LocateHandleBuffer(ByProtocol, GOP) count; all: LocateHandleBuffer(AllHandles) count
 * then ResetSystem(EfiResetShutdown).
 */
#include "efiemu_rt.h"

static EFI_GUID gPcd = {0x11b34006, 0xd85b, 0x4d0a, {0xa2, 0x90, 0xd5, 0xa5, 0x71, 0x31, 0x0e, 0xf7}};
static EFI_GUID gToText = {0x8b843e20, 0x8132, 0x4852, {0x90, 0xcc, 0x55, 0x1a, 0x4e, 0x4a, 0x7f, 0x1c}};
static EFI_GUID gFv2 = {0x220e73b6, 0x6bdb, 0x4413, {0x84, 0x05, 0xb9, 0x74, 0xb1, 0x08, 0x61, 0x9a}};
static EFI_GUID gTextInEx = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
static EFI_GUID gLoadedImage = LOADED_IMAGE_PROTOCOL;
static EFI_GUID gGop = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

typedef EFI_STATUS(EFIAPI *STATUS_FN)(void *This, void *a, void *b, void *c);
typedef CHAR16 *(EFIAPI *TO_TEXT_FN)(void *DevicePath, BOOLEAN DisplayOnly, BOOLEAN AllowShortcuts);

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  void **pcd = 0;
  EFI_STATUS s = rt_bs->LocateProtocol(&gPcd, 0, (void **)&pcd);
  rt_printf("pcd: LocateProtocol = %s\n", rt_status_name(s));
  if (s == EFI_SUCCESS) {
    EFI_STATUS f = ((STATUS_FN)pcd[3])(pcd, 0, 0, 0);
    rt_printf("pcd: function 3 = %s\n", rt_status_name(f));
  }
  void **toText = 0;
  s = rt_bs->LocateProtocol(&gToText, 0, (void **)&toText);
  rt_printf("dp2text: LocateProtocol = %s\n", rt_status_name(s));
  if (s == EFI_SUCCESS) {
    EFI_LOADED_IMAGE *li = 0;
    rt_bs->HandleProtocol(image, &gLoadedImage, (void **)&li);
    CHAR16 *text = ((TO_TEXT_FN)toText[1])(li->FilePath, 0, 0);
    rt_printf("dp2text: ConvertDevicePathToText = %s\n", text ? "text" : "NULL");
  }
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  s = rt_bs->LocateHandleBuffer(ByProtocol, &gFv2, 0, &n, &hs);
  rt_printf("fv2: handles=%lu (%s)\n", (UINT64)n, rt_status_name(s));
  if (s == EFI_SUCCESS && n > 0) {
    void **fv = 0;
    s = rt_bs->HandleProtocol(hs[0], &gFv2, (void **)&fv);
    UINT64 attributes = 0;
    EFI_STATUS f = s == EFI_SUCCESS ? ((STATUS_FN)fv[0])(fv, &attributes, 0, 0) : s;
    rt_printf("fv2: GetVolumeAttributes = %s\n", rt_status_name(f));
    rt_bs->FreePool(hs);
  }
  s = rt_bs->LocateHandleBuffer(ByProtocol, &gTextInEx, 0, &n, &hs);
  rt_printf("kbd: SimpleTextInputEx handles=%lu (%s)\n", (UINT64)n, rt_status_name(s));
  if (s == EFI_SUCCESS) rt_bs->FreePool(hs);
  s = rt_bs->LocateHandleBuffer(ByProtocol, &gGop, 0, &n, &hs);
  rt_printf("gop: handles=%lu (%s)\n", (UINT64)n, rt_status_name(s));
  if (s == EFI_SUCCESS) rt_bs->FreePool(hs);
  s = rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs);
  rt_printf("all: handles=%lu (%s)\n", (UINT64)n, rt_status_name(s));
  rt_printf("captured-handles: end\n");
  rt_st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
