/*
 * mem-lower: chunks taken downward from GRUB2's multiboot2 mem_lower, computed from the EFI memory map
 * the way GRUB computes it (grub-core/mmap/i386/uppermem.c grub_mmap_get_lower() over
 * grub-core/mmap/efi/mmap.c with avoid_efi_boot_services = 0):
 *   - EfiConventionalMemory, EfiLoaderCode/Data and EfiBootServicesCode/Data are AVAILABLE;
 *   - adjacent or overlapping AVAILABLE ranges merge (grub_mmap_iterate's sweep);
 *   - mem_lower is the length of the AVAILABLE region that starts exactly at address 0, capped at 1 MiB.
 * A map whose RAM starts at 0x10000 (Dell 12th generation) has no region starting at 0, so mem_lower
 * is 0 and the strategy has no memory at all, exactly as GRUB would report (docs/strategies.md).
 *
 * GRUB read the map with its own heap; this payload reads it into a pool buffer that it frees again
 * before the strategy starts. Chunks are never taken from page 0 (the real-mode IVT).
 */
#include "xenboot.h"

static UINT64 ml_next;
static UINT64 ml_floor = XB_PAGE;

static int ml_available(UINT32 type) {
  return type == EfiConventionalMemory || type == EfiLoaderCode || type == EfiLoaderData ||
         type == EfiBootServicesCode || type == EfiBootServicesData;
}

static UINT64 ml_compute(void *map, UINTN size, UINTN dsz) {
  UINT64 end = 0;
  int grown = 1;
  /* Grow [0, end) while some AVAILABLE descriptor starts at or below end and reaches beyond it. */
  while (grown) {
    grown = 0;
    for (UINTN i = 0; i < size / dsz; i++) {
      EFI_MEMORY_DESCRIPTOR *d = XB_DESC(map, i, dsz);
      UINT64 dend = d->PhysicalStart + d->NumberOfPages * XB_PAGE;
      if (ml_available(d->Type) && d->PhysicalStart <= end && dend > end &&
          (end > 0 || d->PhysicalStart == 0)) {
        end = dend;
        grown = 1;
      }
    }
  }
  return end > XB_1MIB ? XB_1MIB : end;
}

static int ml_init(void) {
  UINTN size = 0, key, dsz;
  UINT32 ver;
  EFI_STATUS s = rt_bs->GetMemoryMap(&size, NULL, &key, &dsz, &ver);
  if (s != EFI_BUFFER_TOO_SMALL) return -1;
  size += XB_MAP_SLACK * dsz;
  void *map = NULL;
  if (rt_bs->AllocatePool(EfiLoaderData, size, &map) != EFI_SUCCESS) return -1;
  s = rt_bs->GetMemoryMap(&size, map, &key, &dsz, &ver);
  UINT64 lower = s == EFI_SUCCESS ? ml_compute(map, size, dsz) : 0;
  rt_bs->FreePool(map);
  if (s != EFI_SUCCESS) return -1;
  rt_printf("@efiemu info mem_lower=%luKiB\n", lower / 1024);
  ml_next = lower;
  if (lower > ml_floor) xb_region("pool", ml_floor, lower - ml_floor);
  return 0;
}

static void *ml_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  UINT64 p = (ml_next - size) & ~7ULL;
  if (size > ml_next || p < ml_floor) {
    *err = XB_NO_MEMORY;
    *detail = ml_next <= ml_floor ? "mem_lower-too-small" : "below-mem_lower-floor";
    return NULL;
  }
  *got = ml_next - p;
  ml_next = p;
  return (void *)(UINTN)p;
}

static const xb_strategy mem_lower_strategy = {
    .name = "mem-lower", .init = ml_init, .alloc = ml_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&mem_lower_strategy, image, st);
}
