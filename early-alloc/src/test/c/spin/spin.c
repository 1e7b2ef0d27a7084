/*
 * spin: a boot loader stuck in a loop. It prints "spinning" and counts forever in a volatile counter, calling no
 * service. TerminalConsoleTest interrupts it with Ctrl-C in the console debugger and expects the prompt back.
 */
#include "efiemu_rt.h"

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  rt_printf("spinning\n");
  volatile UINT64 n = 0;
  for (;;) {
    n++;
  }
  return EFI_SUCCESS;
}
