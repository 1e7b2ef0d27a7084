/* sanitize-bs-memset: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_MEMORY_DESCRIPTOR *d = find(size, dsz, EfiBootServicesData, 0x20000);
  if (!d) return EFI_NOT_FOUND;
  store("bs-data", (void *)(UINTN)(d->PhysicalStart + 0x1008), 0x10000 / 8);
})
