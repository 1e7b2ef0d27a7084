/*
 * debug-sample: a tiny EFI-shaped program for the debugger tests. It needs no UEFI: its second argument points at a
 * table of host functions (called through the machine's call gate), not at a system table. It fills four cells,
 * reports them to the host and returns 42, so a debugger can break, step, watch the cells and see the result.
 */
#include "efiemu_rt.h"

typedef UINT64 (EFIAPI *host_fn)(UINT64 a, UINT64 b);

struct host_table {
  host_fn note;   /* note(cells, last value) */
};

static volatile UINT64 cells[4];

__attribute__((noinline)) static UINT64 mix(UINT64 x, UINT64 i) {
  return x * 31 + i;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  struct host_table *t = (struct host_table *)st;
  UINT64 acc = (UINT64)image;
  for (UINT64 i = 0; i < 4; i++) {
    acc = mix(acc, i);
    cells[i] = acc;
  }
  t->note((UINT64)cells, acc);
  return 42;
}
