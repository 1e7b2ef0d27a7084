/*
 * blockio2-probe: EFI_BLOCK_IO2_PROTOCOL (UEFI 2.10 §13.10) as a loader sees it: which handles have it, whether its
 * Media is the Block I/O Media, and on the first disk and the first partition: Reset, ReadBlocksEx without and with a
 * token (waiting for the event as a loader would), BufferSize 0 with a token, a bad buffer size, an LBA past the end,
 * another MediaId, a NULL and a misaligned buffer, WriteBlocksEx with a token read back, FlushBlocksEx with a token.
 * Then EFI_DISK_INFO_PROTOCOL on every handle that has it ("dinfo:" lines: interface, Inquiry, SenseData, WhichIde,
 * Identify with a small and a whole buffer, the IDENTIFY fields QEMU sets).
 * Every line starts with "bio2:" or "dinfo:" to be compared with real OVMF's serial output (BlockIo2OvmfLiveTest). Ends with
 * ResetSystem(EfiResetShutdown).
 */
#include "efiemu_rt.h"

static EFI_GUID blockio_guid = BLOCK_IO_PROTOCOL;
static EFI_GUID blockio2_guid = {0xa77b2472, 0xe282, 0x4e9f, {0xa2, 0x45, 0xc2, 0xc0, 0xe2, 0x7b, 0xbc, 0xc1}};

typedef struct {
  EFI_EVENT Event;
  EFI_STATUS TransactionStatus;
} BIO2_TOKEN;

struct BIO2;
typedef EFI_STATUS (EFIAPI *BIO2_RESET)(struct BIO2 *This, BOOLEAN ExtendedVerification);
typedef EFI_STATUS (EFIAPI *BIO2_IO)(struct BIO2 *This, UINT32 MediaId, EFI_LBA Lba, BIO2_TOKEN *Token,
                                     UINTN BufferSize, VOID *Buffer);
typedef EFI_STATUS (EFIAPI *BIO2_FLUSH)(struct BIO2 *This, BIO2_TOKEN *Token);
typedef struct BIO2 {
  EFI_BLOCK_IO_MEDIA *Media;
  BIO2_RESET Reset;
  BIO2_IO ReadBlocksEx;
  BIO2_IO WriteBlocksEx;
  BIO2_FLUSH FlushBlocksEx;
} BIO2;

/* EFI_DISK_INFO_PROTOCOL (PI vol. 5 §12.9) */
static EFI_GUID diskinfo_guid = {0xd432a67f, 0x14dc, 0x484b, {0xb3, 0xbb, 0x3f, 0x02, 0x91, 0x84, 0x93, 0x27}};
struct DINFO;
typedef struct DINFO {
  EFI_GUID Interface;
  EFI_STATUS (EFIAPI *Inquiry)(struct DINFO *This, VOID *Data, UINT32 *Size);
  EFI_STATUS (EFIAPI *Identify)(struct DINFO *This, VOID *Data, UINT32 *Size);
  EFI_STATUS (EFIAPI *SenseData)(struct DINFO *This, VOID *Data, UINT32 *Size, UINT8 *Number);
  EFI_STATUS (EFIAPI *WhichIde)(struct DINFO *This, UINT32 *Channel, UINT32 *Device);
} DINFO;

static EFI_BOOT_SERVICES *bs;
static UINT8 buffer[4096 + 64] __attribute__((aligned(64)));

/* Waits up to 1 s (Stall) for the token's event, as OVMF completes requests on a later timer tick. */
static EFI_STATUS wait(BIO2_TOKEN *t) {
  EFI_STATUS w = EFI_NOT_READY;
  for (int i = 0; i < 1000 && w == EFI_NOT_READY; i++) {
    w = bs->CheckEvent(t->Event);
    if (w == EFI_NOT_READY) bs->Stall(1000);
  }
  return w;
}

static void cases(const char *what, BIO2 *b) {
  EFI_BLOCK_IO_MEDIA *m = b->Media;
  UINT32 id = m->MediaId;
  EFI_LBA last = m->LastBlock;
  BIO2_TOKEN t;
  EFI_STATUS s, w;
  rt_printf("bio2: %s reset %s\n", what, rt_status_name(b->Reset(b, FALSE)));
  memset(buffer, 0, 64);
  s = b->ReadBlocksEx(b, id, 1, NULL, 512, buffer);
  rt_printf("bio2: %s read-sync %s %02x%02x%02x%02x\n", what, rt_status_name(s), buffer[0], buffer[1], buffer[2], buffer[3]);
  bs->CreateEvent(0, 0, NULL, NULL, &t.Event);
  t.TransactionStatus = EFI_NOT_READY;
  memset(buffer, 0, 64);
  s = b->ReadBlocksEx(b, id, 1, &t, 1024, buffer);
  w = wait(&t);
  rt_printf("bio2: %s read-token %s event %s transaction %s %02x%02x%02x%02x\n", what, rt_status_name(s),
            rt_status_name(w), rt_status_name(t.TransactionStatus), buffer[0], buffer[1], buffer[2], buffer[3]);
  bs->CloseEvent(t.Event);
  bs->CreateEvent(0, 0, NULL, NULL, &t.Event);
  t.TransactionStatus = EFI_NOT_READY;
  s = b->ReadBlocksEx(b, id, 0, &t, 0, buffer);
  w = wait(&t);
  rt_printf("bio2: %s read-size-0-token %s event %s transaction %s\n", what, rt_status_name(s), rt_status_name(w),
            rt_status_name(t.TransactionStatus));
  bs->CloseEvent(t.Event);
  rt_printf("bio2: %s read-size-100 %s\n", what, rt_status_name(b->ReadBlocksEx(b, id, 0, NULL, 100, buffer)));
  rt_printf("bio2: %s read-past-end %s\n", what, rt_status_name(b->ReadBlocksEx(b, id, last + 1, NULL, 512, buffer)));
  rt_printf("bio2: %s read-straddling-end %s\n", what, rt_status_name(b->ReadBlocksEx(b, id, last, NULL, 1024, buffer)));
  rt_printf("bio2: %s read-media-changed %s\n", what, rt_status_name(b->ReadBlocksEx(b, id + 1, 0, NULL, 512, buffer)));
  rt_printf("bio2: %s read-null-buffer %s\n", what, rt_status_name(b->ReadBlocksEx(b, id, 0, NULL, 512, NULL)));
  if (m->IoAlign > 1)
    rt_printf("bio2: %s read-misaligned %s\n", what, rt_status_name(b->ReadBlocksEx(b, id, 0, NULL, 512, buffer + 1)));
  for (int i = 0; i < 512; i++) buffer[i] = (UINT8)(0xA5 ^ i);
  bs->CreateEvent(0, 0, NULL, NULL, &t.Event);
  t.TransactionStatus = EFI_NOT_READY;
  s = b->WriteBlocksEx(b, id, last, &t, 512, buffer);
  w = wait(&t);
  memset(buffer, 0, 512);
  EFI_STATUS r = b->ReadBlocksEx(b, id, last, NULL, 512, buffer);
  rt_printf("bio2: %s write-token %s event %s transaction %s read-back %s %02x%02x%02x\n", what, rt_status_name(s),
            rt_status_name(w), rt_status_name(t.TransactionStatus), rt_status_name(r), buffer[0], buffer[1], buffer[2]);
  bs->CloseEvent(t.Event);
  bs->CreateEvent(0, 0, NULL, NULL, &t.Event);
  t.TransactionStatus = EFI_NOT_READY;
  s = b->FlushBlocksEx(b, &t);
  w = wait(&t);
  rt_printf("bio2: %s flush-token %s event %s transaction %s\n", what, rt_status_name(s), rt_status_name(w),
            rt_status_name(t.TransactionStatus));
  bs->CloseEvent(t.Event);
  rt_printf("bio2: %s flush-sync %s\n", what, rt_status_name(b->FlushBlocksEx(b, NULL)));
}

/* An ATA string of n bytes from identify word w (bytes of each word swapped), trailing spaces dropped. */
static void ata_string(const UINT8 *id, int w, int n, char *out) {
  for (int i = 0; i < n; i += 2) { out[i] = (char)id[w * 2 + i + 1]; out[i + 1] = (char)id[w * 2 + i]; }
  out[n] = 0;
  for (int i = n - 1; i >= 0 && out[i] == ' '; i--) out[i] = 0;
}

static void disk_info(void) {
  EFI_HANDLE *handles = NULL;
  UINTN count = 0;
  EFI_STATUS s = bs->LocateHandleBuffer(ByProtocol, &diskinfo_guid, NULL, &count, &handles);
  rt_printf("dinfo: handles %s %u\n", rt_status_name(s), (unsigned)count);
  for (UINTN i = 0; i < count; i++) {
    DINFO *d = rt_protocol(handles[i], &diskinfo_guid);
    EFI_GUID *g = &d->Interface;
    rt_printf("dinfo: %u interface %08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x block-io %u\n", (unsigned)i, g->Data1,
              g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5],
              g->Data4[6], g->Data4[7], rt_protocol(handles[i], &blockio_guid) != NULL);
    UINT32 size = 0, ch = 0x1234, dev = 0x1234;
    UINT8 number = 0;
    rt_printf("dinfo: %u inquiry %s\n", (unsigned)i, rt_status_name(d->Inquiry(d, buffer, &size)));
    size = sizeof buffer;
    rt_printf("dinfo: %u sense %s\n", (unsigned)i, rt_status_name(d->SenseData(d, buffer, &size, &number)));
    s = d->WhichIde(d, &ch, &dev);
    rt_printf("dinfo: %u which-ide %s %u 0x%x\n", (unsigned)i, rt_status_name(s), ch, dev);
    size = 0;
    s = d->Identify(d, buffer, &size);
    rt_printf("dinfo: %u identify-size-0 %s %u\n", (unsigned)i, rt_status_name(s), size);
    size = sizeof buffer;
    memset(buffer, 0, 512);
    s = d->Identify(d, buffer, &size);
    char serial[21], fw[9], model[41];
    ata_string(buffer, 10, 20, serial);
    ata_string(buffer, 23, 8, fw);
    ata_string(buffer, 27, 40, model);
    const UINT16 *w = (const UINT16 *)buffer;
    rt_printf("dinfo: %u identify %s %u config 0x%04x serial '%s' firmware '%s' model '%s'\n", (unsigned)i,
              rt_status_name(s), size, w[0], serial, fw, model);
    rt_printf("dinfo: %u caps 0x%04x lba28 %u cmd83 0x%04x lba48 %lu w106 0x%04x\n", (unsigned)i, w[49],
              w[60] | ((UINT32)w[61] << 16), w[83], *(UINT64 *)(buffer + 200), w[106]);
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  EFI_HANDLE *handles = NULL;
  UINTN count = 0, count1 = 0;
  EFI_HANDLE *h1 = NULL;
  bs->LocateHandleBuffer(ByProtocol, &blockio_guid, NULL, &count1, &h1);
  EFI_STATUS s = bs->LocateHandleBuffer(ByProtocol, &blockio2_guid, NULL, &count, &handles);
  rt_printf("bio2: handles %s %u of %u with Block I/O\n", rt_status_name(s), (unsigned)count, (unsigned)count1);
  BIO2 *disk = NULL, *part = NULL;
  for (UINTN i = 0; i < count; i++) {
    BIO2 *b = rt_protocol(handles[i], &blockio2_guid);
    EFI_BLOCK_IO *b1 = rt_protocol(handles[i], &blockio_guid);
    rt_printf("bio2: handle %u logical %u same-media %u last 0x%lx\n", (unsigned)i, b->Media->LogicalPartition,
              b1 && b1->Media == b->Media, (unsigned long)b->Media->LastBlock);
    if (!b->Media->LogicalPartition && !disk) disk = b;
    if (b->Media->LogicalPartition && !part) part = b;
  }
  if (disk) cases("disk", disk);
  if (part) cases("partition", part);
  rt_printf("bio2: done\n");
  disk_info();
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
  return EFI_SUCCESS;
}
