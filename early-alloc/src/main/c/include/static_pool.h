/*
 * static-pool: the seed's option 2, a pool allocated statically inside the image and bump-allocated from
 * its lowest address. The pool is initialised data (one non-zero byte), so it lives in .data and costs
 * its full size in the image file; it is part of the image's own EfiLoaderData/Code allocation, so no
 * firmware call is made and nothing outside the image is touched. STATIC_POOL_SIZE is set per payload.
 */
#ifndef STATIC_POOL_H
#define STATIC_POOL_H

#include "xenboot.h"

static char sp_pool[STATIC_POOL_SIZE] __attribute__((aligned(4096))) = {1};
static UINTN sp_used;

static int sp_init(void) {
  xb_region("pool", (UINT64)(UINTN)sp_pool, STATIC_POOL_SIZE);
  return 0;
}

static void *sp_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  UINTN need = (size + 7) & ~(UINTN)7;
  if (need > STATIC_POOL_SIZE - sp_used) {
    *err = XB_POOL_FULL;
    *detail = "static-pool-exhausted";
    return NULL;
  }
  void *p = sp_pool + sp_used;
  sp_used += need;
  *got = need;
  return p;
}

static void sp_after_exit(void) {
  rt_printf("@efiemu info pool-used=0x%lx of 0x%lx\n", (UINT64)sp_used, (UINT64)STATIC_POOL_SIZE);
}

static const xb_strategy static_pool_strategy = {
    .name = SP_NAME, .init = sp_init, .alloc = sp_alloc, .alloc_map = NULL, .after_exit = sp_after_exit};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&static_pool_strategy, image, st);
}

#endif
