/*
 * svc-unmet: asks the firmware for things it does not have, as a loader probing its platform does, and does it once
 * more from a copy of itself that it relocates and calls without LoadImage (as GRUB's multiboot2 loader or shim's own
 * PE loader do with the images they start):
 *   LocateProtocol(EFI_TCG2_PROTOCOL_GUID), HandleProtocol(image, EFI_BLOCK_IO_PROTOCOL_GUID),
 *   LocateHandleBuffer(ByProtocol, EFI_LOAD_FILE2_PROTOCOL_GUID), GetVariable("EfiemuAbsent", vendor),
 *   then the copy calls LocateProtocol(EFI_MEMORY_ATTRIBUTE_PROTOCOL_GUID).
 * Prints "copy-base 0x..." and "probe-offset 0x..." so the test can name the copy's call site.
 * StopDiagnosisTest checks what the run reports.
 */
#include "efiemu_rt.h"

static EFI_GUID tcg2_guid = {0x607f766c, 0x7455, 0x42be, {0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f}};
static EFI_GUID load_file2_guid = {0x4006c0c1, 0xfcb3, 0x403e, {0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d}};
static EFI_GUID memory_attribute_guid = {0xf4560cf6, 0x40ec, 0x4b4a, {0xa1, 0x92, 0xbf, 0x1d, 0x57, 0xd0, 0xb1, 0x89}};
static EFI_GUID block_io_guid = EFI_BLOCK_IO_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID vendor_guid = {0x8e9e7c1d, 0x1b2a, 0x4c3d, {0x9e, 0x8f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}};

/* Runs in the relocated copy: one more protocol the platform does not have. noinline: its offset is printed. */
__attribute__((noinline)) EFI_STATUS probe_from_copy(EFI_BOOT_SERVICES *bs) {
  void *iface = NULL;
  return bs->LocateProtocol(&memory_attribute_guid, NULL, &iface);
}

/* Applies the image's IMAGE_REL_BASED_DIR64 base relocations (PE/COFF §6.6) for a move by delta. */
static int relocate(UINT8 *image, INT64 delta) {
  UINT32 pe = *(UINT32 *)(image + 0x3C);
  UINT8 *opt = image + pe + 24;
  UINT32 reloc_rva = *(UINT32 *)(opt + 112 + 5 * 8);
  UINT32 reloc_size = *(UINT32 *)(opt + 112 + 5 * 8 + 4);
  int applied = 0;
  for (UINT32 off = 0; off + 8 <= reloc_size;) {
    UINT32 page = *(UINT32 *)(image + reloc_rva + off);
    UINT32 block = *(UINT32 *)(image + reloc_rva + off + 4);
    if (block < 8) break;
    for (UINT32 i = 8; i + 2 <= block; i += 2) {
      UINT16 e = *(UINT16 *)(image + reloc_rva + off + i);
      if ((e >> 12) == 10) {
        *(UINT64 *)(image + page + (e & 0xFFF)) += (UINT64)delta;
        applied++;
      }
    }
    off += block;
  }
  return applied;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  void *iface = NULL;
  rt_printf("tcg2 %s\n", rt_status_name(bs->LocateProtocol(&tcg2_guid, NULL, &iface)));
  rt_printf("block-io %s\n", rt_status_name(bs->HandleProtocol(image, &block_io_guid, &iface)));
  UINTN count = 0;
  EFI_HANDLE *handles = NULL;
  rt_printf("load-file2 %s\n", rt_status_name(bs->LocateHandleBuffer(ByProtocol, &load_file2_guid, NULL, &count,
                                                                      &handles)));
  UINT8 data[8];
  UINTN size = sizeof(data);
  rt_printf("variable %s\n", rt_status_name(st->RuntimeServices->GetVariable(L"EfiemuAbsent", &vendor_guid, NULL,
                                                                             &size, data)));

  EFI_LOADED_IMAGE *li;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  UINT8 *old_base = (UINT8 *)li->ImageBase;
  UINT64 pages = (li->ImageSize + 0xFFF) / 0x1000;
  EFI_PHYSICAL_ADDRESS copy = 0;
  EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderCode, pages, &copy);
  if (EFI_ERROR(s)) {
    rt_printf("copy %s\n", rt_status_name(s));
    return s;
  }
  bs->CopyMem((void *)copy, old_base, li->ImageSize);
  int n = relocate((UINT8 *)copy, (INT64)(copy - (UINT64)old_base));
  UINT64 offset = (UINT64)((UINT8 *)probe_from_copy - old_base);
  rt_printf("copy-base 0x%lx relocations %d\n", (unsigned long)copy, n);
  rt_printf("probe-offset 0x%lx\n", (unsigned long)offset);
  EFI_STATUS (*probe)(EFI_BOOT_SERVICES *) = (EFI_STATUS (*)(EFI_BOOT_SERVICES *))(copy + offset);
  rt_printf("copy-probe %s\n", rt_status_name(probe(bs)));
  return EFI_SUCCESS;
}
