/*
 * init-bss: the seed's option 2a, which Xen adopted as ebmalloc (commit c5b9805bc1, xen/common/efi/
 * ebmalloc.c): a 1 MiB page-aligned array at the end of .bss, bump-allocated from its lowest address
 * (sizes rounded up to sizeof(void *)); no firmware call, no file size. After init the unused page-aligned
 * tail, [PAGE_ALIGN(base + used), base + 1 MiB), is given back (free_ebmalloc_unused_mem()); the payload
 * reports that range as init-bss-unused.
 *
 * The array is a common symbol (.comm): GNU ld's PE script places COMMON after every .bss input section,
 * so it ends up at the very end of .bss, where Xen's .init.bss idea puts it.
 */
#include "xenboot.h"

#define INIT_BSS_SIZE 0x100000UL
__asm__(".comm ebmalloc_mem, 0x100000, 4096");
extern char ebmalloc_mem[];
static UINTN ib_used;

static int ib_init(void) {
  xb_region("init-bss", (UINT64)(UINTN)ebmalloc_mem, INIT_BSS_SIZE);
  return 0;
}

static void *ib_alloc(UINTN size, const char *label, UINTN *got, xb_alloc_error *err, const char **detail) {
  UINTN need = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
  if (need > INIT_BSS_SIZE - ib_used) {
    *err = XB_POOL_FULL;
    *detail = "out-of-static-memory"; /* Xen: blexit(L"Out of static memory") */
    return NULL;
  }
  void *p = ebmalloc_mem + ib_used;
  ib_used += need;
  *got = need;
  return p;
}

static void ib_after_exit(void) {
  UINT64 base = (UINT64)(UINTN)ebmalloc_mem;
  UINT64 first_free = (base + ib_used + XB_PAGE - 1) & ~(XB_PAGE - 1);
  rt_printf("@efiemu info init-bss-used=0x%lx of 0x%lx\n", (UINT64)ib_used, (UINT64)INIT_BSS_SIZE);
  if (first_free < base + INIT_BSS_SIZE) xb_region("init-bss-unused", first_free, base + INIT_BSS_SIZE - first_free);
}

static const xb_strategy init_bss_strategy = {
    .name = "init-bss", .init = ib_init, .alloc = ib_alloc, .alloc_map = NULL, .after_exit = ib_after_exit};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&init_bss_strategy, image, st);
}
