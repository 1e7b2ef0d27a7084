/* sanitize-freed: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_PHYSICAL_ADDRESS a = 0;
  bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 2, &a);
  store("allocated", (void *)(UINTN)a, 0x2000 / 8);
  bs->FreePages(a, 2);
  store("freed", (void *)(UINTN)(a + 0x1000), 1);
})
