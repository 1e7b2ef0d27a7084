/*
 * svc-child: the image svc-images loads and starts (UEFI 2.10 §7.4). Loaded from a file (its LoadedImage FilePath
 * is set) it ends with Exit(EFI_ABORTED) and ExitData "child says bye"; loaded from a buffer (no FilePath) it returns
 * EFI_SUCCESS from its entry point.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_LOADED_IMAGE *li = 0;
  st->BootServices->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  EFI_DEVICE_PATH *fp = li->FilePath;
  int from_file = fp && fp->Type == 4 && fp->SubType == 4;
  rt_printf("child running: parent-set %d device-set %d from-file %d code %u\n", li->ParentHandle != 0,
            li->DeviceHandle != 0, from_file, li->ImageCodeType);
  if (from_file) {
    static CHAR16 bye[] = L"child says bye";
    EFI_STATUS s = st->BootServices->Exit(image, EFI_ABORTED, sizeof(bye), bye);
    rt_printf("child: Exit returned %s\n", rt_status_name(s));
  }
  return EFI_SUCCESS;
}
