/*
 * time-rdtsc: reads \child.efi (time-rdtsc-child) from the ESP into a buffer, loads it with LoadImage from that
 * buffer and starts it; the child's RDTSC must read the virtual clock like the parent's. TimeWaitPayloadTest checks
 * the printed values and that two runs print the same.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static UINT8 buffer[256 * 1024] __attribute__((aligned(16)));

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  rt_printf("parent-tsc %lu\n", (unsigned long)rt_rdtsc());
  EFI_LOADED_IMAGE *li = 0;
  EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = 0;
  EFI_FILE_HANDLE root = 0, f = 0;
  SHOW("loaded-image", bs->HandleProtocol(image, &loaded_image_guid, (void **)&li));
  SHOW("file-system", bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs));
  SHOW("open-volume", fs->OpenVolume(fs, &root));
  SHOW("open-child", root->Open(root, &f, L"\\child.efi", EFI_FILE_MODE_READ, 0));
  UINTN size = sizeof(buffer);
  SHOW("read-child", f->Read(f, &size, buffer));
  f->Close(f);
  EFI_HANDLE child = 0;
  SHOW("load-from-buffer", bs->LoadImage(FALSE, image, NULL, buffer, size, &child));
  SHOW("start-child", bs->StartImage(child, NULL, NULL));
  rt_printf("parent-tsc-after %lu\n", (unsigned long)rt_rdtsc());
  return EFI_SUCCESS;
}
