/*
 * place-string: Xen's pre-2017 early allocator. place_string() (xen/common/efi/boot.c) hands out chunks
 * going down from the `start` symbol (the first byte of .text), and efi_arch_allocate_mmap_buffer()
 * takes the memory-map buffer the same way, refusing to go below the image base (xen_phys_start).
 *
 * xen.efi links .text 1 MiB above its image base, so the chunks come from a 1 MiB gap that is part of
 * the image's own allocation (the "1 MiB memory pool like it was in original place_string()" of the
 * seed). Loaded by multiboot2, `start` sits at 1 MiB and the chunks grow below 1 MiB into memory
 * nobody allocated (the seed's problem). Both payloads use this file; only their link layout differs.
 *
 * The allocator's floor is start - PLACE_STRING_SPAN (1 MiB minus the header page), i.e. the image base
 * plus its header page for the xen.efi layout and 0x2000 for the multiboot2 layout.
 */
#ifndef PLACE_STRING_H
#define PLACE_STRING_H

#include "xenboot.h"

#define PLACE_STRING_SPAN (XB_1MIB - XB_PAGE)

static char *ps_next;
static char *ps_floor;

static int ps_init(void) {
  char *start = xb_image_text_start();
  ps_next = start;
  ps_floor = start - PLACE_STRING_SPAN;
  rt_printf("@efiemu info start=0x%lx\n", (UINT64)(UINTN)start);
  xb_region("pool", (UINT64)(UINTN)ps_floor, PLACE_STRING_SPAN);
  return 0;
}

static void *ps_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  UINTN p = ((UINTN)ps_next - size) & ~(UINTN)7; /* __alignof__(EFI_MEMORY_DESCRIPTOR) */
  if (size > (UINTN)ps_next || p < (UINTN)ps_floor) {
    *err = XB_POOL_FULL;
    *detail = "below-place-string-floor";
    return NULL;
  }
  *got = (UINTN)ps_next - p;
  ps_next = (char *)p;
  return ps_next;
}

static const xb_strategy place_string_strategy = {
    .name = PS_NAME, .init = ps_init, .alloc = ps_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&place_string_strategy, image, st);
}

#endif
