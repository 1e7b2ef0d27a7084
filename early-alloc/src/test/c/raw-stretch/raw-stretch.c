/*
 * raw-stretch: one long stretch of plain guest code between two firmware calls, for RawStretchReplayTest (efiemu
 * against a raw Unicorn engine on the same code). After AllocatePages (4 MiB; the stretch writes 1.5 MiB of it), with no firmware call, it fills the
 * pages from a xorshift generator, sorts 64 Ki 32-bit words with a radix sort (stores all over the buffer),
 * byte-histograms and rewrites 1 MiB twice (loads and stores, vectorised by gcc) and folds everything into a checksum,
 * which it prints (ConOut: the next firmware call). LoadOptions "rdtsc" also mixes RDTSC values into the checksum in
 * the stretch, so a raw engine (host time-stamp counter) ends in another state than efiemu (virtual clock).
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

#define WORDS (64 * 1024)

static UINT64 stretch(UINT8 *base, int use_rdtsc) {
  UINT32 *a = (UINT32 *)base;
  UINT32 *tmp = a + WORDS;
  UINT8 *bytes = (UINT8 *)(tmp + WORDS);
  UINTN nbytes = 1024 * 1024;
  UINT64 x = 0x9E3779B97F4A7C15ULL;
  for (UINTN i = 0; i < WORDS; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    a[i] = (UINT32)x;
  }
  for (UINTN i = 0; i < nbytes; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    bytes[i] = (UINT8)(x >> 24);
  }
  for (int shift = 0; shift < 32; shift += 8) {
    UINTN count[257];
    memset(count, 0, sizeof count);
    for (UINTN i = 0; i < WORDS; i++) count[((a[i] >> shift) & 0xFF) + 1]++;
    for (int d = 0; d < 256; d++) count[d + 1] += count[d];
    for (UINTN i = 0; i < WORDS; i++) tmp[count[(a[i] >> shift) & 0xFF]++] = a[i];
    UINT32 *t = a; a = tmp; tmp = t;
  }
  UINT64 sum = 0;
  for (UINTN i = 1; i < WORDS; i++) {
    if (a[i - 1] > a[i]) sum += 1ULL << 40; /* not sorted: visible in the checksum */
    sum = sum * 31 + a[i];
  }
  UINT32 histogram[256];
  memset(histogram, 0, sizeof histogram);
  for (int pass = 0; pass < 2; pass++) {
    for (UINTN i = 0; i < nbytes; i++) {
      histogram[bytes[i]]++;
      bytes[i] = (UINT8)(bytes[i] * 5 + pass);
    }
    if (use_rdtsc) sum ^= rt_rdtsc();
  }
  for (int d = 0; d < 256; d++) sum = sum * 131 + histogram[d];
  return sum;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  int use_rdtsc = li && rt_wide_eq((const CHAR16 *)li->LoadOptions, "rdtsc");
  EFI_PHYSICAL_ADDRESS buffer = 0;
  EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1024, &buffer);
  if (EFI_ERROR(s)) {
    rt_printf("AllocatePages %s\n", rt_status_name(s));
    return s;
  }
  UINT64 sum = stretch((UINT8 *)buffer, use_rdtsc);
  rt_printf("checksum %lx\n", (unsigned long)sum);
  bs->FreePages(buffer, 1024);
  return EFI_SUCCESS;
}
