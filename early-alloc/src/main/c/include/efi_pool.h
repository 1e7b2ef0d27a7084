/*
 * efi-pool: every early allocation is AllocatePool(EfiLoaderData, size), as Linux's EFI stub does for its
 * memory-map buffer and strings (drivers/firmware/efi/libstub/mem.c efi_get_memory_map(); UEFI 2.10
 * section 7.2 AllocatePool). The firmware owns the placement; the buffers stay allocated (LoaderData), so
 * the OS has to keep them out of its allocator after ExitBootServices. Shared by the efi-pool strategy and
 * test payloads built on it.
 */
#ifndef EFI_POOL_H
#define EFI_POOL_H

#include "xenboot.h"

static void *pool_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  void *p = NULL;
  EFI_STATUS s = rt_bs->AllocatePool(EfiLoaderData, size, &p);
  rt_printf("@efiemu call AllocatePool(EfiLoaderData, 0x%lx) = %s -> 0x%lx\n", (UINT64)size, rt_status_name(s),
            (UINT64)(UINTN)p);
  if (s != EFI_SUCCESS) {
    *err = XB_NO_MEMORY;
    *detail = rt_status_name(s);
    return NULL;
  }
  *got = size;
  return p;
}

#endif
