/* dwarf4-sample: built with gcc -g -gdwarf-4 for the line-table tests (DWARF 4 file and directory lists). */
#include "efiemu_rt.h"

static volatile UINT64 total;

__attribute__((noinline)) static UINT64 square(UINT64 x) {
  return x * x;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  for (UINT64 i = 1; i <= 5; i++) {
    total += square(i);
  }
  return (EFI_STATUS)total;
}
