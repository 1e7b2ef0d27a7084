/*
 * svc-misaligned: services given pointers that are RAM but not naturally aligned (UEFI 2.10 §2.3.1 "Unless otherwise
 * specified, all data types are naturally aligned"). Each case prints "<case> <status> <sentinel-intact>";
 * MisalignedPointerPayloadTest checks them and the trace's "misaligned" notes. The aligned control case of each
 * service succeeds, so the rejection is the alignment's and not the buffer's.
 */
#include "efiemu_rt.h"

static UINT8 raw[256] __attribute__((aligned(16)));
static EFI_GUID loaded_image = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static UINT16 text[] __attribute__((aligned(16))) = {0, 'o', 'k', '\r', '\n', 0, 0};

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static UINT64 sentinel(const UINT8 *p) {
  UINT64 v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void fill(void) {
  for (unsigned i = 0; i < sizeof(raw); i++) raw[i] = 0xA5;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  UINTN pages = 1;

  fill();
  EFI_PHYSICAL_ADDRESS *mem = (EFI_PHYSICAL_ADDRESS *)(raw + 1);
  SHOW("allocate-pages-misaligned", bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, mem));
  rt_printf("allocate-pages-untouched %d\n", sentinel(raw + 1) == 0xA5A5A5A5A5A5A5A5ull);
  SHOW("allocate-pages-aligned", bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages,
                                                   (EFI_PHYSICAL_ADDRESS *)(raw + 8)));

  fill();
  UINTN size = 0;
  UINTN key, dsize;
  UINT32 dver;
  SHOW("get-memory-map-size-misaligned", bs->GetMemoryMap((UINTN *)(raw + 4), NULL, &key, &dsize, &dver));
  SHOW("get-memory-map-key-misaligned", bs->GetMemoryMap(&size, NULL, (UINTN *)(raw + 2), &dsize, &dver));
  rt_printf("get-memory-map-key-untouched %d\n", sentinel(raw + 2) == 0xA5A5A5A5A5A5A5A5ull);
  SHOW("get-memory-map-dsize-misaligned", bs->GetMemoryMap(&size, NULL, &key, (UINTN *)(raw + 3), &dver));
  SHOW("get-memory-map-aligned", bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver));

  fill();
  VOID **iface = (VOID **)(raw + 5);
  SHOW("handle-protocol-misaligned", bs->HandleProtocol(image, &loaded_image, iface));
  rt_printf("handle-protocol-untouched %d\n", sentinel(raw + 5) == 0xA5A5A5A5A5A5A5A5ull);
  SHOW("handle-protocol-aligned", bs->HandleProtocol(image, &loaded_image, (VOID **)(raw + 16)));

  fill();
  SHOW("allocate-pool-misaligned", bs->AllocatePool(EfiLoaderData, 32, (VOID **)(raw + 7)));
  rt_printf("allocate-pool-untouched %d\n", sentinel(raw + 7) == 0xA5A5A5A5A5A5A5A5ull);
  SHOW("allocate-pool-aligned", bs->AllocatePool(EfiLoaderData, 32, (VOID **)(raw + 24)));

  /* text[1..] is "ok\r\n" at an odd address: a CHAR16 string must be 2-byte aligned */
  CHAR16 *odd = (CHAR16 *)((UINT8 *)text + 1);
  SHOW("output-string-misaligned", st->ConOut->OutputString(st->ConOut, odd));
  SHOW("output-string-aligned", st->ConOut->OutputString(st->ConOut, (CHAR16 *)(text + 1)));

  /* a VOID* buffer has no alignment requirement */
  SHOW("calculate-crc32-odd-data", bs->CalculateCrc32(raw + 1, 4, (UINT32 *)(raw + 64)));
  SHOW("calculate-crc32-misaligned-out", bs->CalculateCrc32(raw, 4, (UINT32 *)(raw + 66)));
  return EFI_SUCCESS;
}
