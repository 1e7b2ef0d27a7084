/* sanitize-loop: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_PHYSICAL_ADDRESS a = 0;
  bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 16, &a);
  volatile UINT64 *p = (volatile UINT64 *)(UINTN)a;
  for (UINT64 round = 0; round < 400; round++)
    for (UINTN i = 0; i < 16 * 4096 / 8; i++) p[i] = round + i;
  rt_printf("loop done %lu\n", (unsigned long)p[7]);
})
