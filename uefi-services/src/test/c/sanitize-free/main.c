/* sanitize-free: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_MEMORY_DESCRIPTOR *d = find(size, dsz, EfiConventionalMemory, 0x10000);
  if (!d) return EFI_NOT_FOUND;
  store("free", (void *)(UINTN)(d->PhysicalStart + 0x2000), 1);
})
