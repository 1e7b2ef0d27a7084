/* dwarf5-sample's second compilation unit. */
#include "efiemu_rt.h"

UINT64 scale(UINT64 x, UINT64 by);

__attribute__((noinline)) UINT64 scale(UINT64 x, UINT64 by) {
  UINT64 r = x * by;
  if (r & 1) {
    r ^= 0x5A5A;
  }
  return r + by;
}
