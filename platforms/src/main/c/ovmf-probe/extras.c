/*
 * What the capture application measures besides memory services, after the memory-service steps (so it cannot move
 * them): the text console modes (UEFI 2.10 §12.4 QueryMode), the graphics modes (§12.9 EFI_GRAPHICS_OUTPUT_PROTOCOL
 * QueryMode; the Info buffer it allocates is freed at once) and the variables present (§8.2 GetNextVariableName and
 * GetVariable into static buffers; the probe writes no variable). Printed as "text:", "gop:", "var:" lines; the
 * line formats are read by org.efiemu.platform.capture.CaptureLog.
 */
#include "probe.h"

#define NAME_CHARS 1024
#define DATA_BYTES (64 * 1024)

static CHAR16 var_name[NAME_CHARS];
static UINT8 var_data[DATA_BYTES];

void print_text_modes(EFI_SYSTEM_TABLE *st) {
  SIMPLE_TEXT_OUTPUT_INTERFACE *o = st->ConOut;
  if (!o || !o->Mode) {
    out("text: none");
    return;
  }
  out("text: modes=%d current=%d", o->Mode->MaxMode, o->Mode->Mode);
  for (INT32 i = 0; i < o->Mode->MaxMode && i < 64; i++) {
    UINTN cols = 0, rows = 0;
    if (o->QueryMode(o, (UINTN)i, &cols, &rows) == EFI_SUCCESS) out("text: mode=%d %lux%lu", i, (UINT64)cols, (UINT64)rows);
    else out("text: mode=%d unsupported", i);
  }
}

static const char *pixel_format(EFI_GRAPHICS_PIXEL_FORMAT f) {
  switch (f) {
  case PixelRedGreenBlueReserved8BitPerColor: return "PixelRedGreenBlueReserved8BitPerColor";
  case PixelBlueGreenRedReserved8BitPerColor: return "PixelBlueGreenRedReserved8BitPerColor";
  case PixelBitMask: return "PixelBitMask";
  default: return "PixelBltOnly";
  }
}

void print_gop_modes(void) {
  EFI_GUID g = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = 0;
  EFI_STATUS s = rt_bs->LocateProtocol(&g, 0, (void **)&gop);
  if (s != EFI_SUCCESS || !gop || !gop->Mode) {
    out("gop: none (LocateProtocol = %s)", rt_status_name(s));
    return;
  }
  out("gop: modes=%u current=%u framebuffer=0x%lx size=0x%lx", gop->Mode->MaxMode, gop->Mode->Mode,
      (UINT64)gop->Mode->FrameBufferBase, (UINT64)gop->Mode->FrameBufferSize);
  for (UINT32 i = 0; i < gop->Mode->MaxMode && i < 256; i++) {
    UINTN size = 0;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = 0;
    if (gop->QueryMode(gop, i, &size, &info) != EFI_SUCCESS || !info) continue;
    out("gop: mode=%u %ux%u format=%s", i, info->HorizontalResolution, info->VerticalResolution,
        pixel_format(info->PixelFormat));
    rt_bs->FreePool(info);
  }
}

static void hex_out(const UINT8 *p, UINTN n) {
  static const char digits[] = "0123456789abcdef";
  char chunk[129];
  UINTN k = 0;
  for (UINTN i = 0; i < n; i++) {
    chunk[k++] = digits[p[i] >> 4];
    chunk[k++] = digits[p[i] & 15];
    if (k == 128) {
      chunk[k] = 0;
      out_part(chunk);
      k = 0;
    }
  }
  chunk[k] = 0;
  out_part(chunk);
}

/* QueryVariableInfo (UEFI 2.10 §8.2) for NV|BS|RT, BS|RT and NV|BS|RT|time-based-authenticated: the variable store's
 * sizes ("qvi:" lines; a runtime service that allocates nothing on OVMF). */
void print_variable_store(EFI_SYSTEM_TABLE *st) {
  static const UINT32 sets[] = {0x7, 0x6, 0x27};
  for (UINTN i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    UINT64 max = 0, rem = 0, maxvar = 0;
    EFI_STATUS s = st->RuntimeServices->QueryVariableInfo(sets[i], &max, &rem, &maxvar);
    if (s == EFI_SUCCESS)
      out("qvi: attr=0x%x = EFI_SUCCESS max-storage=0x%lx remaining=0x%lx max-variable=0x%lx", sets[i], max, rem, maxvar);
    else
      out("qvi: attr=0x%x = %s", sets[i], rt_status_name(s));
  }
}

void print_variables(EFI_SYSTEM_TABLE *st) {
  EFI_RUNTIME_SERVICES *rs = st->RuntimeServices;
  EFI_GUID guid;
  int count = 0;
  var_name[0] = 0;
  memset(&guid, 0, sizeof guid);
  for (int guard = 0; guard < 4096; guard++) {
    UINTN size = sizeof var_name;
    EFI_STATUS s = rs->GetNextVariableName(&size, var_name, &guid);
    if (s == EFI_NOT_FOUND) break;
    if (s != EFI_SUCCESS) {
      out("vars: stopped GetNextVariableName = %s", rt_status_name(s));
      break;
    }
    UINT32 attr = 0;
    UINTN dsize = sizeof var_data;
    s = rs->GetVariable(var_name, &guid, &attr, &dsize, var_data);
    if (s != EFI_SUCCESS) continue; /* e.g. larger than 64 KiB: not recorded */
    char line[PROBE_LINE + 16];
    UINTN k = 0;
    for (const CHAR16 *c = var_name; *c && k + 8 < sizeof line; c++) {
      if (*c > 0x20 && *c < 0x7F && *c != '\\') line[k++] = (char)*c;
      else k += rt_snprintf(line + k, sizeof line - k, "\\u%04X", (UINT32)*c);
    }
    line[k] = 0;
    out_part("var: name=");
    out_part(line);
    rt_snprintf(line, sizeof line,
                " guid=%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X attr=0x%x size=%lu data=", guid.Data1,
                guid.Data2, guid.Data3, guid.Data4[0], guid.Data4[1], guid.Data4[2], guid.Data4[3], guid.Data4[4],
                guid.Data4[5], guid.Data4[6], guid.Data4[7], attr, (UINT64)dsize);
    out_part(line);
    hex_out(var_data, dsize);
    out_line("");
    count++;
  }
  out("vars: count=%d", count);
}

/* True when LoadOptions or \EFI\BOOT\EFIEMU.CFG on the probe's volume say "end=return" (efiemu profile capture
 * --write-esp writes that file). Opening the volume allocates pool in the file system driver, so this runs after all
 * measurements. *fs_out is the volume (or 0). */
int wants_return(EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE *root_out) {
  static const char want[] = "end=return";
  *root_out = 0;
  if (!li) return 0;
  if (li->LoadOptions && li->LoadOptionsSize >= 2 * (sizeof want - 1)) {
    const CHAR16 *o = (const CHAR16 *)li->LoadOptions;
    UINTN i = 0;
    while (want[i] && o[i] == (CHAR16)want[i]) i++;
    if (!want[i]) return 1;
  }
  EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
  EFI_FILE_IO_INTERFACE *fs = 0;
  if (!li->DeviceHandle || rt_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs) != EFI_SUCCESS || !fs)
    return 0;
  EFI_FILE_HANDLE root = 0;
  if (fs->OpenVolume(fs, &root) != EFI_SUCCESS || !root) return 0;
  *root_out = root;
  EFI_FILE_HANDLE cfg = 0;
  if (root->Open(root, &cfg, L"\\EFI\\BOOT\\EFIEMU.CFG", EFI_FILE_MODE_READ, 0) != EFI_SUCCESS || !cfg) return 0;
  char buf[32];
  UINTN n = sizeof buf - 1;
  EFI_STATUS s = cfg->Read(cfg, &n, buf);
  cfg->Close(cfg);
  if (s != EFI_SUCCESS || n < sizeof want - 1) return 0;
  return !memcmp(buf, want, sizeof want - 1);
}

/* Writes the report to \EFIEMU-CAPTURE.TXT at the root of the volume (replacing an older report). */
EFI_STATUS write_report(EFI_FILE_HANDLE root, const char *text, UINTN len) {
  if (!root) return EFI_NOT_FOUND;
  EFI_FILE_HANDLE f = 0;
  CHAR16 *name = L"\\EFIEMU-CAPTURE.TXT";
  if (root->Open(root, &f, name, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0) == EFI_SUCCESS && f)
    f->Delete(f); /* closes the handle */
  f = 0;
  EFI_STATUS s = root->Open(root, &f, name, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0);
  if (s != EFI_SUCCESS || !f) return s != EFI_SUCCESS ? s : EFI_DEVICE_ERROR;
  UINTN n = len;
  s = f->Write(f, &n, (void *)text);
  EFI_STATUS fl = f->Flush(f);
  f->Close(f);
  if (s == EFI_SUCCESS && n != len) s = EFI_VOLUME_FULL;
  return s != EFI_SUCCESS ? s : fl;
}

/* COM1 present: the 16550 scratch register (port 0x3FF) keeps what is written to it; absent ports read 0xFF. */
int com1_present(void) {
  UINT8 v;
  __asm__ volatile("outb %0, %1" : : "a"((UINT8)0xA5), "Nd"((UINT16)0x3FF));
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((UINT16)0x3FF));
  if (v != 0xA5) return 0;
  __asm__ volatile("outb %0, %1" : : "a"((UINT8)0x5A), "Nd"((UINT16)0x3FF));
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((UINT16)0x3FF));
  return v == 0x5A;
}
