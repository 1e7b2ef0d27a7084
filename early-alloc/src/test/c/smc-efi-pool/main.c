/*
 * smc-efi-pool: the efi-pool strategy preceded by one self-modifying store: the code rewrites (with the byte it
 * already holds) an instruction later in the block it is running. Real CPUs and Unicorn's per-instruction counter
 * run it as written; counting by block cannot count it (efiemu's BlockCountingException), so a scenario runner must
 * fall back to counting per instruction and report exactly what that reports.
 */
#include "efi_pool.h"

static int smc_init(void) {
  __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                   "movb $0x90, (%%rax)\n\t"
                   "nop\n"
                   "1:\tnop\n\t"
                   "nop\n" ::: "rax", "memory");
  return 0;
}

static const xb_strategy smc_efi_pool_strategy = {
    .name = "smc-efi-pool", .init = smc_init, .alloc = pool_alloc, .alloc_map = NULL, .after_exit = NULL};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  return xb_main(&smc_efi_pool_strategy, image, st);
}
