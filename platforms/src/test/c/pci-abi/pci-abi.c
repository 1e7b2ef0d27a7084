/*
 * pci-abi: EFI_PCI_IO_PROTOCOL (UEFI 2.10 §14.4) as a loader or driver calls it, on the stdvga function (00:01.0: ROM,
 * memory BARs 0 = framebuffer and 2 = MMIO registers), the AHCI function (00:1f.2: I/O BAR 4) and the host bridge
 * (00:00.0: no BARs), with good arguments and with wild ones (NULL, pointers into no RAM, misaligned offsets, widths
 * and BARs out of range, a Mapping never handed out). Prints one line per call: "name = STATUS [values]".
 */
#include "efiemu_rt.h"

static EFI_GUID gPciIo = EFI_PCI_IO_PROTOCOL_GUID;
#define WILD ((void *)0xFFFFFFF000000000ULL) /* no RAM there */

static EFI_PCI_IO_PROTOCOL *find(EFI_BOOT_SERVICES *bs, UINTN bus, UINTN dev, UINTN fn) {
  UINTN n = 0;
  EFI_HANDLE *hs = 0;
  if (bs->LocateHandleBuffer(ByProtocol, &gPciIo, 0, &n, &hs) != EFI_SUCCESS) return 0;
  for (UINTN i = 0; i < n; i++) {
    EFI_PCI_IO_PROTOCOL *io = 0;
    UINTN s, b, d, f;
    bs->HandleProtocol(hs[i], &gPciIo, (void **)&io);
    if (io->GetLocation(io, &s, &b, &d, &f) == EFI_SUCCESS && b == bus && d == dev && f == fn) return io;
  }
  return 0;
}

#define P(name, call) rt_printf("%s = %s\n", name, rt_status_name(call))

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_PCI_IO_PROTOCOL *vga = find(bs, 0, 1, 0), *sata = find(bs, 0, 0x1f, 2), *host = find(bs, 0, 0, 0);
  if (!vga || !sata || !host) {
    rt_printf("functions not found\n");
    return EFI_NOT_FOUND;
  }
  const UINT8 *rom = vga->RomImage;
  rt_printf("rom: size=%lu signature=%02x%02x\n", (UINT64)vga->RomSize, rom ? rom[0] : 0, rom ? rom[1] : 0);
  EFI_MEMORY_DESCRIPTOR map[256];
  UINTN size = sizeof map, key, dsize;
  UINT32 ver;
  bs->GetMemoryMap(&size, map, &key, &dsize, &ver);
  int inBsData = 0;
  for (UINTN i = 0; i < size / dsize; i++) {
    EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * dsize);
    if ((UINT64)(UINTN)rom >= d->PhysicalStart && (UINT64)(UINTN)rom + vga->RomSize <= d->PhysicalStart + d->NumberOfPages * 4096)
      inBsData = d->Type == EfiBootServicesData;
  }
  rt_printf("rom: in EfiBootServicesData=%d\n", inBsData);

  /* Mem.Read / Io.Read */
  UINT32 edid[2] = {0, 0};
  P("Mem.Read(vga bar 2, Uint32 x2)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 0, 2, edid));
  rt_printf("edid: %08x %08x\n", edid[0], edid[1]);
  UINT32 beyond = 0;
  P("Mem.Read(vga bar 2, offset 0x500)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 0x500, 1, &beyond));
  rt_printf("beyond: %08x\n", beyond);
  UINT32 pixel = 0x00123456, back = 0;
  P("Mem.Write(vga bar 0, framebuffer)", vga->Mem.Write(vga, EfiPciIoWidthUint32, 0, 0x100, 1, &pixel));
  P("Mem.Read(vga bar 0, framebuffer)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 0, 0x100, 1, &back));
  rt_printf("framebuffer: %08x at bar 0 + 0x100 reads %08x\n", *(volatile UINT32 *)(UINTN)(0xC0000100ULL), back);
  UINT8 io[4] = {1, 1, 1, 1};
  P("Io.Read(sata bar 4, Uint8 x4)", sata->Io.Read(sata, EfiPciIoWidthUint8, 4, 0, 4, io));
  rt_printf("io: %02x%02x%02x%02x\n", io[0], io[1], io[2], io[3]);
  P("Mem.Read(sata bar 4 is I/O)", sata->Mem.Read(sata, EfiPciIoWidthUint32, 4, 0, 1, &back));
  P("Mem.Read(host bridge bar 0)", host->Mem.Read(host, EfiPciIoWidthUint32, 0, 0, 1, &back));
  P("Mem.Read(bar 6)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 6, 0, 1, &back));
  P("Mem.Read(misaligned offset)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 2, 1, &back));
  P("Mem.Read(past the BAR)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 0x1000, 1, &back));
  P("Mem.Read(width 12)", vga->Mem.Read(vga, (EFI_PCI_IO_PROTOCOL_WIDTH)12, 2, 0, 1, &back));
  P("Mem.Read(Buffer NULL)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 0, 1, 0));
  P("Mem.Read(Buffer wild)", vga->Mem.Read(vga, EfiPciIoWidthUint32, 2, 0, 1, WILD));

  /* GetBarAttributes */
  UINT64 supports = 7;
  void *res = 0;
  EFI_STATUS s = vga->GetBarAttributes(vga, 0, &supports, &res);
  const UINT8 *r = res;
  rt_printf("GetBarAttributes(vga bar 0) = %s supports=0x%lx desc=%02x type=%u base=0x%lx len=0x%lx end=%02x\n",
            rt_status_name(s), supports, r ? r[0] : 0, r ? r[3] : 0, r ? *(const UINT64 *)(r + 14) : 0,
            r ? *(const UINT64 *)(r + 38) : 0, r ? r[46] : 0);
  if (res) P("FreePool(resources)", bs->FreePool(res));
  P("GetBarAttributes(vga bar 1)", vga->GetBarAttributes(vga, 1, &supports, &res));
  P("GetBarAttributes(both NULL)", vga->GetBarAttributes(vga, 0, 0, 0));
  P("GetBarAttributes(Supports only)", vga->GetBarAttributes(vga, 2, &supports, 0));
  P("GetBarAttributes(Resources wild)", vga->GetBarAttributes(vga, 0, 0, WILD));
  P("GetBarAttributes(Supports misaligned)", vga->GetBarAttributes(vga, 0, (UINT64 *)((UINT8 *)&supports + 1), 0));

  /* DMA */
  void *buf = 0;
  s = vga->AllocateBuffer(vga, AllocateAnyPages, EfiBootServicesData, 2, &buf, 0);
  rt_printf("AllocateBuffer(2 pages) = %s below4g=%d aligned=%d\n", rt_status_name(s),
            (UINT64)(UINTN)buf + 0x2000 <= 0x100000000ULL, ((UINTN)buf & 0xFFF) == 0);
  UINTN bytes = 0x2000;
  EFI_PHYSICAL_ADDRESS device = 0;
  void *mapping = 0;
  s = vga->Map(vga, EfiPciIoOperationBusMasterCommonBuffer, buf, &bytes, &device, &mapping);
  rt_printf("Map(common buffer) = %s identity=%d bytes=0x%lx mapping=0x%lx\n", rt_status_name(s),
            device == (EFI_PHYSICAL_ADDRESS)(UINTN)buf, (UINT64)bytes, (UINT64)(UINTN)mapping);
  P("Unmap", vga->Unmap(vga, mapping));
  P("Unmap(never handed out)", vga->Unmap(vga, (void *)0x1234));
  P("Map(operation 3)", vga->Map(vga, (EFI_PCI_IO_PROTOCOL_OPERATION)3, buf, &bytes, &device, &mapping));
  P("Map(NumberOfBytes NULL)", vga->Map(vga, EfiPciIoOperationBusMasterRead, buf, 0, &device, &mapping));
  P("Map(DeviceAddress wild)", vga->Map(vga, EfiPciIoOperationBusMasterRead, buf, &bytes, WILD, &mapping));
  P("Map(Mapping misaligned)", vga->Map(vga, EfiPciIoOperationBusMasterRead, buf, &bytes, &device,
                                        (void **)((UINT8 *)&mapping + 1)));
  P("FreeBuffer", vga->FreeBuffer(vga, 2, buf));
  P("FreeBuffer(again)", vga->FreeBuffer(vga, 2, buf));
  P("AllocateBuffer(EfiLoaderData)", vga->AllocateBuffer(vga, AllocateAnyPages, EfiLoaderData, 1, &buf, 0));
  P("AllocateBuffer(attribute IO)", vga->AllocateBuffer(vga, AllocateAnyPages, EfiBootServicesData, 1, &buf, 0x100));
  P("AllocateBuffer(HostAddress NULL)", vga->AllocateBuffer(vga, AllocateAnyPages, EfiBootServicesData, 1, 0, 0));
  P("AllocateBuffer(HostAddress wild)", vga->AllocateBuffer(vga, AllocateAnyPages, EfiBootServicesData, 1, WILD, 0));

  /* PollMem/PollIo, CopyMem, SetBarAttributes */
  UINT64 result = 0;
  P("PollMem", vga->PollMem(vga, EfiPciIoWidthUint32, 2, 0, 0, 0, 0, &result));
  rt_printf("poll: 0x%lx\n", result);
  P("PollMem(no match, Delay 100 us)", vga->PollMem(vga, EfiPciIoWidthUint32, 2, 0, 0xFFFFFFFF, 0x12345678, 1000, &result));
  P("PollMem(Result wild)", vga->PollMem(vga, EfiPciIoWidthUint32, 2, 0, 0, 0, 0, WILD));
  P("PollMem(Result misaligned)", vga->PollMem(vga, EfiPciIoWidthUint32, 2, 0, 0, 0, 0, (UINT64 *)((UINT8 *)&result + 1)));
  P("PollIo(Result wild)", sata->PollIo(sata, EfiPciIoWidthUint8, 4, 0, 0, 0, 0, WILD));
  UINT64 off = 0, len = 0x1000;
  P("SetBarAttributes", vga->SetBarAttributes(vga, 0, 0, &off, &len));
  P("SetBarAttributes(Offset wild)", vga->SetBarAttributes(vga, 0, 0, WILD, &len));
  P("SetBarAttributes(Length misaligned)", vga->SetBarAttributes(vga, 0, 0, &off, (UINT64 *)((UINT8 *)&len + 4)));
  UINT32 word = 0x00ABCDEF, back2 = 0;
  vga->Mem.Write(vga, EfiPciIoWidthUint32, 0, 0x200, 1, &word);
  P("CopyMem(framebuffer 0x200 -> 0x300)", vga->CopyMem(vga, EfiPciIoWidthUint32, 0, 0x300, 0, 0x200, 1));
  vga->Mem.Read(vga, EfiPciIoWidthUint32, 0, 0x300, 1, &back2);
  rt_printf("copied: %08x\n", back2);

  /* the root bridge */
  static EFI_GUID gRb = EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_GUID;
  EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
  if (bs->LocateProtocol(&gRb, 0, (void **)&rb) != EFI_SUCCESS) {
    rt_printf("no root bridge\n");
    return EFI_NOT_FOUND;
  }
  UINT64 sup = 0, att = 0;
  P("RootBridge.GetAttributes", rb->GetAttributes(rb, &sup, &att));
  rt_printf("root bridge: supports=0x%lx attributes=0x%lx\n", sup, att);
  P("RootBridge.GetAttributes(Supported wild)", rb->GetAttributes(rb, WILD, &att));
  void *cres = 0;
  P("RootBridge.Configuration", rb->Configuration(rb, &cres));
  rt_printf("configuration: %02x\n", cres ? *(UINT8 *)cres : 0);
  P("RootBridge.Configuration(Resources wild)", rb->Configuration(rb, WILD));
  UINT32 edid2[2] = {0, 0};
  P("RootBridge.Mem.Read(vga bar 2)", rb->Mem.Read(rb, EfiPciIoWidthUint32, 0xC1011000ULL, 2, edid2));
  rt_printf("rb edid: %08x %08x\n", edid2[0], edid2[1]);
  P("RootBridge.Mem.Read(Buffer wild)", rb->Mem.Read(rb, EfiPciIoWidthUint32, 0xC1011000ULL, 1, WILD));
  P("RootBridge.PollMem(Result wild)", rb->PollMem(rb, EfiPciIoWidthUint32, 0xC1011000ULL, 0, 0, 0, WILD));
  void *hbuf = 0;
  P("RootBridge.AllocateBuffer", rb->AllocateBuffer(rb, AllocateAnyPages, EfiBootServicesData, 1, &hbuf, 0));
  UINTN n = 0x1000;
  EFI_PHYSICAL_ADDRESS dev = 0;
  void *map2 = 0;
  P("RootBridge.Map(Mapping wild)", rb->Map(rb, EfiPciOperationBusMasterRead64, hbuf, &n, &dev, WILD));
  P("RootBridge.Map(BusMasterRead64)", rb->Map(rb, EfiPciOperationBusMasterRead64, hbuf, &n, &dev, &map2));
  P("RootBridge.Unmap", rb->Unmap(rb, map2));
  P("RootBridge.FreeBuffer", rb->FreeBuffer(rb, 1, hbuf));
  return EFI_SUCCESS;
}
