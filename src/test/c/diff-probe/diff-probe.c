/*
 * diff-probe: prints what it sees of the firmware, one fact a line, so that `efiemu diff` has lines to compare between
 * QEMU + OVMF and efiemu: its LoadOptions, the statuses of a few protocol look-ups (UEFI 2.10 §7.3) and of
 * GetVariable (§8.2.1), then returns EFI_SUCCESS. With LoadOptions ending in "handles" it also prints how many handles
 * LocateHandleBuffer(AllHandles) returns (OVMF has far more than efiemu: a divergence by design). EfiemuDiffTest runs it
 * on both.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID tcg2_guid = {0x607f766c, 0x7455, 0x42be, {0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f}};
static EFI_GUID global_guid = EFI_GLOBAL_VARIABLE;
static char options[256];

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  EFI_STATUS s = bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  rt_printf("probe: loaded-image %s\n", rt_status_name(s));
  if (EFI_ERROR(s)) return s;
  UINTN n = li->LoadOptionsSize / 2;
  if (n >= sizeof(options)) n = sizeof(options) - 1;
  for (UINTN i = 0; i < n; i++) {
    CHAR16 c = ((CHAR16 *)li->LoadOptions)[i];
    options[i] = c == 0 ? '|' : (c < 0x20 || c > 0x7e) ? '?' : (char)c;
  }
  options[n] = 0;
  rt_printf("probe: load-options [%s]\n", options);
  void *iface = 0;
  rt_printf("probe: device-handle sfs %s\n", rt_status_name(bs->HandleProtocol(li->DeviceHandle, &sfs_guid, &iface)));
  rt_printf("probe: locate tcg2 %s\n", rt_status_name(bs->LocateProtocol(&tcg2_guid, 0, &iface)));
  UINT8 data[64];
  UINTN size = sizeof(data);
  UINT32 attributes = 0;
  s = st->RuntimeServices->GetVariable(L"EfiemuDiffAbsent", &global_guid, &attributes, &size, data);
  rt_printf("probe: variable EfiemuDiffAbsent %s\n", rt_status_name(s));
  if (n >= 7 && options[n - 1] == '|') n--;
  if (n >= 7 && options[n - 7] == 'h' && options[n - 1] == 's') {
    UINTN count = 0;
    EFI_HANDLE *all = 0;
    s = bs->LocateHandleBuffer(AllHandles, 0, 0, &count, &all);
    rt_printf("probe: handles %s %lu\n", rt_status_name(s), (unsigned long)count);
  }
  rt_printf("probe: end\n");
  return EFI_SUCCESS;
}
