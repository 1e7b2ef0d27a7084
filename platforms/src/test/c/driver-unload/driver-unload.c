/*
 * driver-unload: a captured firmware's driver Unload as an application meets it. Prints on COM1:
 *   first: the AllHandles index of the first driver image whose LoadedImage.Unload is set, and the handle count
 *   direct: that image's Unload(ImageHandle) called directly: status, handle count, HandleProtocol(LoadedImage) status
 *   unload: gBS->UnloadImage of the same image: status, handle count, HandleProtocol(LoadedImage) status
 *   again: gBS->UnloadImage of it once more: status
 *   foreign: the Unload function called with the application's own image handle: status
 *   exclusive: OpenProtocol EXCLUSIVE of the first protocol held BY_DRIVER: status
 *   disconnect: DisconnectController of that protocol's handle: status
 * then ResetSystem(EfiResetShutdown).
 */
#include "efiemu_rt.h"

static EFI_GUID gLoadedImage = LOADED_IMAGE_PROTOCOL;

static UINTN count(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) == EFI_SUCCESS) rt_bs->FreePool(hs);
  return n;
}

static void by_driver(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) != EFI_SUCCESS) return;
  for (UINTN i = 0; i < n; i++) {
    EFI_GUID **guids = 0;
    UINTN m = 0;
    if (rt_bs->ProtocolsPerHandle(hs[i], &guids, &m) != EFI_SUCCESS) continue;
    for (UINTN k = 0; k < m; k++) {
      EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
      UINTN c = 0;
      if (rt_bs->OpenProtocolInformation(hs[i], guids[k], &e, &c) != EFI_SUCCESS) continue;
      for (UINTN j = 0; j < c; j++) {
        if (!(e[j].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER)) continue;
        void *iface = 0;
        EFI_STATUS x = rt_bs->OpenProtocol(hs[i], guids[k], &iface, rt_image, 0, EFI_OPEN_PROTOCOL_EXCLUSIVE);
        rt_printf("exclusive: %03lu (%s)\n", (UINT64)i, rt_status_name(x));
        EFI_STATUS d = rt_bs->DisconnectController(hs[i], 0, 0);
        rt_printf("disconnect: %03lu (%s) handles=%lu\n", (UINT64)i, rt_status_name(d), (UINT64)count());
        return;
      }
    }
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs);
  for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
    EFI_LOADED_IMAGE *li = 0;
    if (hs[i] == image || rt_bs->HandleProtocol(hs[i], &gLoadedImage, (void **)&li) != EFI_SUCCESS || !li->Unload)
      continue;
    EFI_IMAGE_UNLOAD unload = li->Unload;
    rt_printf("first: %03lu handles=%lu\n", (UINT64)i, (UINT64)n);
    EFI_STATUS d = unload(hs[i]);
    void *again = 0;
    EFI_STATUS h = rt_bs->HandleProtocol(hs[i], &gLoadedImage, &again);
    rt_printf("direct: (%s) handles=%lu loaded-image (%s)\n", rt_status_name(d), (UINT64)count(), rt_status_name(h));
    EFI_STATUS u = rt_bs->UnloadImage(hs[i]);
    h = rt_bs->HandleProtocol(hs[i], &gLoadedImage, &again);
    rt_printf("unload: (%s) handles=%lu loaded-image (%s)\n", rt_status_name(u), (UINT64)count(), rt_status_name(h));
    rt_printf("again: (%s)\n", rt_status_name(rt_bs->UnloadImage(hs[i])));
    rt_printf("foreign: (%s)\n", rt_status_name(unload(image)));
    break;
  }
  by_driver();
  rt_st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
