/*
 * pool-first: the first memory request a boot loader typically makes, AllocatePool(EfiLoaderData, 0x88), then
 * AllocatePages(AllocateAnyPages, EfiLoaderData, 1). Prints both results on the console; ImportedPlacementBootTest
 * checks where an imported real machine's firmware puts them.
 */
#include "efiemu_rt.h"

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  void *pool = 0;
  EFI_STATUS s = bs->AllocatePool(EfiLoaderData, 0x88, &pool);
  rt_printf("pool %s %p\n", rt_status_name(s), pool);
  EFI_PHYSICAL_ADDRESS page = 0;
  s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, &page);
  rt_printf("page %s %p\n", rt_status_name(s), (void *)page);
  return EFI_SUCCESS;
}
