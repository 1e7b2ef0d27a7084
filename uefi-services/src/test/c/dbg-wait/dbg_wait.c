/*
 * dbg-wait: built with gcc -g (flags.mk) for the debugger's source lines, and waits on a timer event with
 * WaitForEvent (UEFI 2.10 §7.1) before it calls AllocatePages, so a service breakpoint must keep firing after the
 * wait. The comments "@name" mark lines the tests look up in this file.
 */
#include "efiemu_rt.h"

static volatile UINT64 total;

__attribute__((noinline)) static EFI_PHYSICAL_ADDRESS grab_pages(EFI_BOOT_SERVICES *bs, UINTN pages) {
  EFI_PHYSICAL_ADDRESS at = 0;
  EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &at); /* @alloc */
  rt_printf("allocate-pages %s\n", rt_status_name(s));
  return s == EFI_SUCCESS ? at : 0;
}

__attribute__((noinline)) static void wait_for_timer(EFI_BOOT_SERVICES *bs) {
  EFI_EVENT timer = 0;
  UINTN index = 99;
  bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &timer);
  bs->SetTimer(timer, TimerRelative, 100000); /* 10 ms */
  EFI_STATUS s = bs->WaitForEvent(1, &timer, &index); /* @wait */
  rt_printf("wait-for-event %s index %lu\n", rt_status_name(s), (unsigned long)index);
  bs->CloseEvent(timer);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  wait_for_timer(bs);
  EFI_PHYSICAL_ADDRESS first = grab_pages(bs, 2);
  EFI_PHYSICAL_ADDRESS second = grab_pages(bs, 3);

  total = 0;
  for (UINT64 i = 0; i < 8; i++) {
    total += i * 3; /* @loop */
  }
  bs->FreePages(second, 3);
  bs->FreePages(first, 2);
  rt_printf("done %lu\n", (unsigned long)total);
  return EFI_SUCCESS;
}
