/*
 * ramdisk-io: a Block I/O that is this image's own code (a 32 KiB RAM disk, BlockSize 512, IoAlign 4, MediaId 5, no
 * partition table, no file system) on a new handle with a vendor device path, then ConnectController(Handle, NULL,
 * NULL, TRUE): EDK2's DiskIoDxe starts on any Block I/O (UEFI 2.10 §13.7 Disk I/O; DiskIoDriverBindingSupported/Start
 * of EDK2 2022.11) and puts a Disk I/O there whose reads and writes become this Block I/O's ReadBlocks/WriteBlocks
 * (DiskIoCreateSubtaskList's order: partial first block, partial last block, whole blocks between; a partial block
 * read first when written); PartitionDxe finds no table, the FAT driver no FAT. Lines "rd:": the statuses, the open
 * entries of PartitionDxe, DiskIoDxe and Fat on the Block I/O and Disk I/O, each Disk I/O request with the Block I/O
 * calls it made ("R<lba>:<size>", "W<lba>:<size>") and the bytes it read or the RAM disk after a write, then
 * DisconnectController and a second connect. Ends with ResetSystem(EfiResetShutdown) unless LoadOptions start with
 * "n". DiskIoOverGuestBlockIoPayloadTest / DiskIoOverGuestBlockIoOvmfLiveTest compare the lines with QEMU + OVMF.
 */
#include "efiemu_rt.h"

#define BLOCKS 64
#define BS 512

static EFI_GUID blockio_guid = BLOCK_IO_PROTOCOL;
static EFI_GUID blockio2_guid = {0xa77b2472, 0xe282, 0x4e9f, {0xa2, 0x45, 0xc2, 0xc0, 0xe2, 0x7b, 0xbc, 0xc1}};
static EFI_GUID diskio_guid = DISK_IO_PROTOCOL;
static EFI_GUID diskio2_guid = EFI_DISK_IO2_PROTOCOL_GUID;
static EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
static EFI_BOOT_SERVICES *bs;
static EFI_HANDLE self;

static UINT8 ram[BLOCKS * BS] __attribute__((aligned(16)));
static UINT8 buf[4096] __attribute__((aligned(16)));
static char calls[512];
static UINTN ncalls;

static void note(char rw, EFI_LBA lba, UINTN size) {
  if (ncalls + 32 >= sizeof calls) return;
  ncalls += rt_snprintf(calls + ncalls, sizeof calls - ncalls, " %c%lu:%lu", rw, (unsigned long)lba, (unsigned long)size);
}

static EFI_BLOCK_IO_MEDIA media = {
  .MediaId = 5, .RemovableMedia = 0, .MediaPresent = 1, .LogicalPartition = 0, .ReadOnly = 0, .WriteCaching = 0,
  .BlockSize = BS, .IoAlign = 4, .LastBlock = BLOCKS - 1,
};

/* the checks UEFI 2.10 §13.9.3 gives ReadBlocks, in EDK2 RamDiskDxe's order */
static EFI_STATUS check(UINT32 media_id, EFI_LBA lba, UINTN size, VOID *buffer) {
  if (media_id != media.MediaId) return EFI_MEDIA_CHANGED;
  if (!buffer) return EFI_INVALID_PARAMETER;
  if (size == 0) return EFI_SUCCESS;
  if (size % BS) return EFI_BAD_BUFFER_SIZE;
  if (lba > media.LastBlock) return EFI_INVALID_PARAMETER;
  if ((lba + size / BS - 1) > media.LastBlock) return EFI_INVALID_PARAMETER;
  if ((UINTN)buffer % media.IoAlign) return EFI_INVALID_PARAMETER;
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rd_reset(EFI_BLOCK_IO *This, BOOLEAN Extended) {
  (void)This; (void)Extended;
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rd_read(EFI_BLOCK_IO *This, UINT32 MediaId, EFI_LBA Lba, UINTN BufferSize, VOID *Buffer) {
  (void)This;
  note('R', Lba, BufferSize);
  EFI_STATUS s = check(MediaId, Lba, BufferSize, Buffer);
  if (EFI_ERROR(s) || BufferSize == 0) return s;
  for (UINTN i = 0; i < BufferSize; i++) ((UINT8 *)Buffer)[i] = ram[Lba * BS + i];
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rd_write(EFI_BLOCK_IO *This, UINT32 MediaId, EFI_LBA Lba, UINTN BufferSize, VOID *Buffer) {
  (void)This;
  note('W', Lba, BufferSize);
  EFI_STATUS s = check(MediaId, Lba, BufferSize, Buffer);
  if (EFI_ERROR(s) || BufferSize == 0) return s;
  for (UINTN i = 0; i < BufferSize; i++) ram[Lba * BS + i] = ((UINT8 *)Buffer)[i];
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI rd_flush(EFI_BLOCK_IO *This) {
  (void)This;
  return EFI_SUCCESS;
}

static EFI_BLOCK_IO block_io = {
  .Revision = 0x00010000, .Media = &media, .Reset = rd_reset, .ReadBlocks = rd_read, .WriteBlocks = rd_write,
  .FlushBlocks = rd_flush,
};

/* HW Vendor node (UEFI 2.10 §10.3.2.4) with this payload's GUID, then the end node */
static struct __attribute__((packed)) {
  UINT8 type, sub;
  UINT16 len;
  EFI_GUID guid;
  UINT8 etype, esub;
  UINT16 elen;
} path = {1, 4, 20, {0x2b5b8f1c, 0x6a0e, 0x4f37, {0x9b, 0x2e, 0x52, 0x41, 0x4d, 0x44, 0x49, 0x53}}, 0x7f, 0xff, 4};

static const char *sname(EFI_STATUS s) {
  if (s == EFI_MEDIA_CHANGED) return "EFI_MEDIA_CHANGED";
  if (s == EFI_BAD_BUFFER_SIZE) return "EFI_BAD_BUFFER_SIZE";
  return rt_status_name(s);
}

/* PartitionDxe, DiskIoDxe and Fat by their FvFile GUIDs; 0 for any other agent */
static const char *driver_name(EFI_HANDLE h) {
  EFI_LOADED_IMAGE *li = 0;
  if (EFI_ERROR(bs->HandleProtocol(h, &li_guid, (void **)&li)) || !li->FilePath) return 0;
  EFI_DEVICE_PATH *p = li->FilePath;
  if (p->Type != 4 || p->SubType != 6) return 0;
  UINT32 d1 = *(UINT32 *)((UINT8 *)p + 4);
  if (d1 == 0x1FA1F39E) return "PartitionDxe";
  if (d1 == 0x6B38F7B4) return "DiskIoDxe";
  if (d1 == 0x961578FE) return "Fat";
  return 0;
}

static void opens(EFI_HANDLE h, EFI_GUID *g, const char *gname) {
  EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
  UINTN n = 0;
  EFI_STATUS s = bs->OpenProtocolInformation(h, g, &e, &n);
  if (EFI_ERROR(s)) { rt_printf("rd: opens %s %s\n", gname, sname(s)); return; }
  for (UINTN k = 0; k < n; k++) {
    const char *name = driver_name(e[k].AgentHandle);
    if (!name) continue;
    rt_printf("rd: open %s agent %s controller %s attributes 0x%x count %u\n", gname, name,
              e[k].ControllerHandle == h ? "self" : e[k].ControllerHandle ? "other" : "NULL", e[k].Attributes,
              e[k].OpenCount);
  }
  bs->FreePool(e);
}

static unsigned long sum(UINT8 *p, UINTN n) {
  unsigned long s = 0;
  for (UINTN i = 0; i < n; i++) s = s * 31 + p[i];
  return s & 0xffffffffUL;
}

static void read_at(EFI_DISK_IO *io, const char *tag, UINT32 id, UINT64 offset, UINTN size, UINTN at) {
  for (UINTN i = 0; i < sizeof buf; i++) buf[i] = 0xEE;
  ncalls = 0;
  calls[0] = 0;
  EFI_STATUS s = io->ReadDisk(io, id, offset, size, buf + at);
  rt_printf("rd: read %s %s calls%s", tag, sname(s), ncalls ? calls : " none");
  if (!EFI_ERROR(s)) {
    int same = 1;
    for (UINTN i = 0; i < size; i++) same &= buf[at + i] == ram[offset + i];
    rt_printf(" equal %d sum %lu guard %02x", same, sum(buf + at, size), buf[at + size]);
    if (size <= 8) { rt_printf(" data"); for (UINTN i = 0; i < size; i++) rt_printf(" %02x", buf[at + i]); }
  }
  rt_printf("\n");
}

static void write_at(EFI_DISK_IO *io, const char *tag, UINT64 offset, UINTN size, UINTN at) {
  UINT8 before = offset ? ram[offset - 1] : 0, after = ram[offset + size < sizeof ram ? offset + size : 0];
  for (UINTN i = 0; i < size; i++) buf[at + i] = (UINT8)('A' + i % 26);
  ncalls = 0;
  calls[0] = 0;
  EFI_STATUS s = io->WriteDisk(io, media.MediaId, offset, size, buf + at);
  int same = 1;
  for (UINTN i = 0; i < size; i++) same &= ram[offset + i] == (UINT8)('A' + i % 26);
  rt_printf("rd: write %s %s calls%s written %d neighbours %d\n", tag, sname(s), ncalls ? calls : " none", same,
            (!offset || ram[offset - 1] == before) && ram[offset + size < sizeof ram ? offset + size : 0] == after);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  self = image;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &li_guid, (void **)&li);
  rt_printf("rd: begin\n");
  for (UINTN i = 0; i < sizeof ram; i++) ram[i] = (UINT8)(i * 7 + 3);
  EFI_HANDLE h = 0;
  EFI_STATUS s = bs->InstallMultipleProtocolInterfaces(&h, &dp_guid, &path, &blockio_guid, &block_io, NULL);
  rt_printf("rd: install %s\n", sname(s));
  if (EFI_ERROR(s)) goto out;
  void *p = 0;
  rt_printf("rd: diskio-before %s\n", sname(bs->HandleProtocol(h, &diskio_guid, &p)));
  rt_printf("rd: connect %s\n", sname(bs->ConnectController(h, 0, 0, 1)));
  EFI_DISK_IO *io = 0;
  s = bs->HandleProtocol(h, &diskio_guid, (void **)&io);
  rt_printf("rd: diskio %s revision 0x%lx\n", sname(s), EFI_ERROR(s) ? 0UL : (unsigned long)io->Revision);
  rt_printf("rd: diskio2 %s\n", sname(bs->HandleProtocol(h, &diskio2_guid, &p)));
  opens(h, &dp_guid, "DevicePath");
  opens(h, &blockio_guid, "BlockIo");
  opens(h, &blockio2_guid, "BlockIo2");
  opens(h, &diskio_guid, "DiskIo");
  if (EFI_ERROR(s)) goto out;
  read_at(io, "510+5", 5, 510, 5, 0);
  read_at(io, "1024+1024", 5, 1024, 1024, 0);
  read_at(io, "100+1500-odd", 5, 100, 1500, 1);
  read_at(io, "1536+2048-odd", 5, 1536, 2048, 1);
  read_at(io, "0+512", 5, 0, 512, 0);
  read_at(io, "700+0", 5, 700, 0, 0);
  read_at(io, "end-2+4", 5, BLOCKS * BS - 2, 4, 0);
  read_at(io, "past-end", 5, BLOCKS * BS, 512, 0);
  read_at(io, "media-6", 6, 0, 16, 0);
  write_at(io, "1000+30", 1000, 30, 0);
  write_at(io, "2048+1024", 2048, 1024, 0);
  write_at(io, "3000+600-odd", 3000, 600, 1);
  write_at(io, "4096+1536-odd", 4096, 1536, 1);
  read_at(io, "1000+30-again", 5, 1000, 30, 0);
  rt_printf("rd: disconnect %s\n", sname(bs->DisconnectController(h, 0, 0)));
  rt_printf("rd: diskio-after %s\n", sname(bs->HandleProtocol(h, &diskio_guid, &p)));
  opens(h, &blockio_guid, "BlockIo");
  rt_printf("rd: connect-again %s\n", sname(bs->ConnectController(h, 0, 0, 1)));
  s = bs->HandleProtocol(h, &diskio_guid, (void **)&io);
  rt_printf("rd: diskio-again %s\n", sname(s));
  if (!EFI_ERROR(s)) read_at(io, "3000+8-again", 5, 3000, 8, 0);
  rt_printf("rd: disconnect-again %s\n", sname(bs->DisconnectController(h, 0, 0)));
  rt_printf("rd: uninstall %s\n",
            sname(bs->UninstallMultipleProtocolInterfaces(h, &dp_guid, &path, &blockio_guid, &block_io, NULL)));
out:
  rt_printf("rd: end\n");
  if (li && li->LoadOptionsSize >= 2 && ((CHAR16 *)li->LoadOptions)[0] == L'n') return EFI_SUCCESS;
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
