/*
 * fat-stop: what the FAT driver's Stop does to files a program still has open (UEFI 2.10 §7.3.13
 * DisconnectController, §11.1.3 EFI_DRIVER_BINDING_PROTOCOL.Stop, §13.5 EFI_FILE_PROTOCOL; EDK2 2022.11
 * FatDriverBindingStop -> FatAbandonVolume sets EFI_MEDIA_CHANGED on every open file while the media is present, and
 * a later Start allocates a new volume, a new EFI_SIMPLE_FILE_SYSTEM_PROTOCOL interface).
 * On the volume the image was loaded from (LoadedImage.DeviceHandle, a FAT partition of a disk): opens \hello.txt
 * read-only, \data.txt read/write (writes "XY" and flushes), \EFI and the root; DisconnectController(partition, NULL,
 * NULL); then every EFI_FILE_PROTOCOL function on those files ("fs: a-..." lines: status, BufferSize, position);
 * ConnectController(partition, NULL, NULL, TRUE), whether the Simple File System interface is a new one, and the files
 * read through it. Then a file opened through the new interface, DisconnectController(disk, NULL, NULL) (the
 * partitions are destroyed), the file used, ConnectController(disk, NULL, NULL, TRUE), the file systems found again.
 * Lines start with "fs:". Ends with ResetSystem(EfiResetShutdown) unless LoadOptions start with "n" (noreset).
 * FatStopPayloadTest / FatStopOvmfLiveTest compare the lines with QEMU + OVMF.
 */
#include "efiemu_rt.h"

static EFI_GUID sfs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID info_guid = EFI_FILE_INFO_ID;
static EFI_GUID fsinfo_guid = EFI_FILE_SYSTEM_INFO_ID;
static EFI_GUID blockio_guid = BLOCK_IO_PROTOCOL;
static UINT8 buffer[512] __attribute__((aligned(8)));
static UINT8 info[512] __attribute__((aligned(8)));
static EFI_BOOT_SERVICES *bs;

/* rt_status_name, with the statuses an abandoned volume's files answer */
static const char *sname(EFI_STATUS s) {
  if (s == EFI_MEDIA_CHANGED) return "EFI_MEDIA_CHANGED";
  if (s == EFI_NO_MEDIA) return "EFI_NO_MEDIA";
  if (s == EFI_WARN_DELETE_FAILURE) return "EFI_WARN_DELETE_FAILURE";
  return rt_status_name(s);
}

static void clear(void) {
  for (UINTN i = 0; i < sizeof buffer; i++) buffer[i] = 0;
}

/* Read(f, 5 bytes): status, *BufferSize after, and the bytes on success */
static void read5(const char *tag, EFI_FILE *f) {
  clear();
  UINTN n = 5;
  EFI_STATUS s = f->Read(f, &n, buffer);
  rt_printf("fs: %s read %s size %lu data ", tag, sname(s), (unsigned long)n);
  if (EFI_ERROR(s)) rt_printf("-");
  else for (UINTN i = 0; i < n; i++) rt_printf("%c", buffer[i] >= 0x20 && buffer[i] < 0x7f ? buffer[i] : '.');
  rt_printf("\n");
}

static void position(const char *tag, EFI_FILE *f) {
  UINT64 p = 12345;
  EFI_STATUS s = f->GetPosition(f, &p);
  rt_printf("fs: %s getposition %s %lu\n", tag, sname(s), (unsigned long)p);
}

static void write2(const char *tag, EFI_FILE *f, const char *two) {
  UINTN n = 2;
  EFI_STATUS s = f->Write(f, &n, (void *)two);
  rt_printf("fs: %s write %s size %lu\n", tag, sname(s), (unsigned long)n);
}

static void getinfo(const char *tag, EFI_FILE *f, EFI_GUID *g, const char *what) {
  clear();
  UINTN n = sizeof buffer;
  EFI_STATUS s = f->GetInfo(f, g, &n, buffer);
  rt_printf("fs: %s getinfo-%s %s size %lu\n", tag, what, sname(s), (unsigned long)n);
}

static void open_in(const char *tag, EFI_FILE *d, CHAR16 *name, const char *shown, UINT64 mode) {
  EFI_FILE *x = 0;
  EFI_STATUS s = d->Open(d, &x, name, mode, 0);
  rt_printf("fs: %s open %s %s %s\n", tag, shown, mode & EFI_FILE_MODE_WRITE ? "rw" : "r", sname(s));
  if (!EFI_ERROR(s)) x->Close(x);
}

/* the first Block I/O handle that is a whole disk with media (the disk the partitions are children of) */
static EFI_HANDLE find_disk(void) {
  EFI_HANDLE *h = 0, disk = 0;
  UINTN n = 0;
  bs->LocateHandleBuffer(ByProtocol, &blockio_guid, 0, &n, &h);
  for (UINTN i = 0; i < n && !disk; i++) {
    EFI_BLOCK_IO *b = 0;
    if (!EFI_ERROR(bs->HandleProtocol(h[i], &blockio_guid, (void **)&b)) && b->Media->MediaPresent
        && !b->Media->LogicalPartition) disk = h[i];
  }
  if (h) bs->FreePool(h);
  return disk;
}

/* OpenVolume of fs, \hello.txt and \data.txt read through it */
static void read_through(const char *tag, EFI_FILE_IO_INTERFACE *fs) {
  EFI_FILE *root = 0, *f = 0;
  EFI_STATUS s = fs->OpenVolume(fs, &root);
  rt_printf("fs: %s openvolume %s\n", tag, sname(s));
  if (EFI_ERROR(s)) return;
  s = root->Open(root, &f, L"\\hello.txt", EFI_FILE_MODE_READ, 0);
  rt_printf("fs: %s open hello %s\n", tag, sname(s));
  if (!EFI_ERROR(s)) { read5(tag, f); f->Close(f); }
  s = root->Open(root, &f, L"\\data.txt", EFI_FILE_MODE_READ, 0);
  rt_printf("fs: %s open data %s\n", tag, sname(s));
  if (!EFI_ERROR(s)) { read5(tag, f); f->Close(f); }
  root->Close(root);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  rt_printf("fs: begin\n");
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &li_guid, (void **)&li);
  EFI_HANDLE part = li->DeviceHandle;
  EFI_FILE_IO_INTERFACE *fs = 0;
  EFI_STATUS s = bs->HandleProtocol(part, &sfs_guid, (void **)&fs);
  rt_printf("fs: volume %s\n", sname(s));
  EFI_FILE *root = 0, *f = 0, *w = 0, *d = 0;
  if (!EFI_ERROR(s)) s = fs->OpenVolume(fs, &root);
  if (!EFI_ERROR(s)) s = root->Open(root, &f, L"\\hello.txt", EFI_FILE_MODE_READ, 0);
  rt_printf("fs: open hello %s\n", sname(s));
  if (!EFI_ERROR(s)) s = root->Open(root, &w, L"\\data.txt", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
  rt_printf("fs: open data rw %s\n", sname(s));
  if (!EFI_ERROR(s)) s = root->Open(root, &d, L"\\EFI", EFI_FILE_MODE_READ, 0);
  rt_printf("fs: open EFI %s\n", sname(s));
  if (EFI_ERROR(s)) goto out;
  read5("before", f);
  write2("before", w, "XY");
  rt_printf("fs: before flush %s\n", sname(w->Flush(w)));
  UINTN infosize = sizeof info;
  rt_printf("fs: before getinfo-data %s\n", sname(w->GetInfo(w, &info_guid, &infosize, info)));

  /* 1. the partition disconnected: DiskIoDxe's Stop uninstalls its Disk I/O, which stops the FAT driver */
  rt_printf("fs: disconnect partition %s\n", sname(bs->DisconnectController(part, 0, 0)));
  void *gone = 0;
  rt_printf("fs: after sfs %s\n", sname(bs->HandleProtocol(part, &sfs_guid, &gone)));
  read5("a-hello", f);
  position("a-hello", f);
  rt_printf("fs: a-hello setposition-100 %s\n", sname(f->SetPosition(f, 100)));
  read5("a-hello-past-end", f);
  rt_printf("fs: a-hello setposition-0 %s\n", sname(f->SetPosition(f, 0)));
  write2("a-hello", f, "ZZ");
  getinfo("a-hello", f, &info_guid, "file");
  getinfo("a-hello", f, &fsinfo_guid, "fs");
  rt_printf("fs: a-hello flush %s\n", sname(f->Flush(f)));
  write2("a-data", w, "QQ");
  read5("a-data", w);
  rt_printf("fs: a-data setinfo %s\n", sname(w->SetInfo(w, &info_guid, infosize, info)));
  rt_printf("fs: a-data flush %s\n", sname(w->Flush(w)));
  read5("a-EFI", d);
  position("a-EFI", d);
  rt_printf("fs: a-EFI setposition-0 %s\n", sname(d->SetPosition(d, 0)));
  write2("a-EFI", d, "ZZ");
  open_in("a-EFI", d, L"BOOT", "BOOT", EFI_FILE_MODE_READ);
  open_in("a-EFI", d, L"BOOT", "BOOT", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE);
  open_in("a-root", root, L"hello.txt", "hello", EFI_FILE_MODE_READ);
  open_in("a-root", root, L"nothere.txt", "nothere", EFI_FILE_MODE_READ);
  getinfo("a-root", root, &fsinfo_guid, "fs");

  /* the same partition connected again: a new volume */
  rt_printf("fs: connect partition %s\n", sname(bs->ConnectController(part, 0, 0, 1)));
  EFI_FILE_IO_INTERFACE *fs2 = 0;
  s = bs->HandleProtocol(part, &sfs_guid, (void **)&fs2);
  rt_printf("fs: reconnected sfs %s %s\n", sname(s), EFI_ERROR(s) ? "-" : fs2 == fs ? "same" : "new");
  if (!EFI_ERROR(s)) read_through("b", fs2);
  read5("b-hello", f);
  rt_printf("fs: b-data delete %s\n", sname(w->Delete(w)));
  rt_printf("fs: b-hello close %s\n", sname(f->Close(f)));
  rt_printf("fs: b-EFI close %s\n", sname(d->Close(d)));
  rt_printf("fs: b-root close %s\n", sname(root->Close(root)));
  if (EFI_ERROR(s)) goto out;
  if (!EFI_ERROR(s)) read_through("b-after-delete", fs2);

  /* 2. the disk disconnected: PartitionDxe destroys the partition (its file system first) */
  EFI_FILE *root2 = 0, *g = 0;
  s = fs2->OpenVolume(fs2, &root2);
  if (!EFI_ERROR(s)) s = root2->Open(root2, &g, L"\\hello.txt", EFI_FILE_MODE_READ, 0);
  rt_printf("fs: c open hello %s\n", sname(s));
  if (EFI_ERROR(s)) goto out;
  EFI_HANDLE disk = find_disk();
  rt_printf("fs: disconnect disk %s\n", disk ? sname(bs->DisconnectController(disk, 0, 0)) : "no-disk");
  read5("c-hello", g);
  rt_printf("fs: connect disk %s\n", disk ? sname(bs->ConnectController(disk, 0, 0, 1)) : "no-disk");
  EFI_HANDLE *h = 0;
  UINTN n = 0;
  s = bs->LocateHandleBuffer(ByProtocol, &sfs_guid, 0, &n, &h);
  rt_printf("fs: c sfs-handles %s %lu\n", sname(s), (unsigned long)n);
  for (UINTN i = 0; i < n; i++) {
    EFI_FILE_IO_INTERFACE *fs3 = 0;
    bs->HandleProtocol(h[i], &sfs_guid, (void **)&fs3);
    rt_printf("fs: c sfs %lu %s\n", (unsigned long)i, fs3 == fs2 ? "same" : "new");
    read_through("c", fs3);
  }
  read5("c-hello", g);
  rt_printf("fs: c-hello close %s\n", sname(g->Close(g)));
  rt_printf("fs: c-root close %s\n", sname(root2->Close(root2)));
out:
  rt_printf("fs: end\n");
  if (li && li->LoadOptionsSize >= 2 && ((CHAR16 *)li->LoadOptions)[0] == L'n') return EFI_SUCCESS;
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
