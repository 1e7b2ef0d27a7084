/*
 * firmware-probe: prints what a UEFI firmware presents to an application that BDS starts, as stable text lines
 * on COM1 (raw port I/O, never ConOut), so the same probe run on real OVMF under QEMU
 * (efiemu profile capture --qemu-machine q35 --mem 2G --firmware-probe FILE) and on efiemu can be compared line by line.
 *
 * Sections (the line prefixes are the format):
 *   fw:      firmware vendor/revision, LoadedImage (DeviceHandle set?, FilePath, the device handle's device path)
 *   var:     every variable: GetNextVariableName (UEFI 2.10 §8.2) then GetVariable: GUID, name, attributes, data
 *   qvi:     QueryVariableInfo for a fixed list of attribute sets
 *   cfg:     configuration table GUIDs in system-table order
 *   cfg-data: what the tables hold that does not depend on allocation: the DXE services table's header, the HOB
 *            list (PHIT, per-type counts, resource descriptors), the memory status code header, the image
 *            execution information table's entries
 *   gop:     Graphics Output Protocol handles, modes (QueryMode), current mode, framebuffer base and size
 *   text:    ConOut text modes (QueryMode), current mode and attribute
 *   conin:   SimpleTextInputEx on ConsoleInHandle, ReadKeyStroke with no key pressed
 *   serial:  SerialIo handles and the first one's mode
 *   rng:     EFI_RNG_PROTOCOL presence and GetInfo
 *   acpi:    table signatures under the XSDT, FADT PM1a control/event blocks, DSDT's \_S5 package
 *   pci:     PCI root bridges (segment, device path) and every EFI_PCI_IO_PROTOCOL handle: location, IDs,
 *            attributes, ROM size, device path; pci-config: its first 256 bytes of configuration space; pci-rom:
 *            the option ROM's bytes (RomImage); pci: bar / bar-read: GetBarAttributes and the BAR's bytes (whole
 *            register BARs up to 4 KiB of memory, 256 of I/O; else the first 64/16); pci: bar-masks: the BAR size
 *            masks (all ones written and read back, then restored); pci: poll-mem/poll-io/copy-mem/set-bar-attributes/
 *            no-bar: those functions' statuses and results; pci-rb: the root bridge's GetAttributes, Configuration,
 *            SetAttributes, Mem/Io reads at the BARs and their checks, PollMem/PollIo, CopyMem and DMA functions
 *   diskinfo: EFI_DISK_INFO_PROTOCOL handles: Interface GUID, WhichIde, Identify's status and model string
 *   hob:     the HOB list (PI 1.7 vol. 3 §5), one line per HOB with all its bytes as hex, from the PHIT to the
 *            end-of-list HOB (the addresses HOBs hold are the firmware's own, the same on every boot of one machine)
 *   handle:  every handle (LocateHandleBuffer AllHandles) with its protocols (" null" after a protocol whose
 *            interface pointer is NULL: a tag) and its device path; for a handle with
 *            EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL that device path (image-device-path), and for one with
 *            EFI_LOADED_IMAGE_PROTOCOL the image's fields that do not depend on allocation (parent and device handles
 *            as indexes into the same handle list, memory types, size, load options size, FilePath)
 *   image:   every loaded image's ImageBase, ImageSize and Unload (set/null), by handle index
 *   debug-image: the EFI_DEBUG_IMAGE_INFO_TABLE's header and entries (type, image handle index)
 *   locate:  LocateHandleBuffer(ByProtocol) per protocol GUID: the handles in the order returned, as handle indexes
 *   dpt:     the device path utilities / to-text / from-text protocols on every handle's device paths, the console
 *            variables' multi-instance paths and fixed texts (to bytes and back)
 *   open:    first of all (the handle database as BDS left it): OpenProtocolInformation for every handle and protocol,
 *            one line per open entry: agent and controller handles as indexes, attributes, open count; open-check:
 *            per BY_DRIVER entry, OpenProtocol BY_DRIVER by the probe and by the entry's own agent and controller
 *            (neither changes the database); open-after: the same dump at the end (the probe's own HandleProtocol
 *            calls counted on the core image's BY_HANDLE_PROTOCOL entries)
 *   unload:  last (it changes the firmware): UnloadImage of every driver image whose Unload is set, in handle order,
 *            its status, the number of handles after it and the handles (indexes of the first list) it removed;
 *            open-unloaded: the open dump after them
 * Addresses that depend on allocation (handles, interfaces) are never printed; data is printed as hex.
 * The probe ends with ResetSystem(EfiResetShutdown).
 */
#include "efiemu_rt.h"

static void put(const char *s) { rt_serial_puts(s); }

#define line(...)                                   \
  do {                                              \
    char b_[256];                                   \
    rt_snprintf(b_, sizeof b_, __VA_ARGS__);        \
    put(b_);                                        \
    put("\n");                                      \
  } while (0)

static const char HEX[] = "0123456789abcdef";

static void put_hex(const void *data, UINTN n) {
  const UINT8 *p = data;
  char b[129];
  UINTN k = 0;
  for (UINTN i = 0; i < n; i++) {
    b[k++] = HEX[p[i] >> 4];
    b[k++] = HEX[p[i] & 15];
    if (k == 128) {
      b[k] = 0;
      put(b);
      k = 0;
    }
  }
  b[k] = 0;
  put(b);
}

static void guid_text(const EFI_GUID *g, char *b) {
  rt_snprintf(b, 40, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->Data1, g->Data2, g->Data3,
              g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
              g->Data4[7]);
}

static void put_guid(const EFI_GUID *g) {
  char b[40];
  guid_text(g, b);
  put(b);
}

/* UCS-2 to ASCII ('?' for anything else). */
static void put_ucs2(const CHAR16 *s) {
  char b[2] = {0, 0};
  for (; *s; s++) {
    b[0] = *s < 0x80 && *s >= 0x20 ? (char)*s : '?';
    put(b);
  }
}

static UINTN dp_size(const EFI_DEVICE_PATH *dp) {
  const UINT8 *p = (const UINT8 *)dp;
  UINTN n = 0;
  for (int i = 0; i < 64; i++) {
    UINT16 len = p[n + 2] | (p[n + 3] << 8);
    if (len < 4) return n + 4;
    if (p[n] == 0x7F && p[n + 1] == 0xFF) return n + len;
    n += len;
  }
  return n;
}

static EFI_GUID gLoadedImage = LOADED_IMAGE_PROTOCOL;
static EFI_GUID gDevicePath = DEVICE_PATH_PROTOCOL;
static EFI_GUID gImageDevicePath = {0xbc62157e, 0x3e33, 0x4fec, {0x99, 0x20, 0x2d, 0x3b, 0x36, 0xd7, 0x50, 0xdf}};
static EFI_GUID gGop = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
static EFI_GUID gTextInEx = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
static EFI_GUID gSerial = EFI_SERIAL_IO_PROTOCOL_GUID;
static EFI_GUID gRng = EFI_RNG_PROTOCOL_GUID;
static EFI_GUID gAcpi20 = ACPI_20_TABLE_GUID;
static EFI_GUID gPciIo = EFI_PCI_IO_PROTOCOL_GUID;
static EFI_GUID gRootBridge = EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_GUID;
static EFI_GUID gDxeServices = {0x05ad34ba, 0x6f02, 0x4214, {0x95, 0x2e, 0x4d, 0xa0, 0x39, 0x8e, 0x2b, 0xb9}};
static EFI_GUID gHobList = {0x7739f24c, 0x93d7, 0x11d4, {0x9a, 0x3a, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}};
static EFI_GUID gStatusCode = {0x060cc026, 0x4c0d, 0x4dda, {0x8f, 0x41, 0x59, 0x5f, 0xef, 0x00, 0xa5, 0x02}};
static EFI_GUID gImageExec = {0xd719b2cb, 0x3d3a, 0x4596, {0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}};

static void firmware(void) {
  put("fw: vendor ");
  put_ucs2(rt_st->FirmwareVendor);
  line(" revision 0x%x uefi 0x%x", rt_st->FirmwareRevision, rt_st->Hdr.Revision);
  EFI_LOADED_IMAGE *li = 0;
  EFI_STATUS s = rt_bs->HandleProtocol(rt_image, &gLoadedImage, (void **)&li);
  if (s != EFI_SUCCESS) {
    line("fw: image LoadedImage %s", rt_status_name(s));
    return;
  }
  line("fw: image device-handle %s load-options %u code %u data %u", li->DeviceHandle ? "set" : "NULL",
       li->LoadOptionsSize, li->ImageCodeType, li->ImageDataType);
  if (li->FilePath) {
    put("fw: image file-path ");
    put_hex(li->FilePath, dp_size(li->FilePath));
    put("\n");
  }
  if (li->DeviceHandle) {
    EFI_DEVICE_PATH *dp = 0;
    s = rt_bs->HandleProtocol(li->DeviceHandle, &gDevicePath, (void **)&dp);
    put("fw: image device-path ");
    if (s == EFI_SUCCESS && dp) put_hex(dp, dp_size(dp));
    else put(rt_status_name(s));
    put("\n");
  }
}

static CHAR16 name[1024];
static UINT8 data[65536];

static void variables(void) {
  EFI_GUID guid = {0};
  name[0] = 0;
  int count = 0;
  for (;;) {
    UINTN nsize = sizeof name;
    EFI_STATUS s = rt_st->RuntimeServices->GetNextVariableName(&nsize, name, &guid);
    if (s == EFI_NOT_FOUND) break;
    if (s != EFI_SUCCESS) {
      line("var: GetNextVariableName = %s", rt_status_name(s));
      break;
    }
    UINT32 attr = 0;
    UINTN dsize = sizeof data;
    s = rt_st->RuntimeServices->GetVariable(name, &guid, &attr, &dsize, data);
    put("var: ");
    put_guid(&guid);
    put(" ");
    put_ucs2(name);
    if (s != EFI_SUCCESS) {
      line(" GetVariable = %s", rt_status_name(s));
    } else {
      line(" attr=0x%x size=%lu", attr, (UINT64)dsize);
      put("var-data: ");
      put_hex(data, dsize);
      put("\n");
    }
    count++;
  }
  line("var: count=%d", count);
}

static void query_variable_info(void) {
  static const UINT32 sets[] = {0x7, 0x3, 0x6, 0x2, 0x27, 0xF, 0x0, 0x4, 0x1};
  for (UINTN i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    UINT64 max = 0, rem = 0, maxvar = 0;
    EFI_STATUS s = rt_st->RuntimeServices->QueryVariableInfo(sets[i], &max, &rem, &maxvar);
    if (s == EFI_SUCCESS)
      line("qvi: attr=0x%x = %s max-storage=0x%lx remaining=0x%lx max-variable=0x%lx", sets[i],
           rt_status_name(s), max, rem, maxvar);
    else
      line("qvi: attr=0x%x = %s", sets[i], rt_status_name(s));
  }
}

static void configuration_tables(void) {
  for (UINTN i = 0; i < rt_st->NumberOfTableEntries; i++) {
    put("cfg: ");
    put_guid(&rt_st->ConfigurationTable[i].VendorGuid);
    put("\n");
  }
  line("cfg: count=%lu", (UINT64)rt_st->NumberOfTableEntries);
}

static const UINT8 *table(const EFI_GUID *g) {
  for (UINTN i = 0; i < rt_st->NumberOfTableEntries; i++)
    if (!memcmp(&rt_st->ConfigurationTable[i].VendorGuid, g, sizeof(EFI_GUID)))
      return rt_st->ConfigurationTable[i].VendorTable;
  return 0;
}

/* The HOB list (PI 1.7 vol. 3): PHIT first, then HOBs up to END_OF_HOB_LIST (type 0xFFFF). */
static void hob_list(const UINT8 *h) {
  UINT32 counts[16] = {0};
  UINT32 other = 0, total = 0;
  line("cfg-data: hob phit type=0x%x length=%u version=0x%x boot-mode=%u", *(const UINT16 *)h,
       *(const UINT16 *)(h + 2), *(const UINT32 *)(h + 8), *(const UINT32 *)(h + 12));
  for (const UINT8 *p = h; total < 100000; total++) {
    UINT16 type = *(const UINT16 *)p, len = *(const UINT16 *)(p + 2);
    if (type == 0xFFFF) break;
    if (len < 8) {
      line("cfg-data: hob bad length %u at index %u", len, total);
      return;
    }
    if (type < 16) counts[type]++;
    else other++;
    if (type == 3) /* EFI_HOB_RESOURCE_DESCRIPTOR: owner GUID at 8, type 24, attribute 28, start 32, length 40 */
      line("cfg-data: hob resource type=%u attribute=0x%x start=0x%lx length=0x%lx", *(const UINT32 *)(p + 24),
           *(const UINT32 *)(p + 28), *(const UINT64 *)(p + 32), *(const UINT64 *)(p + 40));
    p += len;
  }
  for (int t = 0; t < 16; t++)
    if (counts[t]) line("cfg-data: hob type=0x%x count=%u", t, counts[t]);
  line("cfg-data: hob other=%u total=%u", other, total);
}

/* Every HOB's bytes, as they are (the PHIT's EfiEndOfHobList included: on OVMF it names the end of PEI's list, not
   of the copy the configuration table points at). */
static void hob_dump(const UINT8 *h) {
  UINT32 total = 0;
  for (const UINT8 *p = h; total < 100000; total++) {
    UINT16 type = *(const UINT16 *)p, len = *(const UINT16 *)(p + 2);
    if (len < 8) {
      line("hob: bad length %u at index %u", len, total);
      return;
    }
    put("hob: ");
    put_hex(p, len);
    put("\n");
    if (type == 0xFFFF) break;
    p += len;
  }
  line("hob: count=%u", total + 1);
}

static void configuration_data(void) {
  const UINT8 *d = table(&gDxeServices);
  if (d) {
    char sig[9];
    memcpy(sig, d, 8);
    sig[8] = 0;
    line("cfg-data: dxe-services signature=%s revision=0x%x header-size=%u", sig, *(const UINT32 *)(d + 8),
         *(const UINT32 *)(d + 12));
  }
  const UINT8 *h = table(&gHobList);
  if (h) {
    hob_list(h);
    hob_dump(h);
  }
  const UINT8 *s = table(&gStatusCode);
  if (s) {
    put("cfg-data: status-code header ");
    put_hex(s, 20);
    put("\n");
  }
  const UINT8 *x = table(&gImageExec);
  if (x) {
    UINT64 n = *(const UINT64 *)x;
    line("cfg-data: image-execution images=%lu", n);
    const UINT8 *e = x + 8;
    for (UINT64 i = 0; i < n && i < 64; i++) {
      UINT32 size = *(const UINT32 *)(e + 4);
      line("cfg-data: image-execution %lu action=0x%x size=%u", i, *(const UINT32 *)e, size);
      if (size < 8) break;
      e += size;
    }
  }
}

/* Bytes of an ACPI resource descriptor list up to and including its end tag (ACPI 6.5 §6.4.2.9, §6.4.3). */
static UINTN acpi_resources_size(const UINT8 *r) {
  UINTN n = 0;
  while (n < 4096) {
    if (r[n] == 0x79) return n + 2;
    if (r[n] & 0x80) n += 3 + (r[n + 1] | (UINTN)r[n + 2] << 8);
    else n += 1 + (r[n] & 7);
  }
  return n;
}

/*
 * The option ROM as the PCI bus driver keeps it (RomImage, RomSize bytes, in pci-rom: lines of 512 bytes) and, for
 * BARs 0-5, GetBarAttributes (status, Supports, the ACPI resource descriptors' bytes) and what Mem.Read (Uint32) or
 * Io.Read (Uint8) returns for the BAR's first bytes (at most 64 of memory, 16 of I/O).
 */
static void pci_rom_and_bars(EFI_PCI_IO_PROTOCOL *io) {
  const UINT8 *rom = io->RomImage;
  UINT64 size = io->RomSize;
  line("pci: rom size=%lu image=%s", size, rom ? "set" : "null");
  for (UINT64 at = 0; rom && at < size && size <= 0x1000000; at += 512) {
    put("pci-rom: ");
    put_hex(rom + at, size - at < 512 ? size - at : 512);
    put("\n");
  }
  for (UINT8 bar = 0; bar < 6; bar++) {
    UINT64 supports = 0;
    void *res = 0;
    EFI_STATUS s = io->GetBarAttributes(io, bar, &supports, &res);
    if (s != EFI_SUCCESS || !res) {
      line("pci: bar %u (%s)", bar, rt_status_name(s));
      continue;
    }
    const UINT8 *r = res;
    put("pci: bar ");
    char b[96];
    rt_snprintf(b, sizeof b, "%u (%s) supports=0x%lx resources=", bar, rt_status_name(s), supports);
    put(b);
    put_hex(r, acpi_resources_size(r));
    put("\n");
    /* QWORD address space descriptor: resource type at byte 3, length at bytes 38-45 */
    UINT64 len = r[0] == 0x8A ? *(const UINT64 *)(r + 38) : 0;
    static UINT8 head[4096];
    if (r[0] == 0x8A && r[3] == 0) {
      UINT64 n = len <= 4096 ? len / 4 : 16; /* a register BAR whole, else its first 64 bytes */
      EFI_STATUS m = io->Mem.Read(io, EfiPciIoWidthUint32, bar, 0, n, head);
      put("pci: bar-read ");
      rt_snprintf(b, sizeof b, "%u mem (%s) ", bar, rt_status_name(m));
      put(b);
      if (m == EFI_SUCCESS) put_hex(head, n * 4);
      put("\n");
    } else if (r[0] == 0x8A && r[3] == 1) {
      UINT64 n = len <= 256 ? len : 16;
      EFI_STATUS m = io->Io.Read(io, EfiPciIoWidthUint8, bar, 0, n, head);
      put("pci: bar-read ");
      rt_snprintf(b, sizeof b, "%u io (%s) ", bar, rt_status_name(m));
      put(b);
      if (m == EFI_SUCCESS) put_hex(head, n);
      put("\n");
    }
    rt_bs->FreePool(res);
  }
}

/* A BAR's type and length from GetBarAttributes (type 0 memory, 1 I/O, -1 none). */
static int bar_info(EFI_PCI_IO_PROTOCOL *io, UINT8 bar, UINT64 *base, UINT64 *len) {
  UINT64 supports = 0;
  void *res = 0;
  if (io->GetBarAttributes(io, bar, &supports, &res) != EFI_SUCCESS || !res) return -1;
  const UINT8 *r = res;
  int type = r[0] == 0x8A ? r[3] : -1;
  *base = r[0] == 0x8A ? *(const UINT64 *)(r + 14) : 0;
  *len = r[0] == 0x8A ? *(const UINT64 *)(r + 38) : 0;
  rt_bs->FreePool(res);
  return type == 0 || type == 1 ? type : -1;
}

/*
 * BAR sizing as a PCI enumerator does it: with I/O and memory decoding off, each BAR register (0x10-0x24 and the
 * expansion ROM BAR 0x30 of a type 0 header; 0x10, 0x14 and 0x38 of a type 1 header) written with all ones and read
 * back (the size mask), then restored.
 */
static void pci_bar_masks(EFI_PCI_IO_PROTOCOL *io) {
  UINT8 header = 0;
  UINT16 command = 0, off = 0;
  io->Pci.Read(io, EfiPciIoWidthUint8, 0x0E, 1, &header);
  io->Pci.Read(io, EfiPciIoWidthUint16, 0x04, 1, &command);
  static const UINT8 type0[] = {0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x30};
  static const UINT8 type1[] = {0x10, 0x14, 0x38};
  const UINT8 *regs = (header & 0x7F) == 1 ? type1 : type0;
  UINTN n = (header & 0x7F) == 1 ? 3 : 7;
  off = command & ~3;
  io->Pci.Write(io, EfiPciIoWidthUint16, 0x04, 1, &off);
  put("pci: bar-masks");
  for (UINTN i = 0; i < n; i++) {
    UINT32 orig = 0, ones = 0xFFFFFFFF, mask = 0;
    io->Pci.Read(io, EfiPciIoWidthUint32, regs[i], 1, &orig);
    io->Pci.Write(io, EfiPciIoWidthUint32, regs[i], 1, &ones);
    io->Pci.Read(io, EfiPciIoWidthUint32, regs[i], 1, &mask);
    io->Pci.Write(io, EfiPciIoWidthUint32, regs[i], 1, &orig);
    char b[24];
    rt_snprintf(b, sizeof b, " %02x=%08x", regs[i], mask);
    put(b);
  }
  put("\n");
  io->Pci.Write(io, EfiPciIoWidthUint16, 0x04, 1, &command);
  UINT32 after[64];
  io->Pci.Read(io, EfiPciIoWidthUint32, 0, 64, after);
  put("pci: config-after-sizing ");
  put_hex(after, sizeof after);
  put("\n");
}

/*
 * PollMem/PollIo, CopyMem and SetBarAttributes of EFI_PCI_IO_PROTOCOL on the function's first memory and first I/O
 * BAR (status and result; nothing is written to a device register: CopyMem copies a BAR range onto itself, or inside
 * a framebuffer BAR of at least 1 MiB).
 */
static void pci_poll_copy_setbar(EFI_PCI_IO_PROTOCOL *io) {
  int mem = -1, pio = -1, none = -1;
  UINT64 memLen = 0, ioLen = 0, base = 0, len = 0;
  for (UINT8 bar = 0; bar < 6; bar++) {
    int t = bar_info(io, bar, &base, &len);
    if (t == 0 && mem < 0) { mem = bar; memLen = len; }
    if (t == 1 && pio < 0) { pio = bar; ioLen = len; }
    if (t < 0 && none < 0) none = bar;
  }
  char b[200];
  UINT64 r = 0, r2 = 0, r3 = 0;
  if (mem >= 0) {
    EFI_STATUS a = io->PollMem(io, EfiPciIoWidthUint32, mem, 0, 0, 0, 0, &r);
    EFI_STATUS c = io->PollMem(io, EfiPciIoWidthUint32, mem, 0, 0xFFFFFFFF, ~r & 0xFFFFFFFF, 0, &r2);
    EFI_STATUS d = io->PollMem(io, EfiPciIoWidthUint32, mem, 0, 0xFFFFFFFF, ~r & 0xFFFFFFFF, 10, &r3);
    rt_snprintf(b, sizeof b, "pci: poll-mem bar %d match (%s) 0x%lx no-match-delay-0 (%s) 0x%lx no-match-delay-10 (%s) 0x%lx",
                mem, rt_status_name(a), r, rt_status_name(c), r2, rt_status_name(d), r3);
    line("%s", b);
    line("pci: poll-mem bar %d errors fifo=%s misaligned=%s past-end=%s width-12=%s result-null=%s", mem,
         rt_status_name(io->PollMem(io, EfiPciIoWidthFifoUint32, mem, 0, 0, 0, 0, &r)),
         rt_status_name(io->PollMem(io, EfiPciIoWidthUint32, mem, 2, 0, 0, 0, &r)),
         rt_status_name(io->PollMem(io, EfiPciIoWidthUint32, mem, memLen, 0, 0, 0, &r)),
         rt_status_name(io->PollMem(io, 12, mem, 0, 0, 0, 0, &r)),
         rt_status_name(io->PollMem(io, EfiPciIoWidthUint32, mem, 0, 0, 0, 0, 0)));
    line("pci: copy-mem bar %d same (%s) fifo=%s past-end=%s io-bar=%s", mem,
         rt_status_name(io->CopyMem(io, EfiPciIoWidthUint32, mem, 0, mem, 0, 4)),
         rt_status_name(io->CopyMem(io, EfiPciIoWidthFifoUint32, mem, 0, mem, 0, 4)),
         rt_status_name(io->CopyMem(io, EfiPciIoWidthUint32, mem, 0, mem, memLen - 8, 4)),
         rt_status_name(pio >= 0 ? io->CopyMem(io, EfiPciIoWidthUint32, pio, 0, mem, 0, 1) : EFI_UNSUPPORTED));
    if (memLen >= 0x100000) {
      static UINT32 src[16], dst[16];
      EFI_STATUS c1 = io->CopyMem(io, EfiPciIoWidthUint32, mem, 0x2000, mem, 0x1000, 16);
      EFI_STATUS c2 = io->CopyMem(io, EfiPciIoWidthUint32, mem, 0x1010, mem, 0x1000, 16); /* overlapping, backwards */
      io->Mem.Read(io, EfiPciIoWidthUint32, mem, 0x1000, 4, src);
      io->Mem.Read(io, EfiPciIoWidthUint32, mem, 0x1010, 16, dst);
      int eq = src[0] == dst[0] && src[1] == dst[1] && src[2] == dst[2] && src[3] == dst[3];
      io->Mem.Read(io, EfiPciIoWidthUint32, mem, 0x2000, 16, dst);
      line("pci: copy-mem bar %d framebuffer (%s) overlapping (%s) first-words-equal=%s", mem, rt_status_name(c1),
           rt_status_name(c2), eq ? "yes" : "no");
    }
    UINT64 o = 0, l = 16;
    EFI_STATUS s0 = io->SetBarAttributes(io, 0, mem, &o, &l);
    UINT64 o2 = 0, l2 = 16, o3 = memLen - 8, l3 = 16;
    line("pci: set-bar-attributes bar %d none (%s) offset=0x%lx length=0x%lx cached=%s write-combine=%s past-end=%s "
         "offset-null=%s",
         mem, rt_status_name(s0), o, l, rt_status_name(io->SetBarAttributes(io, EFI_PCI_IO_ATTRIBUTE_MEMORY_CACHED, mem, &o2, &l2)),
         rt_status_name(io->SetBarAttributes(io, EFI_PCI_IO_ATTRIBUTE_MEMORY_WRITE_COMBINE, mem, &o2, &l2)),
         rt_status_name(io->SetBarAttributes(io, 0, mem, &o3, &l3)), rt_status_name(io->SetBarAttributes(io, 0, mem, 0, &l3)));
  }
  if (pio >= 0) {
    EFI_STATUS a = io->PollIo(io, EfiPciIoWidthUint8, pio, 0, 0, 0, 0, &r);
    EFI_STATUS c = io->PollIo(io, EfiPciIoWidthUint8, pio, 0, 0xFF, ~r & 0xFF, 0, &r2);
    EFI_STATUS d = io->PollIo(io, EfiPciIoWidthUint8, pio, 0, 0xFF, ~r & 0xFF, 10, &r3);
    line("pci: poll-io bar %d match (%s) 0x%lx no-match-delay-0 (%s) 0x%lx no-match-delay-10 (%s) 0x%lx", pio,
         rt_status_name(a), r, rt_status_name(c), r2, rt_status_name(d), r3);
    line("pci: poll-io bar %d errors fifo=%s misaligned=%s past-end=%s mem-type=%s result-null=%s", pio,
         rt_status_name(io->PollIo(io, EfiPciIoWidthFifoUint8, pio, 0, 0, 0, 0, &r)),
         rt_status_name(io->PollIo(io, EfiPciIoWidthUint16, pio, 1, 0, 0, 0, &r)),
         rt_status_name(io->PollIo(io, EfiPciIoWidthUint8, pio, ioLen, 0, 0, 0, &r)),
         rt_status_name(io->PollMem(io, EfiPciIoWidthUint8, pio, 0, 0, 0, 0, &r)),
         rt_status_name(io->PollIo(io, EfiPciIoWidthUint8, pio, 0, 0, 0, 0, 0)));
    UINT64 o = 0, l = 1;
    line("pci: set-bar-attributes bar %d io (%s)", pio, rt_status_name(io->SetBarAttributes(io, 0, pio, &o, &l)));
  }
  if (none >= 0) {
    UINT64 o = 0, l = 1;
    line("pci: no-bar %d poll-mem=%s poll-io=%s copy-mem=%s set-bar-attributes=%s", none,
         rt_status_name(io->PollMem(io, EfiPciIoWidthUint32, none, 0, 0, 0, 0, &r)),
         rt_status_name(io->PollIo(io, EfiPciIoWidthUint8, none, 0, 0, 0, 0, &r)),
         rt_status_name(io->CopyMem(io, EfiPciIoWidthUint8, none, 0, none, 0, 1)),
         rt_status_name(io->SetBarAttributes(io, 0, none, &o, &l)));
  }
}

/*
 * EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL beyond configuration space: GetAttributes, Configuration (the resources the host
 * bridge allocated, ACPI descriptors), SetAttributes, Mem/Io reads at each function's BARs and the parameter checks,
 * PollMem/PollIo, CopyMem, and the DMA functions (AllocateBuffer, Map, Unmap, FreeBuffer).
 */
static void pci_root_bridge_io(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(ByProtocol, &gRootBridge, 0, &n, &hs) != EFI_SUCCESS || n == 0) return;
  EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
  EFI_STATUS s = rt_bs->HandleProtocol(hs[0], &gRootBridge, (void **)&rb);
  rt_bs->FreePool(hs);
  if (s != EFI_SUCCESS) return;
  UINT64 supports = 0, attributes = 0;
  s = rb->GetAttributes(rb, &supports, &attributes);
  line("pci-rb: attributes (%s) supports=0x%lx attributes=0x%lx null=%s", rt_status_name(s), supports, attributes,
       rt_status_name(rb->GetAttributes(rb, 0, 0)));
  void *res = 0;
  s = rb->Configuration(rb, &res);
  put("pci-rb: configuration (");
  put(rt_status_name(s));
  put(") ");
  if (s == EFI_SUCCESS && res) put_hex(res, acpi_resources_size(res));
  put("\n");
  line("pci-rb: set-attributes same=%s unsupported=%s", rt_status_name(rb->SetAttributes(rb, attributes, 0, 0)),
       rt_status_name(rb->SetAttributes(rb, attributes | 0x80000000ULL, 0, 0)));
  /* Mem/Io at every function's BARs */
  UINT64 memAt = 0, ioAt = 0;
  hs = 0;
  n = 0;
  if (rt_bs->LocateHandleBuffer(ByProtocol, &gPciIo, 0, &n, &hs) == EFI_SUCCESS) {
    for (UINTN i = 0; i < n; i++) {
      EFI_PCI_IO_PROTOCOL *io = 0;
      if (rt_bs->HandleProtocol(hs[i], &gPciIo, (void **)&io) != EFI_SUCCESS) continue;
      for (UINT8 bar = 0; bar < 6; bar++) {
        UINT64 base = 0, len = 0;
        int t = bar_info(io, bar, &base, &len);
        static UINT8 buf[64];
        if (t == 0) {
          UINT64 cnt = len < 64 ? len / 4 : 16;
          EFI_STATUS m = rb->Mem.Read(rb, EfiPciIoWidthUint32, base, cnt, buf);
          line("pci-rb: mem-read handle %lu bar %u (%s)", (UINT64)i, bar, rt_status_name(m));
          put("pci-rb: mem-data ");
          put_hex(buf, cnt * 4);
          put("\n");
          if (!memAt) memAt = base;
        } else if (t == 1) {
          UINT64 cnt = len < 16 ? len : 16;
          EFI_STATUS m = rb->Io.Read(rb, EfiPciIoWidthUint8, base, cnt, buf);
          line("pci-rb: io-read handle %lu bar %u (%s)", (UINT64)i, bar, rt_status_name(m));
          put("pci-rb: io-data ");
          put_hex(buf, cnt);
          put("\n");
          if (!ioAt) ioAt = base;
        }
      }
    }
    rt_bs->FreePool(hs);
  }
  UINT32 v = 0;
  UINT64 r = 0, r2 = 0;
  line("pci-rb: mem-read checks below-aperture=%s misaligned=%s null=%s width-12=%s overflow=%s",
       rt_status_name(rb->Mem.Read(rb, EfiPciIoWidthUint32, 0x1000, 1, &v)),
       rt_status_name(memAt ? rb->Mem.Read(rb, EfiPciIoWidthUint32, memAt + 2, 1, &v) : EFI_NOT_FOUND),
       rt_status_name(rb->Mem.Read(rb, EfiPciIoWidthUint32, memAt, 1, 0)),
       rt_status_name(rb->Mem.Read(rb, 12, memAt, 1, &v)),
       rt_status_name(rb->Mem.Read(rb, EfiPciIoWidthUint32, 0xFFFFFFFFFFFFFFF0ULL, 8, &v)));
  line("pci-rb: io-read checks below-aperture=%s misaligned=%s above-64k=%s",
       rt_status_name(rb->Io.Read(rb, EfiPciIoWidthUint8, 0x5000, 1, &v)),
       rt_status_name(ioAt ? rb->Io.Read(rb, EfiPciIoWidthUint16, ioAt + 1, 1, &v) : EFI_NOT_FOUND),
       rt_status_name(rb->Io.Read(rb, EfiPciIoWidthUint8, 0x10000, 1, &v)));
  if (memAt) {
    EFI_STATUS a = rb->PollMem(rb, EfiPciIoWidthUint32, memAt, 0, 0, 0, &r);
    EFI_STATUS b2 = rb->PollMem(rb, EfiPciIoWidthUint32, memAt, 0xFFFFFFFF, ~r & 0xFFFFFFFF, 10, &r2);
    line("pci-rb: poll-mem match (%s) 0x%lx timeout (%s) 0x%lx fifo=%s null=%s", rt_status_name(a), r,
         rt_status_name(b2), r2, rt_status_name(rb->PollMem(rb, EfiPciIoWidthFifoUint32, memAt, 0, 0, 0, &r)),
         rt_status_name(rb->PollMem(rb, EfiPciIoWidthUint32, memAt, 0, 0, 0, 0)));
    line("pci-rb: copy-mem same=%s fifo=%s below-aperture=%s",
         rt_status_name(rb->CopyMem(rb, EfiPciIoWidthUint32, memAt, memAt, 4)),
         rt_status_name(rb->CopyMem(rb, EfiPciIoWidthFifoUint32, memAt, memAt + 16, 4)),
         rt_status_name(rb->CopyMem(rb, EfiPciIoWidthUint32, memAt, 0x1000, 1)));
  }
  if (ioAt) {
    EFI_STATUS a = rb->PollIo(rb, EfiPciIoWidthUint8, ioAt, 0, 0, 0, &r);
    EFI_STATUS b2 = rb->PollIo(rb, EfiPciIoWidthUint8, ioAt, 0xFF, ~r & 0xFF, 10, &r2);
    line("pci-rb: poll-io match (%s) 0x%lx timeout (%s) 0x%lx", rt_status_name(a), r, rt_status_name(b2), r2);
  }
  /* DMA */
  void *host = 0;
  s = rb->AllocateBuffer(rb, AllocateAnyPages, EfiBootServicesData, 2, &host, 0);
  line("pci-rb: allocate-buffer (%s) below-4g=%s aligned=%s bad-attributes=%s loader-data=%s null=%s", rt_status_name(s),
       (UINT64)host < 0x100000000ULL ? "yes" : "no", ((UINT64)host & 0xFFF) == 0 ? "yes" : "no",
       rt_status_name(rb->AllocateBuffer(rb, AllocateAnyPages, EfiBootServicesData, 1, &host, EFI_PCI_ATTRIBUTE_IO)),
       rt_status_name(rb->AllocateBuffer(rb, AllocateAnyPages, EfiLoaderData, 1, &host, 0)),
       rt_status_name(rb->AllocateBuffer(rb, AllocateAnyPages, EfiBootServicesData, 1, 0, 0)));
  if (s == EFI_SUCCESS) {
    for (UINTN op = 0; op < 7; op++) {
      UINTN bytes = 0x1800;
      EFI_PHYSICAL_ADDRESS dev = 0;
      void *mapping = 0;
      EFI_STATUS m = rb->Map(rb, op, host, &bytes, &dev, &mapping);
      line("pci-rb: map operation %lu (%s) bytes=0x%lx identity=%s no-mapping=%s unmap=%s", (UINT64)op, rt_status_name(m),
           (UINT64)bytes, dev == (EFI_PHYSICAL_ADDRESS)(UINTN)host ? "yes" : "no",
           mapping == (void *)-1 ? "yes" : "no", m == EFI_SUCCESS ? rt_status_name(rb->Unmap(rb, mapping)) : "-");
    }
    UINTN bytes = 16;
    EFI_PHYSICAL_ADDRESS dev = 0;
    line("pci-rb: map checks null-host=%s null-mapping=%s unmap-unknown=%s free=%s",
         rt_status_name(rb->Map(rb, 0, 0, &bytes, &dev, (void **)&host)),
         rt_status_name(rb->Map(rb, 0, host, &bytes, &dev, 0)),
         rt_status_name(rb->Unmap(rb, (void *)host)),
         rt_status_name(rb->FreeBuffer(rb, 2, host)));
  }
}

static void pci(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(ByProtocol, &gRootBridge, 0, &n, &hs);
  line("pci: root-bridges=%lu (%s)", (UINT64)n, rt_status_name(s));
  for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
    EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
    if (rt_bs->HandleProtocol(hs[i], &gRootBridge, (void **)&rb) != EFI_SUCCESS) continue;
    UINT32 id = 0;
    EFI_STATUS r = rb->Pci.Read(rb, EfiPciIoWidthUint32, 0, 1, &id); /* bus 0, device 0, function 0, register 0 */
    line("pci: root-bridge %lu segment=%u read-00:00.0=0x%08x (%s)", (UINT64)i, rb->SegmentNumber, id,
         rt_status_name(r));
    EFI_DEVICE_PATH *dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gDevicePath, (void **)&dp) == EFI_SUCCESS && dp) {
      put("pci: root-bridge device-path ");
      put_hex(dp, dp_size(dp));
      put("\n");
    }
  }
  if (s == EFI_SUCCESS) rt_bs->FreePool(hs);
  n = 0;
  hs = 0;
  s = rt_bs->LocateHandleBuffer(ByProtocol, &gPciIo, 0, &n, &hs);
  line("pci: devices=%lu (%s)", (UINT64)n, rt_status_name(s));
  for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
    EFI_PCI_IO_PROTOCOL *io = 0;
    if (rt_bs->HandleProtocol(hs[i], &gPciIo, (void **)&io) != EFI_SUCCESS) continue;
    UINTN seg = 0, bus = 0, dev = 0, fn = 0;
    EFI_STATUS r = io->GetLocation(io, &seg, &bus, &dev, &fn);
    static UINT32 cfg[64];
    EFI_STATUS c = io->Pci.Read(io, EfiPciIoWidthUint32, 0, 64, cfg);
    UINT64 attr = 0, supported = 0;
    io->Attributes(io, EfiPciIoAttributeOperationGet, 0, &attr);
    io->Attributes(io, EfiPciIoAttributeOperationSupported, 0, &supported);
    line("pci: device %04lx:%02lx:%02lx.%lx (%s) vendor=%04x device=%04x class=%06x attributes=0x%lx supported=0x%lx "
         "rom-size=%lu config=%s",
         (UINT64)seg, (UINT64)bus, (UINT64)dev, (UINT64)fn, rt_status_name(r), cfg[0] & 0xFFFF, cfg[0] >> 16,
         cfg[2] >> 8, attr, supported, (UINT64)io->RomSize, rt_status_name(c));
    put("pci-config: ");
    put_hex(cfg, sizeof cfg);
    put("\n");
    EFI_DEVICE_PATH *dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gDevicePath, (void **)&dp) == EFI_SUCCESS && dp) {
      put("pci: device-path ");
      put_hex(dp, dp_size(dp));
      put("\n");
    }
    pci_rom_and_bars(io);
    pci_bar_masks(io);
    pci_poll_copy_setbar(io);
  }
  if (s == EFI_SUCCESS) rt_bs->FreePool(hs);
  pci_root_bridge_io();
}

static void graphics(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(ByProtocol, &gGop, 0, &n, &hs);
  line("gop: handles=%lu (%s)", (UINT64)n, rt_status_name(s));
  if (s != EFI_SUCCESS || n == 0) return;
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = 0;
  s = rt_bs->HandleProtocol(hs[0], &gGop, (void **)&gop);
  if (s != EFI_SUCCESS) {
    line("gop: HandleProtocol = %s", rt_status_name(s));
    return;
  }
  EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *m = gop->Mode;
  line("gop: max-mode=%u mode=%u fb-base=0x%lx fb-size=0x%lx", m->MaxMode, m->Mode, m->FrameBufferBase,
       (UINT64)m->FrameBufferSize);
  EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *ci = m->Info;
  line("gop: current %ux%u format=%u scanline=%u info-size=%lu", ci->HorizontalResolution, ci->VerticalResolution,
       ci->PixelFormat, ci->PixelsPerScanLine, (UINT64)m->SizeOfInfo);
  for (UINT32 i = 0; i < m->MaxMode; i++) {
    UINTN size = 0;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = 0;
    s = gop->QueryMode(gop, i, &size, &info);
    if (s != EFI_SUCCESS) {
      line("gop: mode %u = %s", i, rt_status_name(s));
      continue;
    }
    line("gop: mode %u = %ux%u format=%u scanline=%u masks=%x/%x/%x/%x", i, info->HorizontalResolution,
         info->VerticalResolution, info->PixelFormat, info->PixelsPerScanLine, info->PixelInformation.RedMask,
         info->PixelInformation.GreenMask, info->PixelInformation.BlueMask, info->PixelInformation.ReservedMask);
    rt_bs->FreePool(info);
  }
  rt_bs->FreePool(hs);
}

static void text(void) {
  SIMPLE_TEXT_OUTPUT_INTERFACE *o = rt_st->ConOut;
  SIMPLE_TEXT_OUTPUT_MODE *m = o->Mode;
  line("text: max-mode=%d mode=%d attribute=0x%x cursor=%d,%d visible=%d", m->MaxMode, m->Mode, m->Attribute,
       m->CursorColumn, m->CursorRow, m->CursorVisible);
  for (INT32 i = 0; i < m->MaxMode; i++) {
    UINTN c = 0, r = 0;
    EFI_STATUS s = o->QueryMode(o, i, &c, &r);
    if (s == EFI_SUCCESS) line("text: mode %d = %lux%lu", i, (UINT64)c, (UINT64)r);
    else line("text: mode %d = %s", i, rt_status_name(s));
  }
}

static void console_in(void) {
  void *ex = 0;
  EFI_STATUS s = rt_bs->HandleProtocol(rt_st->ConsoleInHandle, &gTextInEx, &ex);
  line("conin: SimpleTextInputEx on ConsoleInHandle = %s", rt_status_name(s));
  EFI_INPUT_KEY key;
  s = rt_st->ConIn->ReadKeyStroke(rt_st->ConIn, &key);
  line("conin: ReadKeyStroke (no key) = %s", rt_status_name(s));
  void *out = 0;
  s = rt_bs->HandleProtocol(rt_st->ConsoleOutHandle, &gGop, &out);
  line("conout: GOP on ConsoleOutHandle = %s", rt_status_name(s));
}

static void serial(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(ByProtocol, &gSerial, 0, &n, &hs);
  line("serial: handles=%lu (%s)", (UINT64)n, rt_status_name(s));
  if (s != EFI_SUCCESS || n == 0) return;
  SERIAL_IO_INTERFACE *io = 0;
  s = rt_bs->HandleProtocol(hs[0], &gSerial, (void **)&io);
  if (s == EFI_SUCCESS)
    line("serial: revision 0x%x control-mask=0x%x timeout=%u baud=%lu fifo=%u data-bits=%u parity=%u stop-bits=%u",
         io->Revision, io->Mode->ControlMask, io->Mode->Timeout, io->Mode->BaudRate, io->Mode->ReceiveFifoDepth,
         io->Mode->DataBits, io->Mode->Parity, io->Mode->StopBits);
  rt_bs->FreePool(hs);
}

typedef struct {
  EFI_STATUS(EFIAPI *GetInfo)(void *This, UINTN *Size, EFI_GUID *List);
  EFI_STATUS(EFIAPI *GetRNG)(void *This, EFI_GUID *Alg, UINTN Len, UINT8 *Value);
} RNG;

static void rng(void) {
  RNG *r = 0;
  EFI_STATUS s = rt_bs->LocateProtocol(&gRng, 0, (void **)&r);
  line("rng: LocateProtocol = %s", rt_status_name(s));
  if (s != EFI_SUCCESS) return;
  EFI_GUID list[8];
  UINTN size = sizeof list;
  s = r->GetInfo(r, &size, list);
  line("rng: GetInfo = %s size=%lu", rt_status_name(s), (UINT64)size);
  for (UINTN i = 0; s == EFI_SUCCESS && i < size / sizeof(EFI_GUID) && i < 8; i++) {
    put("rng: algorithm ");
    put_guid(&list[i]);
    put("\n");
  }
  UINT8 v[16];
  s = r->GetRNG(r, 0, sizeof v, v);
  line("rng: GetRNG(default, 16) = %s", rt_status_name(s));
}

static const UINT8 *find_table(const char *sig) {
  for (UINTN i = 0; i < rt_st->NumberOfTableEntries; i++) {
    if (memcmp(&rt_st->ConfigurationTable[i].VendorGuid, &gAcpi20, sizeof(EFI_GUID))) continue;
    const UINT8 *rsdp = rt_st->ConfigurationTable[i].VendorTable;
    const UINT8 *xsdt = (const UINT8 *)*(const UINT64 *)(rsdp + 24);
    if (!sig) return xsdt;
    UINT32 len = *(const UINT32 *)(xsdt + 4);
    for (UINT32 o = 36; o + 8 <= len; o += 8) {
      const UINT8 *t = (const UINT8 *)*(const UINT64 *)(xsdt + o);
      if (!memcmp(t, sig, 4)) return t;
    }
  }
  return 0;
}

static void acpi(void) {
  const UINT8 *xsdt = find_table(0);
  if (!xsdt) {
    line("acpi: no ACPI 2.0 RSDP");
    return;
  }
  put("acpi: xsdt");
  UINT32 len = *(const UINT32 *)(xsdt + 4);
  for (UINT32 o = 36; o + 8 <= len; o += 8) {
    const UINT8 *t = (const UINT8 *)*(const UINT64 *)(xsdt + o);
    char b[8] = {' ', (char)t[0], (char)t[1], (char)t[2], (char)t[3], 0};
    put(b);
  }
  put("\n");
  const UINT8 *f = find_table("FACP");
  if (!f) return;
  UINT32 flen = *(const UINT32 *)(f + 4);
  line("acpi: FADT revision %u length %u sci=%u smi-cmd=0x%x pm1a-evt=0x%x pm1a-cnt=0x%x pm-tmr=0x%x pm1-evt-len=%u "
       "pm1-cnt-len=%u flags=0x%x",
       f[8], flen, *(const UINT16 *)(f + 46), *(const UINT32 *)(f + 48), *(const UINT32 *)(f + 56),
       *(const UINT32 *)(f + 64), *(const UINT32 *)(f + 76), f[88], f[89], *(const UINT32 *)(f + 112));
  if (flen >= 129) line("acpi: FADT reset-reg space=%u address=0x%lx value=0x%x", f[116], *(const UINT64 *)(f + 120), f[128]);
  const UINT8 *dsdt = flen >= 148 && *(const UINT64 *)(f + 140) ? (const UINT8 *)*(const UINT64 *)(f + 140)
                                                                : (const UINT8 *)(UINT64) * (const UINT32 *)(f + 40);
  UINT32 dlen = *(const UINT32 *)(dsdt + 4);
  line("acpi: DSDT length %u revision %u", dlen, dsdt[8]);
  for (UINT32 i = 36; i + 12 <= dlen; i++) {
    /* NameOp '_S5_' PackageOp PkgLength NumElements then the elements (ByteConst 0x0A nn, Zero 0x00, One 0x01) */
    if (dsdt[i] == 0x08 && !memcmp(dsdt + i + 1, "_S5_", 4) && dsdt[i + 5] == 0x12) {
      put("acpi: DSDT _S5 ");
      put_hex(dsdt + i, 12);
      put("\n");
      return;
    }
  }
  line("acpi: DSDT has no _S5");
}

static void handles(void) {
  char b[256];
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs);
  line("handle: count=%lu (%s)", (UINT64)n, rt_status_name(s));
  if (s != EFI_SUCCESS) return;
  for (UINTN i = 0; i < n; i++) {
    EFI_GUID **guids = 0;
    UINTN count = 0;
    s = rt_bs->ProtocolsPerHandle(hs[i], &guids, &count);
    line("handle: %03lu protocols=%lu", (UINT64)i, (UINT64)count);
    for (UINTN k = 0; s == EFI_SUCCESS && k < count; k++) {
      void *iface = 0;
      EFI_STATUS h = rt_bs->HandleProtocol(hs[i], guids[k], &iface);
      put("handle: ");
      put_guid(guids[k]);
      put(h == EFI_SUCCESS && !iface ? " null\n" : "\n");
    }
    if (s == EFI_SUCCESS) rt_bs->FreePool(guids);
    EFI_DEVICE_PATH *dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gDevicePath, (void **)&dp) == EFI_SUCCESS && dp) {
      put("handle: device-path ");
      put_hex(dp, dp_size(dp));
      put("\n");
    }
    dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gImageDevicePath, (void **)&dp) == EFI_SUCCESS && dp) {
      put("handle: image-device-path ");
      put_hex(dp, dp_size(dp));
      put("\n");
    }
    EFI_LOADED_IMAGE *li = 0;
    if (rt_bs->HandleProtocol(hs[i], &gLoadedImage, (void **)&li) == EFI_SUCCESS && li) {
      char parent[8] = "none", device[8] = "none";
      for (UINTN k = 0; k < n; k++) {
        if (li->ParentHandle && hs[k] == li->ParentHandle) rt_snprintf(parent, sizeof parent, "%03lu", (UINT64)k);
        if (li->DeviceHandle && hs[k] == li->DeviceHandle) rt_snprintf(device, sizeof device, "%03lu", (UINT64)k);
      }
      rt_snprintf(b, sizeof b, "handle: loaded-image revision=0x%x parent=%s device=%s code=%u data=%u size=0x%lx "
                  "options=%u file-path=", li->Revision, parent, device, li->ImageCodeType, li->ImageDataType,
                  li->ImageSize, li->LoadOptionsSize);
      put(b);
      if (li->FilePath) put_hex(li->FilePath, dp_size(li->FilePath));
      put("\n");
    }
  }
  rt_bs->FreePool(hs);
}

/*
 * dpt: the device path protocols of UEFI 2.10 §10.5-10.6 (utilities, to text, from text), on the device paths of real
 * handles and on fixed texts: every handle's device path and loaded image device path to text (full, and display-only
 * with shortcuts), back from text (compared with the bytes), its size, multi-instance flag and duplicate; the console
 * variables' multi-instance paths instance by instance; fixed texts to bytes and back to text. Returned buffers are
 * freed. Lines never carry addresses or handle indexes.
 */
static EFI_GUID gToText = EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID;
static EFI_GUID gFromText = EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL_GUID;
static EFI_GUID gDpUtil = EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID;
static EFI_GUID gGlobalVariable = EFI_GLOBAL_VARIABLE;
static EFI_DEVICE_PATH_TO_TEXT_PROTOCOL *dp_to;
static EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL *dp_from;
static EFI_DEVICE_PATH_UTILITIES_PROTOCOL *dp_util;

/* " <name>=<text>" (NULL when the conversion gave none); frees the string. */
static void put_text(const char *name, CHAR16 *t) {
  put(" ");
  put(name);
  put("=");
  if (!t) {
    put("NULL");
    return;
  }
  put_ucs2(t);
  rt_bs->FreePool(t);
}

static void put_path_hex(const char *name, EFI_DEVICE_PATH *p) {
  put(" ");
  put(name);
  put("=");
  if (p) put_hex(p, dp_size(p));
  else put("NULL");
}

/* One device path: text forms, back from text, size, multi-instance, duplicate. */
static void dpt_path(const char *what, EFI_DEVICE_PATH *dp) {
  put("dpt: ");
  put(what);
  put_text("text", dp_to->ConvertDevicePathToText(dp, FALSE, FALSE));
  put("\n");
  put("dpt: ");
  put(what);
  put_text("display", dp_to->ConvertDevicePathToText(dp, TRUE, TRUE));
  put("\n");
  CHAR16 *t = dp_to->ConvertDevicePathToText(dp, FALSE, FALSE);
  EFI_DEVICE_PATH *back = t ? dp_from->ConvertTextToDevicePath(t) : 0;
  if (t) rt_bs->FreePool(t);
  UINTN n = dp_size(dp);
  char b[128];
  rt_snprintf(b, sizeof b, "dpt: %s size=%lu multi=%u back=", what, (UINT64)dp_util->GetDevicePathSize(dp),
              (UINT32)dp_util->IsDevicePathMultiInstance(dp));
  put(b);
  if (back && dp_size(back) == n && !memcmp(back, dp, n)) put("same");
  else if (back) put_hex(back, dp_size(back));
  else put("NULL");
  if (back) rt_bs->FreePool(back);
  EFI_DEVICE_PATH *dup = dp_util->DuplicateDevicePath(dp);
  put(dup && dp_size(dup) == n && !memcmp(dup, dp, n) ? " dup=same\n" : " dup=differs\n");
  if (dup) rt_bs->FreePool(dup);
}

static void dpt_instances(EFI_DEVICE_PATH *dp) {
  EFI_DEVICE_PATH *at = dp;
  for (int k = 0; at && k < 16; k++) {
    UINTN size = 0;
    EFI_DEVICE_PATH *i = dp_util->GetNextDevicePathInstance(&at, &size);
    char b[96];
    rt_snprintf(b, sizeof b, "dpt: instance %d size=%lu next=%s", k, (UINT64)size, at ? "set" : "NULL");
    put(b);
    put_path_hex("copy", i);
    put("\n");
    if (i) rt_bs->FreePool(i);
  }
}

static const char *const dpt_texts[] = {
    "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,12345678-9ABC-DEF0-1234-56789ABCDEF0,0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI",
    "PciRoot(0)/Pci(31,2)/Sata(0,,0)",
    "Acpi(PNP0A03,0)/Pci(0x1,0x1)/Ata(Primary,Master,0x0)/HD(1,MBR,0xBE1AFDFA,0x3F,0xFBFC1)",
    "Acpi(PNP0A03,0)/Pci(0x1,0x1)/Ata(Secondary,Slave,0x2)/CDROM(0x0,0x10,0x20)",
    "PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(DEFAULT,DEFAULT,N,1)/VenPcAnsi()",
    "Uart(115200,8,E,1.5)/UartFlowCtrl(Hardware)/VenVt100Plus()/VenUtf8()/VenVt100()/DebugPort()",
    "Uart(9600,7,O,2)/UartFlowCtrl(XonXoff)/Uart(0,0,S,D)/UartFlowCtrl(None)",
    "VenHw(12345678-9ABC-DEF0-1234-56789ABCDEF0,0102030405)/VenMsg(12345678-9abc-def0-1234-56789abcdef0,abc)",
    "VenMedia(12345678-9ABC-DEF0-1234-56789ABCDEF0)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)",
    "Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(462CAA21-7614-4503-836E-8AB6F4662331)",
    "Path(1,1,0203)/HardwarePath(5,01000000)/AcpiPath(3,0000000000000000)/Msg(200,07)/MediaPath(200,00)",
    "BbsPath(1,0100000041424300)/BbsPath(1,3412000058595A00)/Path(200,9,0a)/Path(3,255)",
    "UsbHID(0xFFFF,0xFFFF,0x1,0x1)/UsbClass(0x46F4,0x1,0x8,0x6,0x50)/UsbMassStorage(,,,)/UsbIrdaBridge(0x1,0x2,0x3)",
    "UsbClass(0x1,0x2,0xFE,0x3,0x4)/UsbClass(0x1,0x2,0xFE,0x9,0x4)/UsbWireless(0x1,0x2,0x3,0x4)",
    "PcieRoot(0x1)/Pci(0x0,0x0)/Ctrl(0x2)/Scsi(0x1,0x2)/Unit(0x3)/USB(0x1,0x0)/I2O(0x5)/Fibre(0x1234,0x5)",
    "MemoryMapped(0xB,0x1000,0x1FFF)/BMC(0x1,0xCA2)/PcCard(0x3)/Floppy(0x1)/Keyboard(0x0)/ParallelPort(0x0)",
    "AcpiAdr(0x80010100,0x80010200,0x3)/Acpi(0x12345678,0x9)/Acpi(PNP0501,0x1)",
    "CDROM(0x0,0x10,0x20)/Media(12345678-9ABC-DEF0-1234-56789ABCDEF0)/Offset(0x1000,0x1FFF)",
    "Sata(0x0,0x0,0x0),PciRoot(0x0)/Pci(0x2,0x0),\\a.efi",
    "Pci( 0x1, 2)/xyz/Pci(0x00002,000)",
    "HD(2,GPT,not-a-guid,0x1,0x2)/HD(3,7,0,0x1,0x2)",
    "Pci(0x1F",
    "\\EFI\\BOOT\\BOOTX64.EFI",
    "PciRoot(0x0)/Pci(0x1,0x0)/AcpiAdr(0x80010100)",
    0};

static void to_char16(const char *s, CHAR16 *out, UINTN max) {
  UINTN i = 0;
  for (; s[i] && i + 1 < max; i++) out[i] = (CHAR16)(UINT8)s[i];
  out[i] = 0;
}

static void device_path_protocols(void) {
  EFI_STATUS a = rt_bs->LocateProtocol(&gDpUtil, 0, (void **)&dp_util);
  EFI_STATUS b = rt_bs->LocateProtocol(&gToText, 0, (void **)&dp_to);
  EFI_STATUS c = rt_bs->LocateProtocol(&gFromText, 0, (void **)&dp_from);
  line("dpt: protocols utilities=%s to-text=%s from-text=%s", rt_status_name(a), rt_status_name(b), rt_status_name(c));
  if (a != EFI_SUCCESS || b != EFI_SUCCESS || c != EFI_SUCCESS) return;
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) != EFI_SUCCESS) return;
  for (UINTN i = 0; i < n; i++) {
    EFI_DEVICE_PATH *dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gDevicePath, (void **)&dp) == EFI_SUCCESS && dp) dpt_path("path", dp);
    dp = 0;
    if (rt_bs->HandleProtocol(hs[i], &gImageDevicePath, (void **)&dp) == EFI_SUCCESS && dp) dpt_path("image", dp);
  }
  rt_bs->FreePool(hs);
  /* the console variables: multi-instance paths */
  static const char *const vars[] = {"ConOut", "ConIn", "ErrOut", "ConOutDev", 0};
  for (int v = 0; vars[v]; v++) {
    CHAR16 vn[16];
    to_char16(vars[v], vn, 16);
    UINTN size = sizeof data;
    UINT32 attr = 0;
    EFI_STATUS s = rt_st->RuntimeServices->GetVariable(vn, &gGlobalVariable, &attr, &size, data);
    line("dpt: variable %s = %s", vars[v], rt_status_name(s));
    if (s != EFI_SUCCESS) continue;
    EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *)data;
    dpt_path("variable", dp);
    dpt_instances(dp);
    EFI_DEVICE_PATH *twice = dp_util->AppendDevicePathInstance(dp, dp);
    put("dpt: append-instance");
    if (twice) {
      char bb[64];
      rt_snprintf(bb, sizeof bb, " size=%lu multi=%u", (UINT64)dp_util->GetDevicePathSize(twice),
                  (UINT32)dp_util->IsDevicePathMultiInstance(twice));
      put(bb);
      put_text("text", dp_to->ConvertDevicePathToText(twice, FALSE, TRUE));
      rt_bs->FreePool(twice);
    } else {
      put(" NULL");
    }
    put("\n");
  }
  /* fixed texts: to bytes, back to text, node by node */
  static CHAR16 t[512];
  for (int k = 0; dpt_texts[k]; k++) {
    to_char16(dpt_texts[k], t, 512);
    EFI_DEVICE_PATH *p = dp_from->ConvertTextToDevicePath(t);
    put("dpt: from \"");
    put(dpt_texts[k]);
    put("\"");
    put_path_hex("bytes", p);
    put("\n");
    if (!p) continue;
    put("dpt: back");
    put_text("text", dp_to->ConvertDevicePathToText(p, FALSE, FALSE));
    put_text("display", dp_to->ConvertDevicePathToText(p, TRUE, TRUE));
    put("\n");
    put("dpt: nodes");
    for (EFI_DEVICE_PATH *q = p; !(q->Type == 0x7F && q->SubType == 0xFF);
         q = (EFI_DEVICE_PATH *)((UINT8 *)q + (q->Length[0] | q->Length[1] << 8))) {
      put_text("node", dp_to->ConvertDeviceNodeToText(q, k & 1, (k >> 1) & 1));
      EFI_DEVICE_PATH *one = dp_from->ConvertTextToDeviceNode(L"Pci(0x3,0x4)");
      EFI_DEVICE_PATH *more = dp_util->AppendDeviceNode(q, one);
      put_path_hex("+node", more);
      if (one) rt_bs->FreePool(one);
      if (more) rt_bs->FreePool(more);
      if ((q->Length[0] | q->Length[1] << 8) < 4) break;
    }
    put("\n");
    rt_snprintf((char *)data, 128, "dpt: utilities size=%lu multi=%u", (UINT64)dp_util->GetDevicePathSize(p),
                (UINT32)dp_util->IsDevicePathMultiInstance(p));
    put((char *)data);
    EFI_DEVICE_PATH *both = dp_util->AppendDevicePath(p, p);
    put_path_hex("append", both);
    if (both) rt_bs->FreePool(both);
    put("\n");
    rt_bs->FreePool(p);
  }
  /* NULL and edge cases */
  EFI_DEVICE_PATH *e = dp_util->AppendDevicePath(0, 0);
  put("dpt: edge");
  put_path_hex("append-null-null", e);
  if (e) rt_bs->FreePool(e);
  EFI_DEVICE_PATH *node = dp_util->CreateDeviceNode(4, 4, 10);
  put(" create-4-4-10=");
  if (node) put_hex(node, 10);
  else put("NULL");
  EFI_DEVICE_PATH *alone = dp_util->AppendDeviceNode(0, node);
  put_path_hex("append-node-null", alone);
  if (alone) rt_bs->FreePool(alone);
  if (node) rt_bs->FreePool(node);
  node = dp_util->CreateDeviceNode(1, 1, 3);
  put_path_hex("create-1-1-3", node);
  static UINT8 bad_file[] = {4, 4, 8, 0, 'A', 0, 'B', 0, 0x7F, 0xFF, 4, 0};
  static UINT8 bad_end[] = {1, 1, 6, 0, 0, 0, 0x7F, 0xFF, 5, 0, 0};
  static UINT8 bad_len[] = {1, 1, 2, 0, 0x7F, 0xFF, 4, 0};
  char eb[160];
  rt_snprintf(eb, sizeof eb, " size-unterminated-file=%lu size-long-end=%lu size-short-node=%lu multi-short-node=%u",
              (UINT64)dp_util->GetDevicePathSize((EFI_DEVICE_PATH *)bad_file),
              (UINT64)dp_util->GetDevicePathSize((EFI_DEVICE_PATH *)bad_end),
              (UINT64)dp_util->GetDevicePathSize((EFI_DEVICE_PATH *)bad_len),
              (UINT32)dp_util->IsDevicePathMultiInstance((EFI_DEVICE_PATH *)bad_len));
  put(eb);
  EFI_DEVICE_PATH *d = dp_util->DuplicateDevicePath((EFI_DEVICE_PATH *)bad_file);
  put_path_hex("dup-unterminated-file", d);
  EFI_DEVICE_PATH *none = dp_from->ConvertTextToDevicePath(L"");
  put_path_hex("from-empty", none);
  put_text("to-text-null", dp_to->ConvertDevicePathToText(0, FALSE, FALSE));
  put("\n");
}

/*
 * locate: LocateHandleBuffer(ByProtocol) for every protocol GUID some handle has (in the order the GUIDs first appear
 * in the handle list): the handles it returns as indexes into the AllHandles list. EDK2 returns a protocol's handles in
 * the order their interfaces were installed, which is not always the handle list's order.
 */
static void locate_orders(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) != EFI_SUCCESS) return;
  static EFI_GUID seen[512];
  UINTN count = 0;
  for (UINTN i = 0; i < n; i++) {
    EFI_GUID **guids = 0;
    UINTN m = 0;
    if (rt_bs->ProtocolsPerHandle(hs[i], &guids, &m) != EFI_SUCCESS) continue;
    for (UINTN k = 0; k < m; k++) {
      int known = 0;
      for (UINTN j = 0; j < count && !known; j++) known = !memcmp(&seen[j], guids[k], sizeof(EFI_GUID));
      if (!known && count < 512) seen[count++] = *guids[k];
    }
    rt_bs->FreePool(guids);
  }
  for (UINTN j = 0; j < count; j++) {
    UINTN found = 0;
    EFI_HANDLE *by = 0;
    EFI_STATUS s = rt_bs->LocateHandleBuffer(ByProtocol, &seen[j], 0, &found, &by);
    put("locate: ");
    put_guid(&seen[j]);
    char b[48];
    rt_snprintf(b, sizeof b, " (%s) n=%lu", rt_status_name(s), (UINT64)found);
    put(b);
    for (UINTN k = 0; s == EFI_SUCCESS && k < found; k++) {
      UINTN at = n;
      for (UINTN i = 0; i < n && at == n; i++)
        if (hs[i] == by[k]) at = i;
      rt_snprintf(b, sizeof b, "%s%03lu", k ? "," : " ", (UINT64)at);
      put(b);
    }
    put("\n");
    if (s == EFI_SUCCESS) rt_bs->FreePool(by);
  }
  rt_bs->FreePool(hs);
}

/*
 * image: every handle with EFI_LOADED_IMAGE_PROTOCOL: its ImageBase and ImageSize (where the firmware loaded the
 * image; the same on every boot of one machine) and whether Unload is set. debug-image: the EFI_DEBUG_IMAGE_INFO_TABLE
 * (UEFI 2.10 §18.4.3): UpdateStatus, TableSize, then per entry its ImageInfoType and the ImageHandle as an index into the
 * AllHandles list (or "none"), and whether its LoadedImageProtocolInstance is the handle's EFI_LOADED_IMAGE_PROTOCOL.
 */
static EFI_GUID gDebugImageInfo = {0x49152e77, 0x1ada, 0x4764, {0xb7, 0xa2, 0x7a, 0xfe, 0xfe, 0xd9, 0x5e, 0x8b}};

static void images_and_debug_table(void) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) != EFI_SUCCESS) return;
  for (UINTN i = 0; i < n; i++) {
    EFI_LOADED_IMAGE *li = 0;
    if (rt_bs->HandleProtocol(hs[i], &gLoadedImage, (void **)&li) != EFI_SUCCESS || !li) continue;
    line("image: %03lu base=0x%lx size=0x%lx unload=%s", (UINT64)i, (UINT64)li->ImageBase, li->ImageSize,
         li->Unload ? "set" : "null");
  }
  const UINT8 *t = table(&gDebugImageInfo);
  if (!t) {
    line("debug-image: none");
  } else {
    UINT32 status = *(const volatile UINT32 *)t;
    UINT32 size = *(const UINT32 *)(t + 4);
    const UINT64 *entries = *(const UINT64 *const *)(t + 8);
    line("debug-image: update-status=0x%x table-size=%u", status, size);
    for (UINT32 k = 0; entries && k < size && k < 1024; k++) {
      const UINT32 *e = (const UINT32 *)entries[k];
      if (!e) {
        line("debug-image: %u empty", k);
        continue;
      }
      EFI_LOADED_IMAGE *li = *(EFI_LOADED_IMAGE *const *)(e + 2);
      EFI_HANDLE h = *(EFI_HANDLE const *)(e + 4);
      char at[8] = "none";
      for (UINTN i = 0; i < n; i++)
        if (hs[i] == h) rt_snprintf(at, sizeof at, "%03lu", (UINT64)i);
      EFI_LOADED_IMAGE *own = 0;
      EFI_STATUS s = h ? rt_bs->HandleProtocol(h, &gLoadedImage, (void **)&own) : EFI_NOT_FOUND;
      line("debug-image: %u type=%u handle=%s loaded-image=%s", k, e[0], at,
           s == EFI_SUCCESS && own == li ? "handle's" : "other");
    }
  }
  rt_bs->FreePool(hs);
}

/*
 * EFI_DISK_INFO_PROTOCOL (PI 1.7 vol. 5 §12.9; gnu-efi has no header: the structure by hand) on every handle: its
 * Interface GUID, WhichIde and Identify's status and model string (ATA IDENTIFY words 27-46).
 */
typedef struct _DISK_INFO {
  EFI_GUID Interface;
  EFI_STATUS(EFIAPI *Inquiry)(struct _DISK_INFO *, void *, UINT32 *);
  EFI_STATUS(EFIAPI *Identify)(struct _DISK_INFO *, void *, UINT32 *);
  EFI_STATUS(EFIAPI *SenseData)(struct _DISK_INFO *, void *, UINT32 *, UINT8 *);
  EFI_STATUS(EFIAPI *WhichIde)(struct _DISK_INFO *, UINT32 *, UINT32 *);
} DISK_INFO;

static void disk_info(void) {
  static EFI_GUID gDiskInfo = {0xd432a67f, 0x14dc, 0x484b, {0xb3, 0xbb, 0x3f, 0x02, 0x91, 0x84, 0x93, 0x27}};
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(ByProtocol, &gDiskInfo, 0, &n, &hs);
  line("diskinfo: count=%lu (%s)", (UINT64)n, rt_status_name(s));
  for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
    DISK_INFO *di = 0;
    if (rt_bs->HandleProtocol(hs[i], &gDiskInfo, (void **)&di) != EFI_SUCCESS || !di) continue;
    UINT32 channel = 0xEEEE, device = 0xEEEE;
    EFI_STATUS w = di->WhichIde(di, &channel, &device);
    static UINT16 id[256];
    UINT32 size = sizeof id;
    EFI_STATUS d = di->Identify(di, id, &size);
    char model[41];
    for (int k = 0; k < 20; k++) {
      UINT16 v = d == EFI_SUCCESS ? id[27 + k] : 0x2020;
      model[2 * k] = (char)(v >> 8) >= 0x20 && (char)(v >> 8) < 0x7F ? (char)(v >> 8) : '?';
      model[2 * k + 1] = (char)v >= 0x20 && (char)v < 0x7F ? (char)v : '?';
    }
    int end = 40;
    while (end > 0 && model[end - 1] == ' ') end--;
    model[end] = 0;
    put("diskinfo: ");
    put_guid(&di->Interface);
    line(" which-ide (%s) channel=%u device=%u identify (%s) size=%u model=%s", rt_status_name(w), channel, device,
         rt_status_name(d), size, model);
  }
  if (s == EFI_SUCCESS) rt_bs->FreePool(hs);
}

/*
 * open: OpenProtocolInformation (UEFI 2.10 §7.3.11) for every handle (LocateHandleBuffer AllHandles) and every protocol
 * (ProtocolsPerHandle), neither of which opens anything. One line per entry: handle index, protocol, AgentHandle and
 * ControllerHandle as indexes into the same list ("none" for NULL, "gone" for a handle not in the list), Attributes,
 * OpenCount; then the totals.
 */
static UINTN index_of(EFI_HANDLE *hs, UINTN n, EFI_HANDLE h) {
  for (UINTN i = 0; i < n; i++)
    if (hs[i] == h) return i;
  return (UINTN)-1;
}

/* the handle list of the first dump: every dump names handles by their index in it ("new" for a later handle) */
static EFI_HANDLE *first;
static UINTN first_n;

static void handle_text(char *b, UINTN size, EFI_HANDLE *hs, UINTN n, EFI_HANDLE h) {
  UINTN k = index_of(first, first_n, h);
  if (h && k == (UINTN)-1 && index_of(hs, n, h) != (UINTN)-1) {
    rt_snprintf(b, size, "new");
    return;
  }
  if (!h)
    rt_snprintf(b, size, "none");
  else if (k == (UINTN)-1)
    rt_snprintf(b, size, "gone");
  else
    rt_snprintf(b, size, "%03lu", (UINT64)k);
}

static void open_information(const char *tag, int check) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs);
  if (s != EFI_SUCCESS) {
    line("%s: handles (%s)", tag, rt_status_name(s));
    return;
  }
  if (!first) {
    first = hs; /* kept: the later dumps and unload: name handles by their index in it */
    first_n = n;
  }
  UINTN total = 0, byDriver = 0, child = 0;
  for (UINTN i = 0; i < n; i++) {
    EFI_GUID **guids = 0;
    UINTN count = 0;
    if (rt_bs->ProtocolsPerHandle(hs[i], &guids, &count) != EFI_SUCCESS) continue;
    for (UINTN k = 0; k < count; k++) {
      EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
      UINTN m = 0;
      s = rt_bs->OpenProtocolInformation(hs[i], guids[k], &e, &m);
      char g[37], at[8];
      handle_text(at, sizeof at, hs, n, hs[i]);
      guid_text(guids[k], g);
      if (s != EFI_SUCCESS) {
        line("%s: %s %s (%s)", tag, at, g, rt_status_name(s));
        continue;
      }
      for (UINTN j = 0; j < m; j++) {
        char agent[8], controller[8];
        handle_text(agent, sizeof agent, hs, n, e[j].AgentHandle);
        handle_text(controller, sizeof controller, hs, n, e[j].ControllerHandle);
        line("%s: %s %s agent=%s controller=%s attributes=0x%x count=%u", tag, at, g, agent, controller,
             e[j].Attributes, e[j].OpenCount);
        total++;
        if (e[j].Attributes & EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER) child++;
        if (!(e[j].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER)) continue;
        byDriver++;
        if (!check) continue;
        void *iface = 0;
        EFI_STATUS other = rt_bs->OpenProtocol(hs[i], guids[k], &iface, rt_image, hs[i], EFI_OPEN_PROTOCOL_BY_DRIVER);
        void *same = 0;
        EFI_STATUS again = rt_bs->OpenProtocol(hs[i], guids[k], &same, e[j].AgentHandle, e[j].ControllerHandle,
                                               e[j].Attributes);
        line("open-check: %s %s agent=%s by-driver (%s) interface=%s same (%s) interface=%s", at, g, agent,
             rt_status_name(other), iface ? "set" : "null", rt_status_name(again), same ? "set" : "null");
      }
      if (e) rt_bs->FreePool(e);
    }
    rt_bs->FreePool(guids);
  }
  line("%s: entries=%lu by-driver=%lu by-child-controller=%lu handles=%lu", tag, (UINT64)total, (UINT64)byDriver,
       (UINT64)child, (UINT64)n);
  if (hs != first) rt_bs->FreePool(hs);
}

/*
 * unload: gBS->UnloadImage (UEFI 2.10 §7.4.6) of every driver image whose LoadedImage.Unload is set, in handle order
 * (EDK2's CoreUnloadImage calls the image's Unload, then frees the image), with the status and the number of handles
 * left. It changes the firmware, so it runs last.
 */
static void unload_drivers(void) {
  static UINT8 gone[4096];
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &n, &hs) != EFI_SUCCESS || n > sizeof gone) return;
  for (UINTN i = 0; i < n; i++) {
    EFI_LOADED_IMAGE *li = 0;
    if (hs[i] == rt_image || gone[i]) continue;
    if (rt_bs->HandleProtocol(hs[i], &gLoadedImage, (void **)&li) != EFI_SUCCESS || !li || !li->Unload) continue;
    EFI_STATUS s = rt_bs->UnloadImage(hs[i]);
    UINTN left = 0;
    EFI_HANDLE *now = 0;
    char b[200];
    UINTN at = 0;
    b[0] = 0;
    if (rt_bs->LocateHandleBuffer(AllHandles, 0, 0, &left, &now) == EFI_SUCCESS) {
      for (UINTN k = 0; k < n; k++) {
        if (gone[k] || index_of(now, left, hs[k]) != (UINTN)-1) continue;
        gone[k] = 1;
        if (at + 5 < sizeof b) at += rt_snprintf(b + at, sizeof b - at, "%s%03lu", at ? "," : "", (UINT64)k);
      }
      rt_bs->FreePool(now);
    }
    line("unload: %03lu (%s) handles=%lu gone=%s", (UINT64)i, rt_status_name(s), (UINT64)left, at ? b : "none");
  }
  rt_bs->FreePool(hs);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  put("\nfw: firmware-probe begin\n");
  open_information("open", 1);
  firmware();
  variables();
  query_variable_info();
  configuration_tables();
  configuration_data();
  graphics();
  text();
  console_in();
  serial();
  rng();
  acpi();
  pci();
  disk_info();
  handles();
  device_path_protocols();
  locate_orders();
  images_and_debug_table();
  open_information("open-after", 0);
  unload_drivers();
  open_information("open-unloaded", 0);
  put("fw: firmware-probe end\n");
  rt_st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  return EFI_SUCCESS;
}
