/*
 * svc-present: what a loader meets on a machine presented as OVMF presents it. LoadOptions pick the case:
 *   keys    ReadKeyStroke before the first scripted key (EFI_NOT_READY), WaitForEvent(WaitForKey) until it arrives,
 *           ReadKeyStroke, then WaitForKeyEx + ReadKeyStrokeEx for the next key, SetState (UEFI 2.10 §12.2, §12.3)
 *   rng     LocateProtocol(EFI_RNG_PROTOCOL), GetInfo, GetRNG of 32 bytes printed as hex (§37.5)
 *   s5      the ACPI power-off path: RSDP -> XSDT -> FADT PM1a_CNT_BLK, DSDT \_S5 SLP_TYPa, then
 *           OUT PM1a_CNT, SLP_TYPa << 10 | SLP_EN (ACPI 6.5 §7.4.2, §16.1.7); must not come back
 *   cf9     OUT 0xCF9, 0x0E (the FADT's RESET_REG: SYS_RST | FULL_RST); must not come back
 *   serial  SerialIo on COM1: Write, Read with nothing received, GetControl (§12.8)
 *   boot    LoadedImage DeviceHandle: its device path, SimpleFileSystem on it, the image's own file opened (§9.1)
 * Each case prints "<what> <status> ..." lines the Java test (PresentationPayloadTest) checks.
 */
#include "efiemu_rt.h"

static EFI_GUID gLoadedImage = LOADED_IMAGE_PROTOCOL;
static EFI_GUID gDevicePath = DEVICE_PATH_PROTOCOL;
static EFI_GUID gFs = SIMPLE_FILE_SYSTEM_PROTOCOL;
static EFI_GUID gTextInEx = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
static EFI_GUID gSerial = EFI_SERIAL_IO_PROTOCOL_GUID;
static EFI_GUID gRng = EFI_RNG_PROTOCOL_GUID;
static EFI_GUID gAcpi20 = ACPI_20_TABLE_GUID;

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static int is(const CHAR16 *opts, const char *word) {
  if (!opts) return 0;
  for (UINTN i = 0; word[i]; i++)
    if (opts[i] != (CHAR16)word[i]) return 0;
  return 1;
}

static void keys(EFI_SYSTEM_TABLE *st) {
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_INPUT_KEY key;
  SHOW("read-early", st->ConIn->ReadKeyStroke(st->ConIn, &key));
  UINTN index = 99;
  SHOW("wait", bs->WaitForEvent(1, &st->ConIn->WaitForKey, &index));
  rt_printf("wait-index %lu\n", (UINT64)index);
  EFI_STATUS s = st->ConIn->ReadKeyStroke(st->ConIn, &key);
  rt_printf("read %s scan 0x%x char 0x%x\n", rt_status_name(s), key.ScanCode, key.UnicodeChar);
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  SHOW("ex", bs->HandleProtocol(st->ConsoleInHandle, &gTextInEx, (void **)&ex));
  if (!ex) return;
  EFI_KEY_TOGGLE_STATE toggle = EFI_TOGGLE_STATE_VALID | EFI_NUM_LOCK_ACTIVE;
  SHOW("set-state", ex->SetState(ex, &toggle));
  SHOW("wait-ex", bs->WaitForEvent(1, &ex->WaitForKeyEx, &index));
  EFI_KEY_DATA data;
  s = ex->ReadKeyStrokeEx(ex, &data);
  rt_printf("read-ex %s scan 0x%x char 0x%x toggle 0x%x\n", rt_status_name(s), data.Key.ScanCode, data.Key.UnicodeChar,
            data.KeyState.KeyToggleState);
  s = ex->ReadKeyStrokeEx(ex, &data);
  rt_printf("read-ex %s scan 0x%x char 0x%x\n", rt_status_name(s), data.Key.ScanCode, data.Key.UnicodeChar);
  SHOW("read-end", st->ConIn->ReadKeyStroke(st->ConIn, &key));
}

typedef struct {
  EFI_STATUS(EFIAPI *GetInfo)(void *This, UINTN *Size, EFI_GUID *List);
  EFI_STATUS(EFIAPI *GetRNG)(void *This, EFI_GUID *Alg, UINTN Len, UINT8 *Value);
} RNG;

static void rng(EFI_SYSTEM_TABLE *st) {
  RNG *r = 0;
  SHOW("rng-locate", st->BootServices->LocateProtocol(&gRng, 0, (void **)&r));
  if (!r) return;
  EFI_GUID list[2];
  UINTN size = 0;
  SHOW("rng-info-small", r->GetInfo(r, &size, list));
  size = sizeof list;
  EFI_STATUS s = r->GetInfo(r, &size, list);
  rt_printf("rng-info %s size %lu first %08x\n", rt_status_name(s), (UINT64)size, list[0].Data1);
  UINT8 v[32];
  s = r->GetRNG(r, 0, sizeof v, v);
  rt_printf("rng-bytes %s ", rt_status_name(s));
  for (UINTN i = 0; i < sizeof v; i++) rt_printf("%02x", v[i]);
  rt_printf("\n");
  EFI_GUID other = EFI_RNG_ALGORITHM_SP800_90_CTR_256_GUID;
  SHOW("rng-ctr", r->GetRNG(r, &other, 16, v));
}

static const UINT8 *xsdt_table(EFI_SYSTEM_TABLE *st, const char *sig) {
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
    if (memcmp(&st->ConfigurationTable[i].VendorGuid, &gAcpi20, sizeof(EFI_GUID))) continue;
    const UINT8 *rsdp = st->ConfigurationTable[i].VendorTable;
    const UINT8 *xsdt = (const UINT8 *)*(const UINT64 *)(rsdp + 24);
    UINT32 len = *(const UINT32 *)(xsdt + 4);
    for (UINT32 o = 36; o + 8 <= len; o += 8) {
      const UINT8 *t = (const UINT8 *)*(const UINT64 *)(xsdt + o);
      if (!memcmp(t, sig, 4)) return t;
    }
  }
  return 0;
}

static void s5(EFI_SYSTEM_TABLE *st) {
  const UINT8 *fadt = xsdt_table(st, "FACP");
  if (!fadt) {
    rt_printf("s5 no FADT\n");
    return;
  }
  UINT32 pm1a = *(const UINT32 *)(fadt + 64);
  const UINT8 *dsdt = (const UINT8 *)*(const UINT64 *)(fadt + 140);
  UINT32 dlen = *(const UINT32 *)(dsdt + 4);
  int typ = -1;
  for (UINT32 i = 36; i + 9 <= dlen; i++)
    if (dsdt[i] == 0x08 && !memcmp(dsdt + i + 1, "_S5_", 4) && dsdt[i + 5] == 0x12) {
      UINT8 e = dsdt[i + 8];  /* first element: ZeroOp/OneOp or BytePrefix 0x0A nn */
      typ = e == 0x0A ? dsdt[i + 9] : e == 0x01 ? 1 : 0;
      break;
    }
  UINT16 cnt;
  __asm__ volatile("inw %1, %0" : "=a"(cnt) : "Nd"((UINT16)pm1a));
  rt_printf("s5 pm1a-cnt 0x%x slp-typ %d sci-en %d\n", pm1a, typ, cnt & 1);
  UINT16 v = (UINT16)((typ << 10) | (1 << 13));
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"((UINT16)pm1a));
  rt_printf("s5 still running\n");
  for (;;) __asm__ volatile("pause");
}

static void cf9(void) {
  UINT8 v = 0x0E;
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"((UINT16)0xCF9));
  rt_printf("cf9 still running\n");
  for (;;) __asm__ volatile("pause");
}

static void serial(EFI_SYSTEM_TABLE *st) {
  SERIAL_IO_INTERFACE *io = 0;
  SHOW("serial-locate", st->BootServices->LocateProtocol(&gSerial, 0, (void **)&io));
  if (!io) return;
  static char msg[] = "via SerialIo\r\n";
  UINTN n = sizeof msg - 1;
  SHOW("serial-write", io->Write(io, &n, msg));
  UINT8 buf[4];
  n = sizeof buf;
  EFI_STATUS s = io->Read(io, &n, buf);
  rt_printf("serial-read %s got %lu\n", rt_status_name(s), (UINT64)n);
  UINT32 control = 0;
  s = io->GetControl(io, &control);
  rt_printf("serial-control %s 0x%x baud %lu\n", rt_status_name(s), control, io->Mode->BaudRate);
}

static void boot(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &gLoadedImage, (void **)&li);
  rt_printf("boot device-handle %s\n", li->DeviceHandle ? "set" : "NULL");
  EFI_DEVICE_PATH *dp = 0;
  SHOW("boot device-path", bs->HandleProtocol(li->DeviceHandle, &gDevicePath, (void **)&dp));
  EFI_FILE_IO_INTERFACE *fs = 0;
  SHOW("boot fs", bs->HandleProtocol(li->DeviceHandle, &gFs, (void **)&fs));
  if (!fs) return;
  EFI_FILE_HANDLE root = 0, self = 0;
  SHOW("boot open-volume", fs->OpenVolume(fs, &root));
  const CHAR16 *path = (const CHAR16 *)((const UINT8 *)li->FilePath + 4);
  SHOW("boot open-self", root->Open(root, &self, (CHAR16 *)path, EFI_FILE_MODE_READ, 0));
  if (self) {
    UINT8 mz[2] = {0, 0};
    UINTN n = 2;
    self->Read(self, &n, mz);
    rt_printf("boot self %c%c\n", mz[0], mz[1]);
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_LOADED_IMAGE *li = 0;
  st->BootServices->HandleProtocol(image, &gLoadedImage, (void **)&li);
  const CHAR16 *opts = li ? (const CHAR16 *)li->LoadOptions : 0;
  if (is(opts, "keys")) keys(st);
  else if (is(opts, "rng")) rng(st);
  else if (is(opts, "s5")) s5(st);
  else if (is(opts, "cf9")) cf9();
  else if (is(opts, "serial")) serial(st);
  else if (is(opts, "boot")) boot(image, st);
  else rt_printf("unknown case\n");
  rt_printf("end\n");
  return EFI_SUCCESS;
}
