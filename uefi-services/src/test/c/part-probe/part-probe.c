/*
 * part-probe: the disk and its partitions as the UEFI driver model shows them (UEFI 2.10 §7.3.11
 * OpenProtocolInformation, §7.3.12 ConnectController, §7.3.13 DisconnectController, §13.7-13.9; EDK2 PartitionDxe
 * makes each partition a child handle of its disk and opens the disk's Disk I/O BY_CHILD_CONTROLLER from it).
 * Lines "pt:": which partition type GUIDs each Block I/O handle carries as a protocol, at the start and after the
 * reconnect. Lines "pp:": every Block I/O handle (its index B<n> in LocateHandleBuffer(ByProtocol) order, its device path, Media),
 * the open entries on the DevicePath, Block I/O (2), Disk I/O (2) of every Block I/O handle whose agent is an image
 * loaded from a firmware volume file (named by that file's GUID) or this image, with ControllerHandle named as a Block
 * I/O handle; then ConnectController(Handle, NULL, NULL, TRUE) of every Block I/O handle. Lines "pq:": the first disk
 * with partition children disconnected (DisconnectController(Disk, NULL, NULL)), the Block I/O handles then, connected
 * again (Recursive), the Block I/O handles then. Lines "pr:": ConnectController(first Block I/O handle, NULL, End node
 * at an odd address, FALSE). Ends with ResetSystem(EfiResetShutdown) unless LoadOptions say
 * "noreset". PartitionChildrenPayloadTest / PartitionChildrenOvmfLiveTest compare the lines with QEMU + OVMF.
 */
#include "efiemu_rt.h"

static EFI_GUID blockio_guid = BLOCK_IO_PROTOCOL;
static EFI_GUID blockio2_guid = {0xa77b2472, 0xe282, 0x4e9f, {0xa2, 0x45, 0xc2, 0xc0, 0xe2, 0x7b, 0xbc, 0xc1}};
static EFI_GUID diskio_guid = DISK_IO_PROTOCOL;
static EFI_GUID diskio2_guid = EFI_DISK_IO2_PROTOCOL_GUID;
static EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID partinfo_guid = {0x8cf2f62c, 0xbc9b, 0x4821, {0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0}};

/* partition type GUIDs PartitionDxe installs on a child as a protocol with no interface */
static EFI_GUID esp_type_guid = {0xc12a7328, 0xf81f, 0x11d2, {0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}};
static EFI_GUID linux_type_guid = {0x0fc63daf, 0x8483, 0x4772, {0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4}};
static EFI_BOOT_SERVICES *bs;
static EFI_HANDLE self;
static EFI_HANDLE *blk;
static UINTN nblk;

static void list_blocks(const char *tag) {
  if (blk) bs->FreePool(blk);
  blk = 0;
  nblk = 0;
  bs->LocateHandleBuffer(ByProtocol, &blockio_guid, 0, &nblk, &blk);
  rt_printf("%s block-handles %lu\n", tag, (unsigned long)nblk);
  for (UINTN i = 0; i < nblk; i++) {
    EFI_DEVICE_PATH *p = 0;
    EFI_BLOCK_IO *b = 0;
    void *pi = 0;
    bs->HandleProtocol(blk[i], &dp_guid, (void **)&p);
    bs->HandleProtocol(blk[i], &blockio_guid, (void **)&b);
    rt_printf("%s B%lu ", tag, (unsigned long)i);
    rt_print_path(p, 0);
    rt_printf(" present %u logical %u removable %u partinfo %u\n", b->Media->MediaPresent, b->Media->LogicalPartition,
              b->Media->RemovableMedia, !EFI_ERROR(bs->HandleProtocol(blk[i], &partinfo_guid, &pi)));
  }
}

/* "pt:" lines: for each Block I/O handle of the last list, which partition type GUIDs it carries as protocols (the
   interface, NULL on OVMF), and the handles LocateHandle(ByProtocol, ESP type) finds */
static void type_lines(const char *tag) {
  for (UINTN i = 0; i < nblk; i++) {
    void *e = (void *)1, *l = (void *)1;
    EFI_STATUS se = bs->HandleProtocol(blk[i], &esp_type_guid, &e);
    EFI_STATUS sl = bs->HandleProtocol(blk[i], &linux_type_guid, &l);
    rt_printf("%s B%lu esp-type %s %s linux-type %s %s\n", tag, (unsigned long)i, rt_status_name(se),
              EFI_ERROR(se) ? "-" : (e ? "interface" : "NULL"), rt_status_name(sl),
              EFI_ERROR(sl) ? "-" : (l ? "interface" : "NULL"));
  }
  UINTN size = 0;
  EFI_STATUS s = bs->LocateHandle(ByProtocol, &esp_type_guid, 0, &size, 0);
  rt_printf("%s locate esp-type %s handles %lu\n", tag, rt_status_name(s),
            (unsigned long)(size / sizeof(EFI_HANDLE)));
}

static void name_handle(EFI_HANDLE h) {
  if (!h) { rt_printf("NULL"); return; }
  for (UINTN i = 0; i < nblk; i++) if (blk[i] == h) { rt_printf("B%lu", (unsigned long)i); return; }
  if (h == self) { rt_printf("self"); return; }
  rt_printf("other");
}

/* The agent's name: "self", FvFile(GUID) of a firmware image, or 0 when it is neither (not printed). */
static int name_agent(EFI_HANDLE h) {
  if (h == self) { rt_printf("self"); return 1; }
  EFI_LOADED_IMAGE *li = 0;
  if (EFI_ERROR(bs->HandleProtocol(h, &li_guid, (void **)&li)) || !li->FilePath) return 0;
  EFI_DEVICE_PATH *p = li->FilePath;
  if (p->Type == 4 && p->SubType == 6) {
    rt_printf("FvFile(");
    rt_print_guid((UINT8 *)p + 4);
    rt_printf(")");
    return 1;
  }
  return 0;
}

static void opens(const char *tag, UINTN i, EFI_GUID *g, const char *gname) {
  EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
  UINTN n = 0;
  if (EFI_ERROR(bs->OpenProtocolInformation(blk[i], g, &e, &n))) return;
  for (UINTN k = 0; k < n; k++) {
    EFI_LOADED_IMAGE *li = 0;
    if (e[k].AgentHandle != self && (EFI_ERROR(bs->HandleProtocol(e[k].AgentHandle, &li_guid, (void **)&li))
                                     || !li->FilePath || li->FilePath->Type != 4 || li->FilePath->SubType != 6)) continue;
    rt_printf("%s open B%lu %s agent ", tag, (unsigned long)i, gname);
    name_agent(e[k].AgentHandle);
    rt_printf(" controller ");
    name_handle(e[k].ControllerHandle);
    rt_printf(" attributes 0x%x count %u\n", e[k].Attributes, e[k].OpenCount);
  }
  bs->FreePool(e);
}

static void all_opens(const char *tag) {
  for (UINTN i = 0; i < nblk; i++) {
    opens(tag, i, &dp_guid, "DevicePath");
    opens(tag, i, &blockio_guid, "BlockIo");
    opens(tag, i, &blockio2_guid, "BlockIo2");
    opens(tag, i, &diskio_guid, "DiskIo");
    opens(tag, i, &diskio2_guid, "DiskIo2");
  }
}

/* The first disk (not a logical partition) that has a BY_CHILD_CONTROLLER open on its Disk I/O. */
static EFI_HANDLE parent_disk(void) {
  for (UINTN i = 0; i < nblk; i++) {
    EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
    UINTN n = 0;
    if (EFI_ERROR(bs->OpenProtocolInformation(blk[i], &diskio_guid, &e, &n))) continue;
    int children = 0;
    for (UINTN k = 0; k < n; k++) children += (e[k].Attributes & EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER) != 0;
    bs->FreePool(e);
    if (children) return blk[i];
  }
  return 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  self = image;
  rt_printf("pp: begin\n");
  list_blocks("pp:");
  all_opens("pp:");
  type_lines("pt: begin");
  EFI_HANDLE *copy = 0;
  UINTN n = nblk;
  bs->AllocatePool(EfiLoaderData, n * sizeof(EFI_HANDLE), (void **)&copy);
  for (UINTN i = 0; i < n; i++) copy[i] = blk[i];
  for (UINTN i = 0; i < n; i++) {
    EFI_STATUS s = bs->ConnectController(copy[i], NULL, NULL, TRUE);
    rt_printf("pp: connect B%lu recursive %s\n", (unsigned long)i, rt_status_name(s));
  }
  list_blocks("pp: after-connect");
  all_opens("pp: after-connect");

  EFI_HANDLE disk = parent_disk();
  if (disk) {
    rt_printf("pq: disconnect disk ");
    name_handle(disk);
    rt_printf(" %s\n", rt_status_name(bs->DisconnectController(disk, NULL, NULL)));
    list_blocks("pq: after-disconnect");
    all_opens("pq: after-disconnect");
    rt_printf("pq: connect disk %s\n", rt_status_name(bs->ConnectController(disk, NULL, NULL, TRUE)));
    list_blocks("pq: after-reconnect");
    all_opens("pq: after-reconnect");
  } else {
    rt_printf("pq: no disk with partition children\n");
  }
  /* RemainingDevicePath at an odd address: an End node; drivers get CoreConnectController's aligned copy */
  static UINT8 odd[16] __attribute__((aligned(8)));
  EFI_DEVICE_PATH *end = (EFI_DEVICE_PATH *)(odd + 1);
  end->Type = 0x7F;
  end->SubType = 0xFF;
  end->Length[0] = 4;
  end->Length[1] = 0;
  list_blocks("pr:");
  type_lines("pt: after-reconnect");
  if (nblk) rt_printf("pr: connect B0 end-node %s\n", rt_status_name(bs->ConnectController(blk[0], NULL, end, FALSE)));
  rt_printf("pp: end\n");
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &li_guid, (void **)&li);
  if (li && li->LoadOptionsSize >= 14 && ((CHAR16 *)li->LoadOptions)[0] == L'n') return EFI_SUCCESS;
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
