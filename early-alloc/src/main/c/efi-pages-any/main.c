/*
 * efi-pages-any: page allocations with no address limit. Strings and early data use
 * AllocatePages(AllocateAnyPages, EfiLoaderData); the memory-map buffer uses
 * AllocatePages(AllocateMaxAddress, EfiLoaderData, n, 0xFFFFFFFFFFFFFFFF), which is what Linux's
 * efi_allocate_pages() asks for with max = ULONG_MAX (libstub/mem.c). UEFI 2.10 section 7.2 leaves the
 * placement of both to the firmware; EDK2 serves them top-down from the default region below 4 GiB.
 */
#include "xenboot.h"

static void *pages_alloc_type(EFI_ALLOCATE_TYPE type, const char *type_name, UINTN size, UINTN *got,
                              xb_alloc_error *err, const char **detail) {
  EFI_PHYSICAL_ADDRESS addr = type == AllocateMaxAddress ? ~(EFI_PHYSICAL_ADDRESS)0 : 0;
  UINTN pages = XB_PAGES(size);
  EFI_STATUS s = rt_bs->AllocatePages(type, EfiLoaderData, pages, &addr);
  rt_printf("@efiemu call AllocatePages(%s, EfiLoaderData, %lu, 0x%lx) = %s", type_name, (UINT64)pages,
            (UINT64)(type == AllocateMaxAddress ? ~0ULL : 0ULL), rt_status_name(s));
  if (s != EFI_SUCCESS) {
    rt_printf("\n");
    *err = XB_NO_MEMORY;
    *detail = rt_status_name(s);
    return NULL;
  }
  rt_printf(" -> 0x%lx\n", (UINT64)addr);
  *got = pages * XB_PAGE;
  return (void *)(UINTN)addr;
}

static void *any_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  return pages_alloc_type(AllocateAnyPages, "AllocateAnyPages", size, got, err, detail);
}

static void *max_alloc(UINTN size, UINTN *got, xb_alloc_error *err, const char **detail) {
  return pages_alloc_type(AllocateMaxAddress, "AllocateMaxAddress", size, got, err, detail);
}

static const xb_strategy efi_pages_any_strategy = {
    .name = "efi-pages-any", .init = NULL, .alloc = any_alloc, .alloc_map = max_alloc, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&efi_pages_any_strategy, image, st);
}
