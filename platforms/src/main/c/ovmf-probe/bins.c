/*
 * Free space inside the firmware's memory-type bins at entry (EDK2 MdeModulePkg/Core/Dxe/Mem/Page.c:
 * mMemoryTypeStatistics, FindFreePages). GetMemoryMap reports a bin's free pages under the bin's type, so the
 * map alone cannot say which of them are free; the profile needs the free runs exactly (EDK2's internal entry
 * count, and so GetMemoryMap's required size, depends on them).
 *
 * Per bin type the scan goes top-down with few firmware calls (about 2 log2(run) per free run):
 *   1. AllocateAnyPages(type, 1) returns the highest free page of the bin (FindFreePages searches the type's bin
 *      [BaseAddress, MaximumAddress] first). If the page lies in an entry-map descriptor of another type, the bin
 *      is exhausted and the firmware fell back to the default range: free it and stop.
 *   2. The free run ending at that page is measured downward with AllocateAddress tests of growing length
 *      (each successful test is freed at once), bounded by the base of the descriptor holding the page.
 *   3. The run is kept allocated, so the next AllocateAnyPages finds the next run below it.
 * Everything allocated is freed before the scan returns; FreePages merges the entries back (CoreAddRange), so
 * the firmware's state after the scan equals its state before (the step lines are unchanged on OVMF).
 */
#include "probe.h"

#define BIN_MAX_RUNS 16

static const UINT32 BIN_TYPES[] = {EfiRuntimeServicesData, EfiRuntimeServicesCode, EfiReservedMemoryType,
                                   EfiACPIReclaimMemory, EfiACPIMemoryNVS};

/* The entry-map descriptor holding addr, or 0. */
static const EFI_MEMORY_DESCRIPTOR *holding(const UINT8 *map, UINTN size, UINTN dsz, UINT64 addr) {
  for (UINTN i = 0; dsz && i < size / dsz; i++) {
    const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + i * dsz);
    if (addr >= d->PhysicalStart && addr - d->PhysicalStart < (d->NumberOfPages << 12)) return d;
  }
  return 0;
}

/* True when the n pages ending just below top are all free (AllocateAddress succeeds); frees them again. */
static int free_below(UINT32 type, UINT64 top, UINT64 n) {
  EFI_PHYSICAL_ADDRESS m = top - (n << 12);
  if (rt_bs->AllocatePages(AllocateAddress, type, n, &m) != EFI_SUCCESS) return 0;
  rt_bs->FreePages(top - (n << 12), n);
  return 1;
}

/* Largest n <= limit with the n pages below top free: doubling, then bisection. */
static UINT64 free_run_below(UINT32 type, UINT64 top, UINT64 limit) {
  UINT64 lo = 0, hi = 1;
  while (hi <= limit && free_below(type, top, hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > limit) { /* every power of two up to limit was free */
    if (lo == limit || free_below(type, top, limit)) return limit;
    hi = limit;
  }
  while (hi - lo > 1) { /* lo free, hi not */
    UINT64 mid = lo + (hi - lo) / 2;
    if (free_below(type, top, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

static void scan_type(UINT32 type, const UINT8 *map, UINTN size, UINTN dsz) {
  UINT64 base[BIN_MAX_RUNS], pages[BIN_MAX_RUNS];
  int runs = 0, complete = 0;
  while (runs < BIN_MAX_RUNS) {
    EFI_PHYSICAL_ADDRESS p = 0;
    if (rt_bs->AllocatePages(AllocateAnyPages, type, 1, &p) != EFI_SUCCESS) {
      complete = 1;
      break;
    }
    const EFI_MEMORY_DESCRIPTOR *d = holding(map, size, dsz, p);
    if (!d || d->Type != type) { /* outside the bin: the bin has no free page left */
      rt_bs->FreePages(p, 1);
      complete = 1;
      break;
    }
    UINT64 below = free_run_below(type, p, (p - d->PhysicalStart) >> 12);
    EFI_PHYSICAL_ADDRESS s = p - (below << 12);
    if (below) { /* keep the whole run allocated as one range */
      rt_bs->FreePages(p, 1);
      if (rt_bs->AllocatePages(AllocateAddress, type, below + 1, &s) != EFI_SUCCESS) {
        out("bin: type=%u cannot hold the free run 0x%lx +0x%lx pages again; scan stopped", type,
            p - (below << 12), below + 1);
        break;
      }
    }
    base[runs] = s;
    pages[runs++] = below + 1;
  }
  for (int i = runs - 1; i >= 0; i--) rt_bs->FreePages(base[i], pages[i]);
  for (int i = runs - 1; i >= 0; i--) out("bin: type=%u free 0x%lx +0x%lx pages", type, base[i], pages[i]);
  if (complete) out("bin: type=%u runs=%d", type, runs);
  else out("bin: type=%u incomplete after %d runs", type, runs);
}

void print_bins(const UINT8 *map, UINTN size, UINTN dsz) {
  for (UINTN i = 0; i < sizeof BIN_TYPES / sizeof BIN_TYPES[0]; i++) scan_type(BIN_TYPES[i], map, size, dsz);
}
