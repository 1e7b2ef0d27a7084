/*
 * ovmf-probe entry point and the fixed sequence of memory-service edge cases (UEFI 2.10 §7.2 Memory
 * Allocation Services, §7.4 ExitBootServices; EDK2 MdeModulePkg/Core/Dxe/Mem/Page.c and Pool.c).
 *
 * Order (fixed; the step numbers are part of the output format):
 *   1. GetMemoryMap into a static buffer before anything else; print it (COM1 only, nothing allocated). Then
 *      the free runs inside the memory-type bins ("bin:" lines, bins.c; the scan frees all it allocates).
 *   2. AllocatePages / FreePages / AllocatePool / FreePool / GetMemoryMap edge cases, results kept in a
 *      static array (no output in between).
 *   3. LoadedImage (HandleProtocol) for the header, then the ExitBootServices sequence: GetMemoryMap,
 *      EBS with a stale key, GetMemoryMap again, EBS with the right key.
 *   4. After ExitBootServices: LoadedImage, identity (CPUID/SMBIOS/ACPI), step lines and the final map on COM1;
 *      ResetSystem(EfiResetShutdown).
 */
#include "probe.h"

static UINT8 entry_map[PROBE_MAP_BYTES] __attribute__((aligned(16)));
static UINT8 work_map[PROBE_MAP_BYTES] __attribute__((aligned(16)));
static UINT8 final_map[PROBE_MAP_BYTES] __attribute__((aligned(16)));

/* AllocatePages with the given input *Memory; records the call, the status and *Memory afterwards. */
static EFI_PHYSICAL_ADDRESS pages(EFI_ALLOCATE_TYPE type, UINT32 mtype, UINTN count, EFI_PHYSICAL_ADDRESS in) {
  EFI_PHYSICAL_ADDRESS mem = in;
  EFI_STATUS s = rt_bs->AllocatePages(type, mtype, count, &mem);
  if (s == EFI_SUCCESS)
    step("AllocatePages(%s, %s, 0x%lx, 0x%lx) = %s -> 0x%lx", alloc_type_name(type), type_name(mtype),
         (UINT64)count, in, rt_status_name(s), mem);
  else
    step("AllocatePages(%s, %s, 0x%lx, 0x%lx) = %s, *Memory %s", alloc_type_name(type), type_name(mtype),
         (UINT64)count, in, rt_status_name(s), mem == in ? "unchanged" : "CHANGED");
  return s == EFI_SUCCESS ? mem : 0;
}

static void free_pages(EFI_PHYSICAL_ADDRESS at, UINTN count) {
  EFI_STATUS s = rt_bs->FreePages(at, count);
  step("FreePages(0x%lx, 0x%lx) = %s", at, (UINT64)count, rt_status_name(s));
}

/* AllocatePool; the result is shown as page + offset, the pool block layout being part of the answer. */
static void *pool(UINT32 ptype, UINTN size) {
  void *p = 0;
  EFI_STATUS s = rt_bs->AllocatePool(ptype, size, &p);
  UINT64 a = (UINT64)p;
  if (s == EFI_SUCCESS)
    step("AllocatePool(%s, %lu) = %s -> 0x%lx (page 0x%lx + 0x%03lx)", type_name(ptype), (UINT64)size,
         rt_status_name(s), a, a & ~(UINT64)0xFFF, a & 0xFFF);
  else
    step("AllocatePool(%s, %lu) = %s", type_name(ptype), (UINT64)size, rt_status_name(s));
  return s == EFI_SUCCESS ? p : 0;
}

/* GetMemoryMap with an explicit buffer and size; records status, returned size and descriptor size. */
static UINTN last_key;
static EFI_STATUS memory_map(UINT8 *buf, UINTN in_size, const char *what, int compare_key) {
  UINTN size = in_size, key = 0xDEAD, dsz = 0;
  UINT32 dver = 0;
  EFI_STATUS s = rt_bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)buf, &key, &dsz, &dver);
  const char *k = !compare_key ? "" : key == last_key ? ", MapKey same" : ", MapKey changed";
  step("GetMemoryMap(%s, size %lu) = %s, size %lu (%lu x %lu), version %u%s", what, (UINT64)in_size,
       rt_status_name(s), (UINT64)size, dsz ? (UINT64)(size / dsz) : 0, (UINT64)dsz, dver, k);
  last_key = key;
  return s;
}

static void allocate_pages_cases(void) {
  EFI_PHYSICAL_ADDRESS any1 = pages(AllocateAnyPages, EfiLoaderData, 1, 0);
  pages(AllocateAnyPages, EfiLoaderData, 1, 0);
  pages(AllocateAnyPages, EfiLoaderData, 16, 0);
  pages(AllocateAnyPages, EfiLoaderData, 0, 0);
  pages(AllocateAnyPages, EfiLoaderData, 0x1000000, 0);
  static const UINT64 max_addresses[] = {0x100000, 0xFFFFF, 0x100FFF, 0x100800, 0x1000000, 0xFFF, 0x1FFF, 0,
                                         0xFFFFFFFF, 0xFFFFFFFFFFFFFFFFull};
  for (UINTN i = 0; i < sizeof max_addresses / sizeof max_addresses[0]; i++)
    pages(AllocateMaxAddress, EfiLoaderData, 1, max_addresses[i]);
  pages(AllocateMaxAddress, EfiLoaderData, 16, 0x100000); /* Xen's 64 KiB trampoline request */
  pages(AllocateAddress, EfiLoaderData, 1, any1);         /* in use */
  pages(AllocateAddress, EfiLoaderData, 1, 0);            /* page 0 */
  pages(AllocateAddress, EfiLoaderData, 1, 0xA0000);      /* legacy VGA hole */
  pages(AllocateAddress, EfiLoaderData, 1, 0x200000000);  /* no RAM */
  pages(AllocateAddress, EfiLoaderData, 1, 0x2234);       /* not page aligned */
  pages(AllocateAddress, EfiLoaderData, 0, 0x3000);       /* 0 pages */
  EFI_PHYSICAL_ADDRESS low = pages(AllocateAddress, EfiLoaderData, 1, 0x3000);
  EFI_PHYSICAL_ADDRESS at32m = pages(AllocateAddress, EfiLoaderData, 4, 0x2000000);
  pages(3, EfiLoaderData, 1, 0); /* MaxAllocateType */
  static const UINT32 invalid_types[] = {7, 0xE, 0xF, 0x10, 0x6FFFFFFF};
  for (UINTN i = 0; i < sizeof invalid_types / sizeof invalid_types[0]; i++)
    pages(AllocateAnyPages, invalid_types[i], 1, 0);
  static const UINT32 odd_types[] = {EfiUnusableMemory, EfiMemoryMappedIO, 0x70000000, 0x80000000, 0xFFFFFFFF};
  for (UINTN i = 0; i < sizeof odd_types / sizeof odd_types[0]; i++)
    pages(AllocateAnyPages, odd_types[i], 1, 0);
  EFI_STATUS s = rt_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, 0);
  step("AllocatePages(AllocateAnyPages, EfiLoaderData, 0x1, NULL) = %s", rt_status_name(s));
  static const UINT32 binned[] = {EfiRuntimeServicesData, EfiRuntimeServicesCode, EfiReservedMemoryType,
                                  EfiACPIReclaimMemory, EfiACPIMemoryNVS, EfiBootServicesData, EfiBootServicesCode,
                                  EfiLoaderCode};
  for (UINTN i = 0; i < sizeof binned / sizeof binned[0]; i++)
    pages(AllocateAnyPages, binned[i], 1, 0);
  pages(AllocateAnyPages, EfiRuntimeServicesData, 0x200, 0); /* larger than its bin */

  /* FreePages (EDK2 CoreInternalFreePages) */
  EFI_PHYSICAL_ADDRESS four = pages(AllocateAnyPages, EfiLoaderData, 4, 0);
  if (four) {
    free_pages(four + 0x800, 1);
    free_pages(four, 0);
    free_pages(four + 0x1000, 2); /* the middle 2 of 4 */
    free_pages(four + 0x1000, 1); /* already free */
    free_pages(four, 1);
    free_pages(four + 0x3000, 1);
  }
  free_pages(0x300000000, 1);
  if (low) free_pages(low, 1);
  if (at32m) free_pages(at32m, 4);
}

static void allocate_pool_cases(void) {
  static const UINTN sizes[] = {1, 8, 24, 100, 128, 2000, 2648, 2649, 4000, 4072, 4073, 5000, 100000, 0};
  void *first = 0;
  for (UINTN i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *p = pool(EfiLoaderData, sizes[i]);
    if (!first) first = p;
  }
  pool(0x20, 16);
  pool(0x80000001, 16);
  pool(EfiRuntimeServicesData, 16);
  EFI_STATUS s = rt_bs->AllocatePool(EfiLoaderData, 16, 0);
  step("AllocatePool(EfiLoaderData, 16, NULL) = %s", rt_status_name(s));
  if (first) {
    s = rt_bs->FreePool(first);
    step("FreePool(first pool block) = %s", rt_status_name(s));
    pool(EfiLoaderData, 1); /* LIFO free list: the same block again */
  }
}

static void memory_map_cases(void) {
  UINTN key = 0, dsz = 0;
  UINT32 dver = 0;
  EFI_STATUS s = rt_bs->GetMemoryMap(0, (EFI_MEMORY_DESCRIPTOR *)work_map, &key, &dsz, &dver);
  step("GetMemoryMap(MemoryMapSize NULL) = %s", rt_status_name(s));
  memory_map(work_map, 0, "buffer", 0);
  memory_map(work_map, 8, "buffer", 0);
  memory_map(0, 0x10000, "NULL", 0);
  memory_map(work_map, sizeof work_map, "buffer", 0);
  memory_map(work_map, sizeof work_map, "buffer", 1);
  EFI_PHYSICAL_ADDRESS p = pages(AllocateAnyPages, EfiLoaderData, 1, 0);
  memory_map(work_map, sizeof work_map, "buffer", 1);
  if (p) free_pages(p, 1);
  memory_map(work_map, sizeof work_map, "buffer", 1);
}

static void print_image(EFI_STATUS li_status, EFI_LOADED_IMAGE *li) {
  if (li_status == EFI_SUCCESS && li)
    out("probe: LoadedImage ImageBase=0x%lx ImageSize=0x%lx ImageCodeType=%s ImageDataType=%s", (UINT64)li->ImageBase,
        li->ImageSize, type_name(li->ImageCodeType), type_name(li->ImageDataType));
  else
    out("probe: LoadedImage = %s", rt_status_name(li_status));
}

/*
 * The end of a run on a real machine (started from a USB stick: \EFI\BOOT\EFIEMU.CFG says end=return): no
 * ExitBootServices. The report goes to \EFIEMU-CAPTURE.TXT on the probe's own volume (LoadedImage.DeviceHandle ->
 * SimpleFileSystem) and to COM1 where one exists; only then, after every measurement, ConOut says where it went, and
 * the probe returns to the firmware.
 */
static EFI_STATUS finish_on_machine(EFI_SYSTEM_TABLE *st, EFI_STATUS li_status, EFI_LOADED_IMAGE *li,
                                    EFI_FILE_HANDLE root) {
  print_image(li_status, li);
  print_identity(st);
  print_steps();
  int com1 = com1_present();
  if (com1) out("output: COM1");
  if (root) out("output: file \\EFIEMU-CAPTURE.TXT on the volume the probe was started from");
  out("probe: end");
  UINTN len = 0;
  const char *text = report_text(&len);
  EFI_STATUS s = write_report(root, text, len);
  if (root) root->Close(root);
  if (s == EFI_SUCCESS)
    rt_printf("efiemu capture: report written to \\EFIEMU-CAPTURE.TXT (%lu bytes) on the volume this program was "
              "started from%s.\n", (UINT64)len, com1 ? ", and to COM1" : "");
  else if (com1)
    rt_printf("efiemu capture: no writable volume (%s): the report was written to COM1 only.\n", rt_status_name(s));
  else
    rt_printf("efiemu capture: no writable volume (%s) and no COM1: the report could not be written anywhere.\n",
              rt_status_name(s));
  if (s == EFI_SUCCESS) rt_printf("efiemu capture: on your workstation: efiemu profile import EFIEMU-CAPTURE.TXT --name NAME\n");
  return s == EFI_SUCCESS || com1 ? EFI_SUCCESS : s;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  UINTN entry_size = sizeof entry_map, entry_key = 0, dsz = 0;
  UINT32 dver = 0;
  EFI_STATUS entry_status = rt_bs->GetMemoryMap(&entry_size, (EFI_MEMORY_DESCRIPTOR *)entry_map, &entry_key, &dsz, &dver);

  out("probe: begin ovmf-probe 2");
  {
    char vendor[80];
    UINTN n = 0;
    for (const CHAR16 *v = st->FirmwareVendor; v && *v && n + 1 < sizeof vendor; v++) vendor[n++] = (char)*v;
    vendor[n] = 0;
    out("probe: FirmwareVendor=\"%s\" FirmwareRevision=0x%08x SystemTableRevision=0x%08x", vendor,
        st->FirmwareRevision, st->Hdr.Revision);
  }
  out("probe: entry GetMemoryMap = %s, MemoryMapSize=%lu DescriptorSize=%lu DescriptorVersion=%u MapKey=0x%lx",
      rt_status_name(entry_status), (UINT64)entry_size, (UINT64)dsz, dver, (UINT64)entry_key);
  if (entry_status == EFI_SUCCESS) {
    print_map("entry", entry_map, entry_size, dsz);
    print_memory_attributes_table(st);
    print_bins(entry_map, entry_size, dsz);
  }

  allocate_pages_cases();
  allocate_pool_cases();
  memory_map_cases();

  EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
  EFI_LOADED_IMAGE *li = 0;
  EFI_STATUS li_status = rt_bs->HandleProtocol(image, &li_guid, (void **)&li);

  /* Measurements that need no step numbers, after the steps so they cannot move them (extras.c). */
  print_text_modes(st);
  print_gop_modes();
  print_variables(st);
  print_variable_store(st);
  EFI_FILE_HANDLE root = 0;
  if (wants_return(li_status == EFI_SUCCESS ? li : 0, &root)) return finish_on_machine(st, li_status, li, root);
  if (root) root->Close(root);

  /* ExitBootServices: stale key first (UEFI 2.10 §7.4: INVALID_PARAMETER, map unchanged), then the real key. */
  UINTN final_size = sizeof final_map, key = 0;
  EFI_STATUS s = rt_bs->GetMemoryMap(&final_size, (EFI_MEMORY_DESCRIPTOR *)final_map, &key, &dsz, &dver);
  step("GetMemoryMap(before ExitBootServices) = %s", rt_status_name(s));
  UINTN good_key = key;
  s = rt_bs->ExitBootServices(image, good_key + 1);
  step("ExitBootServices(MapKey + 1) = %s", rt_status_name(s));
  final_size = sizeof final_map;
  s = rt_bs->GetMemoryMap(&final_size, (EFI_MEMORY_DESCRIPTOR *)final_map, &key, &dsz, &dver);
  step("GetMemoryMap(after failed ExitBootServices) = %s, MapKey %s", rt_status_name(s),
       key == good_key ? "same" : "changed");
  EFI_BOOT_SERVICES *old_bs = rt_bs;
  s = rt_bs->ExitBootServices(image, key);
  step("ExitBootServices(MapKey) = %s", rt_status_name(s));
  if (s != EFI_SUCCESS) {
    final_size = sizeof final_map;
    rt_bs->GetMemoryMap(&final_size, (EFI_MEMORY_DESCRIPTOR *)final_map, &key, &dsz, &dver);
    s = rt_bs->ExitBootServices(image, key);
    step("ExitBootServices(MapKey, retry) = %s", rt_status_name(s));
  }
  rt_console_gone();
  step("after ExitBootServices: BootServices %s, ConOut %s, ConIn %s, old AllocatePages %s",
       st->BootServices ? "set" : "NULL", st->ConOut ? "set" : "NULL", st->ConIn ? "set" : "NULL",
       old_bs->AllocatePages ? "set" : "0");

  print_image(li_status, li);
  print_identity(st);
  print_steps();
  print_map("final", final_map, final_size, dsz);
  out("probe: end");
  st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
  for (;;) __asm__ volatile("hlt");
}
