/*
 * loader-probes: what boot loaders ask of the DXE services table, the HOB list and the PCI protocols, done the way
 * they do it, printed on ConOut one fact a line:
 *   - Linux's EFI stub (x86, CONFIG_EFI_DXE_MEM_ATTRIBUTES): finds the DXE services table among the configuration
 *     tables, checks its signature, GetMemorySpaceDescriptor on its own image to see whether EFI_MEMORY_XP/RO must
 *     be cleared; efi_pci_disable_bridge_busmaster: LocateHandleBuffer(ByProtocol, PciIo), Pci.Read of the vendor ID
 *     (Uint16) and the class/revision (Uint32), PCI-to-PCI bridges only are touched;
 *   - Xen's EFI loader (setup_efi_pci): the same handles, skipping functions with no RomImage/RomSize, GetLocation;
 *   - a PCI walk through the root bridge (GRUB-style 0xCF8 walks' EFI equivalent): Pci.Read of every device of bus 0;
 *   - a HOB list consumer: walks to END_OF_HOB_LIST;
 *   - calls efiemu does not model (DXE AddMemorySpace), the root bridge Mem.Read and GetBarAttributes of a function
 *     without BARs (the host bridge: EFI_UNSUPPORTED, as on OVMF): their status.
 */
#include "efiemu_rt.h"

static EFI_GUID gPciIo = EFI_PCI_IO_PROTOCOL_GUID;
static EFI_GUID gRootBridge = EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_GUID;
static EFI_GUID gDxe = {0x05ad34ba, 0x6f02, 0x4214, {0x95, 0x2e, 0x4d, 0xa0, 0x39, 0x8e, 0x2b, 0xb9}};
static EFI_GUID gHob = {0x7739f24c, 0x93d7, 0x11d4, {0x9a, 0x3a, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}};
static EFI_GUID gLoadedImage = LOADED_IMAGE_PROTOCOL;

typedef struct {
  UINT64 BaseAddress, Length, Capabilities, Attributes;
  UINT32 GcdMemoryType;
  void *ImageHandle, *DeviceHandle;
} GCD_DESCRIPTOR;

typedef struct {
  EFI_TABLE_HEADER Hdr;
  EFI_STATUS(EFIAPI *AddMemorySpace)(UINT32 Type, UINT64 Base, UINT64 Length, UINT64 Capabilities);
  void *AllocateMemorySpace, *FreeMemorySpace, *RemoveMemorySpace;
  EFI_STATUS(EFIAPI *GetMemorySpaceDescriptor)(UINT64 Base, GCD_DESCRIPTOR *Descriptor);
  EFI_STATUS(EFIAPI *SetMemorySpaceAttributes)(UINT64 Base, UINT64 Length, UINT64 Attributes);
  EFI_STATUS(EFIAPI *GetMemorySpaceMap)(UINTN *Count, GCD_DESCRIPTOR **Map);
} DXE_SERVICES;

static void *table(EFI_SYSTEM_TABLE *st, EFI_GUID *g) {
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
    if (!memcmp(&st->ConfigurationTable[i].VendorGuid, g, sizeof *g)) return st->ConfigurationTable[i].VendorTable;
  return 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  DXE_SERVICES *dxe = table(st, &gDxe);
  if (!dxe || dxe->Hdr.Signature != 0x565245535f455844ULL) {
    rt_printf("dxe: no DXE services table\n");
  } else {
    EFI_LOADED_IMAGE *li = 0;
    bs->HandleProtocol(image, &gLoadedImage, (void **)&li);
    GCD_DESCRIPTOR d;
    EFI_STATUS s = dxe->GetMemorySpaceDescriptor((UINT64)li->ImageBase, &d);
    rt_printf("dxe: GetMemorySpaceDescriptor(image) = %s type=%u covers=%d attributes=0x%lx xp-or-ro=%d\n",
              rt_status_name(s), d.GcdMemoryType,
              d.BaseAddress <= (UINT64)li->ImageBase && (UINT64)li->ImageBase < d.BaseAddress + d.Length,
              d.Attributes, (d.Attributes & (0x4000 | 0x20000)) != 0);
    UINTN n = 0;
    GCD_DESCRIPTOR *map = 0;
    s = dxe->GetMemorySpaceMap(&n, &map);
    UINT64 end = 0;
    int gaps = 0;
    for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
      if (map[i].BaseAddress != end) gaps++;
      end = map[i].BaseAddress + map[i].Length;
    }
    rt_printf("dxe: GetMemorySpaceMap = %s entries>10=%d gaps=%d top=0x%lx\n", rt_status_name(s), n > 10, gaps, end);
    if (s == EFI_SUCCESS) rt_printf("dxe: FreePool(map) = %s\n", rt_status_name(bs->FreePool(map)));
    s = dxe->SetMemorySpaceAttributes(d.BaseAddress, 0x1000, d.Attributes | 0x8);
    rt_printf("dxe: SetMemorySpaceAttributes(WB) = %s\n", rt_status_name(s));
    s = dxe->AddMemorySpace(2, 0x100000000000ULL, 0x1000, 0xF);
    rt_printf("dxe: AddMemorySpace = %s\n", rt_status_name(s));
  }
  UINT8 *hob = table(st, &gHob);
  if (hob) {
    int count = 0;
    while (*(UINT16 *)hob != 0xFFFF && count < 10000) {
      hob += *(UINT16 *)(hob + 2);
      count++;
    }
    rt_printf("hob: walked to END_OF_HOB_LIST after %s\n", count > 3 ? "more than 3 HOBs" : "3 HOBs or fewer");
  }
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  EFI_STATUS s = bs->LocateHandleBuffer(ByProtocol, &gPciIo, 0, &n, &hs);
  rt_printf("pci: PciIo handles=%lu (%s)\n", (UINT64)n, rt_status_name(s));
  for (UINTN i = 0; s == EFI_SUCCESS && i < n; i++) {
    EFI_PCI_IO_PROTOCOL *pci = 0;
    bs->HandleProtocol(hs[i], &gPciIo, (void **)&pci);
    UINT16 vendor = 0;
    UINT32 class_rev = 0;
    EFI_STATUS r1 = pci->Pci.Read(pci, EfiPciIoWidthUint16, 0, 1, &vendor);
    EFI_STATUS r2 = pci->Pci.Read(pci, EfiPciIoWidthUint32, 8, 1, &class_rev);
    UINTN seg, bus, dev, fn;
    EFI_STATUS r3 = pci->GetLocation(pci, &seg, &bus, &dev, &fn);
    UINT64 attr = 0;
    EFI_STATUS r4 = pci->Attributes(pci, EfiPciIoAttributeOperationGet, 0, &attr);
    rt_printf("pci: %02lx:%02lx.%lx vendor=%04x class=%06x bridge=%d rom=%s attributes=0x%lx (%s %s %s %s)\n", bus, dev,
              fn, vendor, class_rev >> 8, (class_rev >> 16) == 0x0604, pci->RomImage && pci->RomSize ? "yes" : "no",
              attr, rt_status_name(r1), rt_status_name(r2), rt_status_name(r3), rt_status_name(r4));
    if (i == 0) {
      EFI_STATUS e = pci->Attributes(pci, EfiPciIoAttributeOperationEnable, 0x80000000000ULL, 0);
      rt_printf("pci: Attributes(Enable, unsupported bit) = %s\n", rt_status_name(e));
      void *res = 0;
      UINT64 supports = 0;
      e = pci->GetBarAttributes(pci, 0, &supports, &res);
      rt_printf("pci: GetBarAttributes = %s\n", rt_status_name(e));
    }
  }
  if (s == EFI_SUCCESS) bs->FreePool(hs);
  EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
  s = bs->LocateProtocol(&gRootBridge, 0, (void **)&rb);
  rt_printf("rootbridge: LocateProtocol = %s\n", rt_status_name(s));
  if (s == EFI_SUCCESS) {
    int present = 0;
    for (UINT32 dev = 0; dev < 32; dev++) {
      UINT32 id = 0;
      rb->Pci.Read(rb, EfiPciIoWidthUint32, (UINT64)dev << 16, 1, &id);
      if (id != 0xFFFFFFFF) {
        present++;
        rt_printf("rootbridge: 00:%02x.0 id=%08x\n", dev, id);
      }
    }
    rt_printf("rootbridge: bus 0 devices answering=%d\n", present);
    UINT32 v = 0;
    s = rb->Mem.Read(rb, EfiPciIoWidthUint32, 0xC0000000ULL, 1, &v);
    rt_printf("rootbridge: Mem.Read = %s\n", rt_status_name(s));
  }
  return EFI_SUCCESS;
}
