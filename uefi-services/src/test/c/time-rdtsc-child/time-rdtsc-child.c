/*
 * time-rdtsc-child: the image time-rdtsc loads with LoadImage from a buffer (UEFI 2.10 §7.4.1): it reads the TSC twice
 * around a short loop and prints both values and their difference, which must come from the virtual clock.
 */
#include "efiemu_rt.h"

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  UINT64 a = rt_rdtsc();
  volatile int x = 0;
  for (int i = 0; i < 100; i++) x += i;
  UINT64 b = rt_rdtsc();
  rt_printf("child-tsc %lu %lu delta %lu\n", (unsigned long)a, (unsigned long)b, (unsigned long)(b - a));
  return EFI_SUCCESS;
}
