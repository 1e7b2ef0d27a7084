/*
 * dir-list: the names a FAT volume gives (UEFI 2.10 §13.5 EFI_FILE_PROTOCOL Read of a directory and GetInfo with
 * EFI_FILE_INFO_ID; FAT's short entries with the NT reserved byte's lower-case bits, which EDK2's FAT driver honours):
 * the volume the image was loaded from (LoadedImage.DeviceHandle), its root and \EFI\drivers listed ("dl: entry" lines:
 * name, directory or not), then \EFI\DRIVERS\EXT4_X64.EFI opened in upper case and its GetInfo FileName. Lines start
 * with "dl:". Ends with ResetSystem(EfiResetShutdown) unless LoadOptions start with "n" (noreset).
 * FatCaseFlagsPayloadTest / FatCaseFlagsOvmfLiveTest compare the lines with QEMU + OVMF.
 */
#include "efiemu_rt.h"

static EFI_GUID sfs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID info_guid = EFI_FILE_INFO_ID;
static UINT8 buffer[1024] __attribute__((aligned(8)));

static void print_name(const CHAR16 *n) {
  for (; *n; n++) rt_printf("%c", *n < 0x80 ? (char)*n : '?');
}

static void list(EFI_FILE *root, const CHAR16 *path, const char *shown) {
  EFI_FILE *d;
  EFI_STATUS s = root->Open(root, &d, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
  rt_printf("dl: open %s %s\n", shown, rt_status_name(s));
  if (EFI_ERROR(s)) return;
  for (;;) {
    UINTN n = sizeof buffer;
    s = d->Read(d, &n, buffer);
    if (EFI_ERROR(s) || n == 0) break;
    EFI_FILE_INFO *info = (EFI_FILE_INFO *)buffer;
    rt_printf("dl: entry %s ", shown);
    print_name(info->FileName);
    rt_printf(" %s\n", (info->Attribute & EFI_FILE_DIRECTORY) ? "dir" : "file");
  }
  rt_printf("dl: end %s %s\n", shown, rt_status_name(s));
  d->Close(d);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  rt_printf("dl: begin\n");
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &li_guid, (void **)&li);
  EFI_FILE_IO_INTERFACE *fs = 0;
  EFI_STATUS s = bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs);
  rt_printf("dl: volume %s\n", rt_status_name(s));
  EFI_FILE *root = 0;
  if (!EFI_ERROR(s)) s = fs->OpenVolume(fs, &root);
  if (!EFI_ERROR(s)) {
    list(root, L"\\", "root");
    list(root, L"\\EFI\\drivers", "drivers");
    EFI_FILE *f;
    s = root->Open(root, &f, L"\\EFI\\DRIVERS\\EXT4_X64.EFI", EFI_FILE_MODE_READ, 0);
    rt_printf("dl: open-upper %s\n", rt_status_name(s));
    if (!EFI_ERROR(s)) {
      UINTN n = sizeof buffer;
      s = f->GetInfo(f, &info_guid, &n, buffer);
      rt_printf("dl: getinfo %s ", rt_status_name(s));
      if (!EFI_ERROR(s)) print_name(((EFI_FILE_INFO *)buffer)->FileName);
      rt_printf("\n");
      f->Close(f);
    }
    root->Close(root);
  }
  rt_printf("dl: end\n");
  if (li && li->LoadOptionsSize >= 2 && ((CHAR16 *)li->LoadOptions)[0] == L'n') return EFI_SUCCESS;
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
