/*
 * disk-probe: what a boot loader sees of the disks (UEFI 2.10 §13.7-13.9, §13.18, §10.3.5.1): every handle with
 * EFI_BLOCK_IO_PROTOCOL (its device path, Media fields, which of DiskIo/DiskIo2/PartitionInfo/SimpleFileSystem it
 * also has), Block I/O edge cases on the first disk (bad buffer size, LBA past the end, another MediaId, a
 * misaligned buffer), DiskIo reads at odd offsets, DiskIo2 with and without a token, a write and read-back, and a file
 * read and written through SimpleFileSystem on every FAT partition. Every line starts with "disk:" so the same lines
 * can be compared with real OVMF's serial output. Ends with ResetSystem(EfiResetShutdown) (QEMU exits).
 * DiskProbePayloadTest runs it; LoadOptions "noreset" returns instead.
 */
#include "efiemu_rt.h"

static EFI_GUID blockio_guid = BLOCK_IO_PROTOCOL;
static EFI_GUID diskio_guid = DISK_IO_PROTOCOL;
static EFI_GUID diskio2_guid = EFI_DISK_IO2_PROTOCOL_GUID;
static EFI_GUID sfs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
static EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID partinfo_guid = {0x8cf2f62c, 0xbc9b, 0x4821, {0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0}};

/* EFI_PARTITION_INFO_PROTOCOL (§13.18), packed */
typedef struct __attribute__((packed)) {
  UINT32 Revision;
  UINT32 Type;
  UINT8 System;
  UINT8 Reserved[7];
  UINT8 Info[128];
} PARTITION_INFO;

static EFI_BOOT_SERVICES *bs;
static UINT8 buffer[4096 + 64] __attribute__((aligned(64)));

static void sfs_probe(EFI_FILE_IO_INTERFACE *fs, unsigned index) {
  EFI_FILE *root, *f;
  EFI_STATUS s = fs->OpenVolume(fs, &root);
  rt_printf("disk: fs %u open-volume %s\n", index, rt_status_name(s));
  if (EFI_ERROR(s)) return;
  s = root->Open(root, &f, L"\\HELLO.TXT", EFI_FILE_MODE_READ, 0);
  rt_printf("disk: fs %u open-hello %s\n", index, rt_status_name(s));
  if (!EFI_ERROR(s)) {
    char text[64];
    UINTN n = sizeof text - 1;
    s = f->Read(f, &n, text);
    text[n] = 0;
    for (UINTN i = 0; i < n; i++) if (text[i] == '\n') text[i] = '|';
    rt_printf("disk: fs %u read-hello %s %u \"%s\"\n", index, rt_status_name(s), (unsigned)n, text);
    f->Close(f);
  }
  s = root->Open(root, &f, L"\\EFIEMU.TXT", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0);
  rt_printf("disk: fs %u create %s\n", index, rt_status_name(s));
  if (!EFI_ERROR(s)) {
    char msg[] = "written through SimpleFileSystem";
    UINTN n = sizeof msg - 1;
    s = f->Write(f, &n, msg);
    rt_printf("disk: fs %u write %s %u\n", index, rt_status_name(s), (unsigned)n);
    f->SetPosition(f, 0);
    char back[64] = {0};
    n = sizeof back - 1;
    s = f->Read(f, &n, back);
    rt_printf("disk: fs %u read-back %s %u \"%s\"\n", index, rt_status_name(s), (unsigned)n, back);
    f->Close(f);
  }
  root->Close(root);
}

static void block_cases(EFI_BLOCK_IO *b, EFI_DISK_IO *d, EFI_DISK_IO2_PROTOCOL *d2) {
  UINT32 id = b->Media->MediaId;
  UINT64 last = b->Media->LastBlock;
  EFI_STATUS s = b->ReadBlocks(b, id, 1, 512, buffer);
  rt_printf("disk: read-lba1 %s %02x%02x%02x%02x%02x%02x%02x%02x\n", rt_status_name(s), buffer[0], buffer[1], buffer[2],
            buffer[3], buffer[4], buffer[5], buffer[6], buffer[7]);
  rt_printf("disk: read-size-100 %s\n", rt_status_name(b->ReadBlocks(b, id, 0, 100, buffer)));
  rt_printf("disk: read-size-0 %s\n", rt_status_name(b->ReadBlocks(b, id, 0, 0, buffer)));
  rt_printf("disk: read-past-end %s\n", rt_status_name(b->ReadBlocks(b, id, last + 1, 512, buffer)));
  rt_printf("disk: read-straddling-end %s\n", rt_status_name(b->ReadBlocks(b, id, last, 1024, buffer)));
  rt_printf("disk: read-last %s\n", rt_status_name(b->ReadBlocks(b, id, last, 512, buffer)));
  rt_printf("disk: read-media-changed %s\n", rt_status_name(b->ReadBlocks(b, id + 1, 0, 512, buffer)));
  rt_printf("disk: read-misaligned %s\n", rt_status_name(b->ReadBlocks(b, id, 0, 512, buffer + 1)));
  rt_printf("disk: flush %s\n", rt_status_name(b->FlushBlocks(b)));
  /* a write and read-back at LBA last-40 (clear of a GPT's backup header and entries) */
  UINT64 scratch = last - 40;
  for (int i = 0; i < 512; i++) buffer[i] = (UINT8)(i * 7 + 3);
  s = b->WriteBlocks(b, id, scratch, 512, buffer);
  memset(buffer, 0, 512);
  EFI_STATUS r = b->ReadBlocks(b, id, scratch, 512, buffer);
  rt_printf("disk: write-read-back %s %s %02x%02x%02x\n", rt_status_name(s), rt_status_name(r), buffer[0], buffer[1],
            buffer[511]);
  if (d) {
    memset(buffer, 0, 64);
    s = d->ReadDisk(d, id, 512 + 1, 7, buffer);
    rt_printf("disk: diskio-odd %s %02x%02x%02x%02x%02x%02x%02x\n", rt_status_name(s), buffer[0], buffer[1], buffer[2],
              buffer[3], buffer[4], buffer[5], buffer[6]);
    rt_printf("disk: diskio-past-end %s\n", rt_status_name(d->ReadDisk(d, id, (last + 1) * 512 - 4, 8, buffer)));
    rt_printf("disk: diskio-media-changed %s\n", rt_status_name(d->ReadDisk(d, id + 1, 0, 8, buffer)));
  }
  if (d2) {
    memset(buffer, 0, 64);
    s = d2->ReadDiskEx(d2, id, 512, NULL, 8, buffer);
    rt_printf("disk: diskio2-sync %s %02x%02x%02x%02x\n", rt_status_name(s), buffer[0], buffer[1], buffer[2], buffer[3]);
    EFI_DISK_IO2_TOKEN token;
    s = bs->CreateEvent(0, 0, NULL, NULL, &token.Event);
    token.TransactionStatus = EFI_NOT_READY;
    memset(buffer, 0, 64);
    s = d2->ReadDiskEx(d2, id, 512, &token, 8, buffer);
    /* OVMF completes the request later (its AHCI driver's timer); wait up to 1 s of Stall for the event */
    EFI_STATUS w = EFI_NOT_READY;
    for (int i = 0; i < 1000 && w == EFI_NOT_READY; i++) {
      w = bs->CheckEvent(token.Event);
      if (w == EFI_NOT_READY) bs->Stall(1000);
    }
    rt_printf("disk: diskio2-token %s event %s transaction %s %02x%02x%02x%02x\n", rt_status_name(s), rt_status_name(w),
              rt_status_name(token.TransactionStatus), buffer[0], buffer[1], buffer[2], buffer[3]);
    bs->CloseEvent(token.Event);
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  EFI_LOADED_IMAGE *li = rt_protocol(image, &li_guid);
  EFI_HANDLE *handles = NULL;
  UINTN count = 0;
  EFI_STATUS s = bs->LocateHandleBuffer(ByProtocol, &blockio_guid, NULL, &count, &handles);
  rt_printf("disk: blockio-handles %s %u\n", rt_status_name(s), (unsigned)count);
  int first_disk = -1;
  unsigned fs_index = 0;
  for (UINTN i = 0; i < count; i++) {
    EFI_HANDLE h = handles[i];
    EFI_BLOCK_IO *b = rt_protocol(h, &blockio_guid);
    EFI_BLOCK_IO_MEDIA *m = b->Media;
    rt_printf("disk: handle %u ", (unsigned)i);
    rt_print_path(rt_protocol(h, &dp_guid), 1);
    rt_printf("%s\n", li && li->DeviceHandle == h ? " <- LoadedImage.DeviceHandle" : "");
    rt_printf("disk:   revision 0x%lx media-id %u removable %u present %u logical %u read-only %u write-caching %u "
              "block %u io-align %u last 0x%lx\n", (unsigned long)b->Revision, m->MediaId, m->RemovableMedia,
              m->MediaPresent, m->LogicalPartition, m->ReadOnly, m->WriteCaching, m->BlockSize, m->IoAlign,
              (unsigned long)m->LastBlock);
    if (b->Revision >= 0x00020001)
      rt_printf("disk:   lowest-aligned %lu per-physical %u optimal %u\n", (unsigned long)m->LowestAlignedLba,
                m->LogicalBlocksPerPhysicalBlock, b->Revision >= 0x0002001F ? m->OptimalTransferLengthGranularity : 0);
    PARTITION_INFO *pi = rt_protocol(h, &partinfo_guid);
    rt_printf("disk:   diskio %u diskio2 %u partinfo %u sfs %u\n", rt_protocol(h, &diskio_guid) != NULL,
              rt_protocol(h, &diskio2_guid) != NULL, pi != NULL, rt_protocol(h, &sfs_guid) != NULL);
    if (pi) {
      rt_printf("disk:   partinfo revision 0x%x type %u system %u", pi->Revision, pi->Type, pi->System);
      if (pi->Type == 2) { rt_printf(" type-guid "); rt_print_guid(pi->Info); }
      else rt_printf(" os-type 0x%02x start %u", pi->Info[4], *(UINT32 *)(pi->Info + 8));
      rt_printf("\n");
    }
    if (!m->LogicalPartition && first_disk < 0) first_disk = (int)i;
  }
  if (li) {
    rt_printf("disk: loaded-image file ");
    rt_print_path(li->FilePath, 1);
    rt_printf("\n");
  }
  if (first_disk >= 0) {
    EFI_HANDLE h = handles[first_disk];
    block_cases(rt_protocol(h, &blockio_guid), rt_protocol(h, &diskio_guid), rt_protocol(h, &diskio2_guid));
  }
  for (UINTN i = 0; i < count; i++) {
    EFI_FILE_IO_INTERFACE *fs = rt_protocol(handles[i], &sfs_guid);
    if (fs) sfs_probe(fs, fs_index++);
  }
  bs->FreePool(handles);
  rt_printf("disk: done\n");
  if (li && li->LoadOptionsSize >= 14 && ((CHAR16 *)li->LoadOptions)[0] == L'n') return EFI_SUCCESS;
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
  return EFI_SUCCESS;
}
