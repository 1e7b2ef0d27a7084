/* efi-pool: AllocatePool(EfiLoaderData) for every early allocation (see include/efi_pool.h). */
#include "efi_pool.h"

static const xb_strategy efi_pool_strategy = {
    .name = "efi-pool", .init = NULL, .alloc = pool_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&efi_pool_strategy, image, st);
}
