/*
 * esp-read: reads \hello.txt from the volume the image was loaded from and prints it, the way a boot loader reads
 * its configuration: LoadedImage.DeviceHandle -> EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.OpenVolume -> EFI_FILE_PROTOCOL
 * Open/Read/Close (UEFI 2.10 §9.1, §13.4, §13.5). With LoadOptions "write" it also creates \written.txt and writes
 * one line into it (needs a writable ESP). EfiemuEspAndSanitizerTest checks the printed lines.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static char text[256];

#define CHECK(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); \
    if (EFI_ERROR(s_)) return s_; } while (0)

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  EFI_FILE_IO_INTERFACE *fs = 0;
  EFI_FILE_HANDLE root = 0, f = 0;
  CHECK("loaded-image", bs->HandleProtocol(image, &loaded_image_guid, (void **)&li));
  CHECK("simple-file-system", bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&fs));
  CHECK("open-volume", fs->OpenVolume(fs, &root));
  CHECK("open", root->Open(root, &f, L"\\hello.txt", EFI_FILE_MODE_READ, 0));
  UINTN size = sizeof(text) - 1;
  CHECK("read", f->Read(f, &size, text));
  text[size] = 0;
  rt_printf("hello.txt (%lu bytes): %s", (unsigned long)size, text);
  CHECK("close", f->Close(f));
  const CHAR16 *options = (const CHAR16 *)li->LoadOptions;
  if (li->LoadOptionsSize >= 10 && options[0] == 'w' && options[1] == 'r' && options[2] == 'i' && options[3] == 't'
      && options[4] == 'e') {
    static char line[] = "written by esp-read\n";
    UINTN n = sizeof(line) - 1;
    CHECK("create", root->Open(root, &f, L"\\written.txt",
                               EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0));
    CHECK("write", f->Write(f, &n, line));
    CHECK("close-written", f->Close(f));
  }
  CHECK("close-root", root->Close(root));
  return EFI_SUCCESS;
}
