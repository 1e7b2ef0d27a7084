/*
 * efi-pages-above-1m: the seed's proposal ("getting EFI memory map, looking for free regions above 1 MiB
 * and then trying to allocate memory chunk using AllocatePages() with AllocateAddress"), done the way
 * Linux's efi_low_alloc_above() does it (drivers/firmware/efi/libstub/relocate.c):
 *   - read the map into a pool buffer (freed afterwards), walk it in the order the firmware reports it;
 *   - take only EfiConventionalMemory that is not EFI_MEMORY_HOT_PLUGGABLE / EFI_MEMORY_SP;
 *   - start = max(PhysicalStart, 1 MiB) rounded up to a page; if [start, start + size) fits in the
 *     descriptor, AllocatePages(AllocateAddress, EfiLoaderData, pages, start); a failure moves on to the
 *     next descriptor (UEFI 2.10 section 7.2: AllocateAddress returns EFI_NOT_FOUND for pages in use).
 * On a map reported in ascending order this is the lowest fitting address at or above 1 MiB.
 */
#include "xenboot.h"

#define XB_MEMORY_SP 0x40000ULL            /* EFI_MEMORY_SP, UEFI 2.8+ */
#define XB_MEMORY_HOT_PLUGGABLE 0x100000ULL /* EFI_MEMORY_HOT_PLUGGABLE, UEFI 2.10 */

static void *above_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  UINTN map_size = 0, key, dsz;
  UINT32 ver;
  *err = XB_NO_MEMORY;
  EFI_STATUS s = rt_bs->GetMemoryMap(&map_size, NULL, &key, &dsz, &ver);
  if (s != EFI_BUFFER_TOO_SMALL) {
    *detail = rt_status_name(s);
    return NULL;
  }
  map_size += XB_MAP_SLACK * dsz;
  void *map = NULL;
  if ((s = rt_bs->AllocatePool(EfiLoaderData, map_size, &map)) != EFI_SUCCESS) {
    *detail = rt_status_name(s);
    return NULL;
  }
  if ((s = rt_bs->GetMemoryMap(&map_size, map, &key, &dsz, &ver)) != EFI_SUCCESS) {
    rt_bs->FreePool(map);
    *detail = rt_status_name(s);
    return NULL;
  }
  UINTN pages = XB_PAGES(size);
  EFI_PHYSICAL_ADDRESS found = 0;
  for (UINTN i = 0; i < map_size / dsz && !found; i++) {
    EFI_MEMORY_DESCRIPTOR *d = XB_DESC(map, i, dsz);
    if (d->Type != EfiConventionalMemory || (d->Attribute & (XB_MEMORY_SP | XB_MEMORY_HOT_PLUGGABLE)))
      continue;
    UINT64 end = d->PhysicalStart + d->NumberOfPages * XB_PAGE;
    UINT64 start = d->PhysicalStart < XB_1MIB ? XB_1MIB : d->PhysicalStart;
    start = (start + XB_PAGE - 1) & ~(XB_PAGE - 1);
    if (start >= end || end - start < pages * XB_PAGE) continue;
    EFI_PHYSICAL_ADDRESS a = start;
    s = rt_bs->AllocatePages(AllocateAddress, EfiLoaderData, pages, &a);
    if (s == EFI_SUCCESS) found = a;
  }
  rt_bs->FreePool(map);
  if (!found) {
    *detail = "no-conventional-memory-above-1MiB";
    return NULL;
  }
  rt_printf("@efiemu call AllocatePages(AllocateAddress, EfiLoaderData, %lu, 0x%lx) = EFI_SUCCESS\n",
            (UINT64)pages, (UINT64)found);
  *got = pages * XB_PAGE;
  return (void *)(UINTN)found;
}

static const xb_strategy above_1m_strategy = {
    .name = "efi-pages-above-1m", .init = NULL, .alloc = above_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&above_1m_strategy, image, st);
}
