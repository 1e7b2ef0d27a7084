/*
 * ext4-read: what systemd-boot and rEFInd do with a drivers folder, against a real third-party driver. Loads
 * \ext4_x64.efi (Debian's rEFInd 0.13.2 ext4 driver, an EFI_BOOT_SERVICE_DRIVER following the UEFI driver model) from
 * its own volume, starts it, connects every handle that has Block I/O (ConnectController(Handle, NULL, NULL, TRUE),
 * UEFI 2.10 §7.3.12), then reads \hello.txt and \dir\sub.txt from each Simple File System that is not its own volume
 * (§13.4-§13.5): the ext4 partition the driver now serves. Prints one "e4" line per step (RefindExt4DriverTest).
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static EFI_GUID block_io_guid = EFI_BLOCK_IO_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID binding_guid = EFI_DRIVER_BINDING_PROTOCOL_GUID;
static EFI_GUID fs_info_guid = EFI_FILE_SYSTEM_INFO_ID;
static UINT8 path_buffer[512] __attribute__((aligned(8)));

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("e4 %s %s\n", name, rt_status_name(s_)); } while (0)

static void read_file(EFI_FILE_HANDLE root, const CHAR16 *name, const char *label) {
  EFI_FILE_HANDLE f = 0;
  char text[128];
  UINTN size = sizeof(text) - 1;
  EFI_STATUS s = root->Open(root, &f, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);
  rt_printf("e4 open %s %s\n", label, rt_status_name(s));
  if (EFI_ERROR(s)) return;
  s = f->Read(f, &size, text);
  text[EFI_ERROR(s) ? 0 : size] = 0;
  if (size > 0 && text[size - 1] == '\n') text[size - 1] = 0;
  rt_printf("e4 read %s %s %lu '%s'\n", label, rt_status_name(s), (unsigned long)size, text);
  f->Close(f);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_LOADED_IMAGE *li = 0;
  EFI_DEVICE_PATH *device = 0;
  rt_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  rt_bs->HandleProtocol(li->DeviceHandle, &device_path_guid, (void **)&device);
  rt_printf("e4 begin\n");

  UINTN before = 0, after = 0;
  EFI_HANDLE *list = 0;
  if (!EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &sfs_guid, 0, &before, &list))) rt_bs->FreePool(list);
  EFI_HANDLE drv = 0;
  SHOW("load", rt_bs->LoadImage(FALSE, image, rt_file_path(device, L"\\ext4_x64.efi", path_buffer, sizeof path_buffer), NULL, 0, &drv));
  SHOW("start", rt_bs->StartImage(drv, NULL, NULL));
  UINTN bindings = 0;
  if (!EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &binding_guid, 0, &bindings, &list))) {
    UINTN mine = 0;
    for (UINTN i = 0; i < bindings; i++) {
      EFI_DRIVER_BINDING_PROTOCOL *b = 0;
      if (!EFI_ERROR(rt_bs->HandleProtocol(list[i], &binding_guid, (void **)&b)) && b->ImageHandle == drv) mine++;
    }
    rt_printf("e4 driver-bindings %lu\n", (unsigned long)mine);
    rt_bs->FreePool(list);
  }

  UINTN count = 0, started = 0;
  if (!EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &block_io_guid, 0, &count, &list))) {
    for (UINTN i = 0; i < count; i++) {
      started += !EFI_ERROR(rt_bs->ConnectController(list[i], NULL, NULL, TRUE));
    }
    rt_bs->FreePool(list);
  }
  rt_printf("e4 connected %lu of %lu block devices\n", (unsigned long)started, (unsigned long)count);

  if (EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &sfs_guid, 0, &after, &list))) after = 0;
  rt_printf("e4 volumes %lu -> %lu\n", (unsigned long)before, (unsigned long)after);
  for (UINTN i = 0; i < after; i++) {
    if (list[i] == li->DeviceHandle) continue;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = 0;
    EFI_FILE_HANDLE root = 0;
    rt_bs->HandleProtocol(list[i], &sfs_guid, (void **)&fs);
    EFI_STATUS s = fs->OpenVolume(fs, &root);
    rt_printf("e4 open-volume %s\n", rt_status_name(s));
    if (EFI_ERROR(s)) continue;
    UINT8 info_buf[512];
    UINTN info_size = sizeof(info_buf);
    s = root->GetInfo(root, &fs_info_guid, &info_size, info_buf);
    if (!EFI_ERROR(s)) {
      EFI_FILE_SYSTEM_INFO *fi = (EFI_FILE_SYSTEM_INFO *)info_buf;
      char label[64];
      int k = 0;
      while (fi->VolumeLabel[k] && k < 63) { label[k] = (char)fi->VolumeLabel[k]; k++; }
      label[k] = 0;
      rt_printf("e4 fs-info %s read-only %d label '%s'\n", rt_status_name(s), fi->ReadOnly, label);
    } else {
      rt_printf("e4 fs-info %s\n", rt_status_name(s));
    }
    read_file(root, L"\\hello.txt", "hello.txt");
    read_file(root, L"\\dir\\sub.txt", "dir/sub.txt");
    read_file(root, L"\\missing.txt", "missing.txt");
    root->Close(root);
  }
  rt_bs->FreePool(list);
  rt_printf("e4 end\n");
  return EFI_SUCCESS;
}
