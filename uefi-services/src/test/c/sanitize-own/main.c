/* sanitize-own: see ../sanitize-include/sanitize.h */
#include "../sanitize-include/sanitize.h"

SANITIZE_CASE({
  EFI_PHYSICAL_ADDRESS a = 0;
  void *pool = 0;
  volatile UINT8 stack_buffer[16 * 1024];
  bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 4, &a);
  store("pages", (void *)(UINTN)a, 4 * 4096 / 8);
  bs->AllocatePool(EfiLoaderData, 100, &pool);
  store("pool", pool, 100 / 8);
  image_data = 2;
  memset((void *)image_bss, 0x11, sizeof(image_bss));
  memset((void *)stack_buffer, 0x22, sizeof(stack_buffer));
  rt_printf("own done %d %d\n", (int)image_data, stack_buffer[100] + image_bss[5]);
})
