/* sanitize-ebs: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_MEMORY_DESCRIPTOR *bsd = find(size, dsz, EfiBootServicesData, 0x20000);
  EFI_MEMORY_DESCRIPTOR *rtd = find(size, dsz, EfiRuntimeServicesData, 0x1000);
  if (!bsd || !rtd) return EFI_NOT_FOUND;
  UINT64 bs_target = bsd->PhysicalStart + 0x3000, rt_target = rtd->PhysicalStart + 0x10;
  EFI_STATUS s = bs->ExitBootServices(image, key);
  if (EFI_ERROR(s)) return s;
  rt_console_gone();
  rt_serial_enabled = 1;
  store("after-ebs-bs-data", (void *)(UINTN)bs_target, 1);
  store("after-ebs-rt-data", (void *)(UINTN)rt_target, 1);
})
