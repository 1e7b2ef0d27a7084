/*
 * dwarf5-sample: built with gcc -g (DWARF 5, gcc 12's default) for the line-table tests; two compilation units so the
 * table has more than one line-number program. Same shape as debug-sample: no UEFI, host functions in a table.
 */
#include "efiemu_rt.h"

UINT64 scale(UINT64 x, UINT64 by);

typedef UINT64 (EFIAPI *host_fn)(UINT64 a, UINT64 b);

struct host_table {
  host_fn note;
};

static volatile UINT64 cells[4];

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  struct host_table *t = (struct host_table *)st;
  UINT64 acc = (UINT64)image;
  for (UINT64 i = 0; i < 4; i++) {
    acc = scale(acc, i + 3);
    cells[i] = acc;
  }
  t->note((UINT64)cells, acc);
  return 42;
}
