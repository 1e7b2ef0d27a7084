/*
 * smc-efi-pool: the efi-pool strategy preceded by one self-modifying store: the code rewrites (with the byte it
 * already holds) an instruction later in the block it is running. Real CPUs and Unicorn's per-instruction counter
 * run it as written; counting by block cannot count it (efiemu's BlockCountingException), so a scenario runner must
 * fall back to counting per instruction and report exactly what that reports.
 */
#include "xenboot.h"

static int smc_init(void) {
  __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                   "movb $0x90, (%%rax)\n\t"
                   "nop\n"
                   "1:\tnop\n\t"
                   "nop\n" ::: "rax", "memory");
  return 0;
}

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

static const xb_strategy smc_efi_pool_strategy = {
    .name = "smc-efi-pool", .init = smc_init, .alloc = pool_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&smc_efi_pool_strategy, image, st);
}
