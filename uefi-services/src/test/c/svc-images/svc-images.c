/*
 * svc-images: booted as \EFI\BOOT\BOOTX64.EFI from an ESP folder holding hello.txt and \EFI\efiemu\child.efi
 * (svc-child). Exercises LoadedImage and DevicePath on the ESP, SimpleFileSystem and EFI_FILE_PROTOCOL (UEFI 2.10
 * §13.4-§13.5) on a read-only volume, and LoadImage/StartImage/Exit/UnloadImage (§7.4). Ends with Exit from the
 * booted image. ImageServicesPayloadTest checks the printed lines.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;
static EFI_GUID fs_info_guid = EFI_FILE_SYSTEM_INFO_ID;
static UINT8 buffer[128 * 1024] __attribute__((aligned(16)));
static UINT8 path_buffer[512] __attribute__((aligned(8)));

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static void print_wide(const char *label, const CHAR16 *s) {
  char out[128];
  int i = 0;
  while (s[i] && i < 127) { out[i] = (char)s[i]; i++; }
  out[i] = 0;
  rt_printf("%s %s\n", label, out);
}

static void files(EFI_FILE_HANDLE root) {
  EFI_FILE_HANDLE f = 0, g = 0;
  UINTN size = 4;
  UINT64 pos = 0;
  char text[64];
  SHOW("open", root->Open(root, &f, L"\\hello.txt", EFI_FILE_MODE_READ, 0));
  SHOW("read-4", f->Read(f, &size, text));
  text[size] = 0;
  rt_printf("read %lu '%s'\n", (unsigned long)size, text);
  SHOW("get-position", f->GetPosition(f, &pos));
  rt_printf("position %lu\n", (unsigned long)pos);
  SHOW("set-position", f->SetPosition(f, 0));
  size = sizeof(text) - 1;
  SHOW("read-all", f->Read(f, &size, text));
  text[size] = 0;
  rt_printf("read %lu '%s'\n", (unsigned long)size, text);
  size = sizeof(text);
  SHOW("read-eof", f->Read(f, &size, text));
  rt_printf("read-eof-size %lu\n", (unsigned long)size);
  size = 0;
  SHOW("info-small", f->GetInfo(f, &file_info_guid, &size, NULL));
  rt_printf("info-needs %lu\n", (unsigned long)size);
  size = sizeof(buffer);
  SHOW("info", f->GetInfo(f, &file_info_guid, &size, buffer));
  EFI_FILE_INFO *info = (EFI_FILE_INFO *)buffer;
  rt_printf("info size %lu attr 0x%lx\n", (unsigned long)info->FileSize, (unsigned long)info->Attribute);
  print_wide("info-name", info->FileName);
  size = 3;
  SHOW("write", f->Write(f, &size, "abc"));
  SHOW("flush", f->Flush(f));
  SHOW("delete", f->Delete(f));
  SHOW("read-after-delete", f->Read(f, &size, text));
  SHOW("open-missing", root->Open(root, &g, L"\\nothere.txt", EFI_FILE_MODE_READ, 0));
  SHOW("open-for-write", root->Open(root, &g, L"\\hello.txt", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0));
  SHOW("open-null-name", root->Open(root, &g, NULL, EFI_FILE_MODE_READ, 0));
  size = sizeof(buffer);
  SHOW("fs-info", root->GetInfo(root, &fs_info_guid, &size, buffer));
  EFI_FILE_SYSTEM_INFO *fsi = (EFI_FILE_SYSTEM_INFO *)buffer;
  rt_printf("fs read-only %d block %u\n", fsi->ReadOnly, fsi->BlockSize);
  print_wide("fs-label", fsi->VolumeLabel);

  SHOW("open-dir", root->Open(root, &g, L"EFI\\efiemu", EFI_FILE_MODE_READ, 0));
  for (;;) {
    size = sizeof(buffer);
    if (g->Read(g, &size, buffer) != EFI_SUCCESS || size == 0) break;
    print_wide("entry", ((EFI_FILE_INFO *)buffer)->FileName);
  }
  SHOW("dir-get-position", g->GetPosition(g, &pos));
  SHOW("close-dir", g->Close(g));
}

static UINTN read_file(EFI_FILE_HANDLE root, const CHAR16 *name) {
  EFI_FILE_HANDLE f = 0;
  UINTN size = sizeof(buffer);
  if (root->Open(root, &f, (CHAR16 *)name, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) return 0;
  f->Read(f, &size, buffer);
  f->Close(f);
  return size;
}

static void images(EFI_HANDLE image, EFI_BOOT_SERVICES *bs, EFI_DEVICE_PATH *device, EFI_FILE_HANDLE root) {
  EFI_HANDLE child = 0, c2 = 0, c3 = 0;
  UINTN exit_size = 0;
  CHAR16 *exit_data = 0;
  SHOW("load-from-path", bs->LoadImage(FALSE, image, rt_file_path(device, L"\\EFI\\efiemu\\child.efi", path_buffer, sizeof path_buffer), NULL, 0, &child));
  EFI_LOADED_IMAGE *cli = 0;
  SHOW("child-loaded-image", bs->HandleProtocol(child, &loaded_image_guid, (void **)&cli));
  rt_printf("child parent-is-me %d code %u\n", cli->ParentHandle == image, cli->ImageCodeType);
  SHOW("start", bs->StartImage(child, &exit_size, &exit_data));
  rt_printf("exit-data-size %lu\n", (unsigned long)exit_size);
  if (exit_data) print_wide("exit-data", exit_data);
  SHOW("free-exit-data", bs->FreePool(exit_data));
  SHOW("start-again", bs->StartImage(child, NULL, NULL));

  UINTN size = read_file(root, L"\\EFI\\efiemu\\child.efi");
  rt_printf("child-file %d\n", size > 1024);
  SHOW("load-from-buffer", bs->LoadImage(FALSE, image, NULL, buffer, size, &c2));
  SHOW("start-buffer", bs->StartImage(c2, NULL, NULL));
  SHOW("unload-after-start", bs->UnloadImage(c2));
  SHOW("load-unstarted", bs->LoadImage(FALSE, image, NULL, buffer, size, &c3));
  SHOW("unload-unstarted", bs->UnloadImage(c3));
  SHOW("load-garbage", bs->LoadImage(FALSE, image, NULL, path_buffer, 64, &c3));
  SHOW("load-missing-file", bs->LoadImage(FALSE, image, rt_file_path(device, L"\\EFI\\nothere.efi", path_buffer, sizeof path_buffer), NULL, 0, &c3));
  SHOW("load-null-handle", bs->LoadImage(FALSE, image, NULL, buffer, size, NULL));
  SHOW("load-bad-parent", bs->LoadImage(FALSE, (EFI_HANDLE)0x1234, NULL, buffer, size, &c3));
  SHOW("start-bad-handle", bs->StartImage((EFI_HANDLE)0x1234, NULL, NULL));
  SHOW("unload-booted-image", bs->UnloadImage(image));
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  EFI_DEVICE_PATH *device = 0;
  EFI_FILE_IO_INTERFACE *fs = 0;
  EFI_FILE_HANDLE root = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  rt_printf("device-set %d\n", li->DeviceHandle != 0);
  EFI_DEVICE_PATH *fp = li->FilePath;
  if (fp->Type == 4 && fp->SubType == 4) print_wide("file-path", (CHAR16 *)((UINT8 *)fp + 4));
  SHOW("device-path", bs->HandleProtocol(li->DeviceHandle, &device_path_guid, (void **)&device));
  rt_printf("device-path-first %u/%u\n", device->Type, device->SubType);
  SHOW("sfs", bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs));
  SHOW("open-volume", fs->OpenVolume(fs, &root));

  EFI_DEVICE_PATH *dp = rt_file_path(device, L"\\EFI\\BOOT\\BOOTX64.EFI", path_buffer, sizeof path_buffer);
  EFI_DEVICE_PATH *rest = dp;
  EFI_HANDLE found = 0;
  SHOW("locate-device-path", bs->LocateDevicePath(&sfs_guid, &rest, &found));
  rt_printf("located-esp %d remaining %u/%u\n", found == li->DeviceHandle, rest->Type, rest->SubType);

  files(root);
  images(image, bs, device, root);
  SHOW("close-root", root->Close(root));
  SHOW("close-root-again", root->Close(root));
  bs->Exit(image, EFI_SUCCESS, 0, NULL);
  rt_printf("Exit returned\n");
  return EFI_ABORTED;
}
