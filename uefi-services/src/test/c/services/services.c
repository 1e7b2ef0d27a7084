/*
 * services: calls every Boot/Runtime Service efiemu implements, with the edge cases of UEFI 2.10 §7.2-§7.5 and
 * EDK2's statuses. UefiMachineServicesTest checks the exact statuses and addresses in the service trace.
 *
 * LoadOptions select how the run ends:
 *   "return"        return EFI_SUCCESS from efi_main (after all checks)
 *   "ebs"           ExitBootServices with a stale MapKey, retry with the current one, print on COM1, return
 *   "ebs-saved"     after ExitBootServices, call AllocatePages through a pointer saved before it
 *   "ebs-table"     after ExitBootServices, call GetMemoryMap through the (zero-filled) Boot Services table
 *   "reset"         ResetSystem(EfiResetShutdown, EFI_SUCCESS) with a reason string
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID text_out_guid = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID;
static UINT8 map_buffer[64 * 1024] __attribute__((aligned(8)));

static void memory_edge_cases(EFI_BOOT_SERVICES *bs) {
  EFI_PHYSICAL_ADDRESS a = 0x9FFFF, b, c;
  bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, &a);          /* -> 0x9C000 */
  b = a;
  bs->AllocatePages(AllocateAddress, EfiLoaderData, 1, &b);             /* in use -> NOT_FOUND */
  c = 0x1234;
  bs->AllocatePages(AllocateAddress, EfiLoaderData, 1, &c);             /* unaligned -> NOT_FOUND */
  c = 0xFFF;
  bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, 1, &c);          /* below all free RAM -> OUT_OF_RESOURCES */
  bs->AllocatePages(AllocateAnyPages, (EFI_MEMORY_TYPE)0x20, 1, &c);    /* invalid type -> INVALID_PARAMETER */
  bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, NULL);          /* NULL -> INVALID_PARAMETER */
  bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, (EFI_PHYSICAL_ADDRESS *)0xFFC00000); /* flash MMIO */
  bs->AllocatePages((EFI_ALLOCATE_TYPE)3, EfiLoaderData, 1, &c);        /* bad type -> INVALID_PARAMETER */
  c = 0x80000000ULL;
  bs->AllocatePages(AllocateMaxAddress, (EFI_MEMORY_TYPE)0x70000001, 2, &c); /* OEM type -> SUCCESS */
  bs->FreePages(c, 2);
  bs->FreePages(a, 4);                                                  /* SUCCESS */
  bs->FreePages(a, 4);                                                  /* already free -> NOT_FOUND */
  bs->FreePages(a + 1, 1);                                              /* unaligned -> INVALID_PARAMETER */

  void *p1 = 0, *p2 = 0, *p3 = 0;
  bs->AllocatePool(EfiLoaderData, 1, &p1);
  bs->AllocatePool(EfiLoaderData, 8, &p2);
  bs->AllocatePool(EfiLoaderData, 5000, &p3);
  bs->AllocatePool(EfiLoaderData, 8, NULL);                             /* INVALID_PARAMETER */
  bs->AllocatePool((EFI_MEMORY_TYPE)0x20, 8, &p3);                      /* INVALID_PARAMETER, p3 kept */
  rt_printf("pool %p %p %p\n", p1, p2, p3);
  bs->FreePool(p2);
  bs->FreePool(NULL);                                                   /* INVALID_PARAMETER */
  bs->FreePool((UINT8 *)p1 + 8);                                        /* not a block -> INVALID_PARAMETER */
}

static void memory_map_cases(EFI_BOOT_SERVICES *bs) {
  UINTN size = 0, key = 0, dsz = 0;
  UINT32 dver = 0;
  bs->GetMemoryMap(NULL, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver); /* INVALID_PARAMETER */
  bs->GetMemoryMap(&size, NULL, &key, &dsz, &dver);                     /* BUFFER_TOO_SMALL, size set */
  size = sizeof(map_buffer);
  bs->GetMemoryMap(&size, NULL, &key, &dsz, &dver);                     /* NULL buffer, enough size -> INVALID_PARAMETER */
  size = sizeof(map_buffer);
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)0xFFC00000, &key, &dsz, &dver); /* wild buffer */
  size = sizeof(map_buffer);
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver); /* SUCCESS */
  rt_printf("map %lu bytes key 0x%lx dsz %lu dver %u\n", (unsigned long)size, (unsigned long)key,
            (unsigned long)dsz, dver);
}

static void misc_cases(EFI_BOOT_SERVICES *bs, EFI_SYSTEM_TABLE *st) {
  static const char digits[] = "123456789";
  UINT32 crc = 0;
  bs->CalculateCrc32((void *)digits, 9, &crc);                          /* 0xCBF43926 */
  bs->CalculateCrc32((void *)digits, 0, &crc);                          /* INVALID_PARAMETER */
  bs->CalculateCrc32((void *)digits, 9, NULL);                          /* INVALID_PARAMETER */
  char buf[16] = "abcdefgh";
  bs->CopyMem(buf + 2, buf, 6);                                         /* overlap -> "ababcdef" */
  bs->SetMem(buf + 8, 4, 'z');
  buf[12] = 0;
  rt_printf("crc 0x%x copy %s\n", crc, buf);
  UINT64 count = 0;
  bs->GetNextMonotonicCount(&count);
  bs->GetNextMonotonicCount(&count);
  bs->GetNextMonotonicCount(NULL);                                      /* INVALID_PARAMETER */
  bs->Stall(1000);
  bs->SetWatchdogTimer(0, 0, 0, NULL);
  UINT32 high = 0;
  st->RuntimeServices->GetNextHighMonotonicCount(&high);
  bs->ConnectController(NULL, NULL, NULL, FALSE);                       /* NULL handle -> INVALID_PARAMETER */
  static EFI_GUID vendor_table = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
  bs->InstallConfigurationTable(&vendor_table, (void *)digits);
  rt_printf("count %lu high %u tables %lu\n", (unsigned long)count, high, (unsigned long)st->NumberOfTableEntries);
}

static void console_cases(EFI_SYSTEM_TABLE *st) {
  SIMPLE_TEXT_OUTPUT_INTERFACE *out = st->ConOut;
  UINTN cols = 0, rows = 0;
  out->QueryMode(out, 0, &cols, &rows);
  out->QueryMode(out, 99, &cols, &rows);                                /* UNSUPPORTED */
  out->SetAttribute(out, EFI_TEXT_ATTR(EFI_YELLOW, EFI_BLUE));
  out->SetAttribute(out, 0x80);                                         /* UNSUPPORTED */
  out->SetCursorPosition(out, 79, 24);
  out->SetCursorPosition(out, 80, 0);                                   /* UNSUPPORTED */
  out->EnableCursor(out, FALSE);
  out->ClearScreen(out);
  out->TestString(out, L"ok");
  out->Reset(out, FALSE);
  st->StdErr->OutputString(st->StdErr, L"to stderr\r\n");
  rt_printf("mode %lux%lu cursor %d,%d\n", (unsigned long)cols, (unsigned long)rows, out->Mode->CursorColumn,
            out->Mode->CursorRow);
}

static void exit_boot_services(EFI_HANDLE image, EFI_BOOT_SERVICES *bs, const CHAR16 *opts) {
  UINTN size = sizeof(map_buffer), key = 0, dsz = 0;
  UINT32 dver = 0;
  EFI_ALLOCATE_PAGES saved = bs->AllocatePages;
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  EFI_STATUS s = bs->ExitBootServices(image, key + 1);                  /* stale -> INVALID_PARAMETER */
  size = sizeof(map_buffer);
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  s = bs->ExitBootServices(image, key);
  rt_console_gone();
  rt_printf("after EBS: %s\n", rt_status_name(s));
  if (rt_wide_eq(opts, "ebs-saved")) {
    EFI_PHYSICAL_ADDRESS a = 0;
    saved(AllocateAnyPages, EfiLoaderData, 1, &a);
  } else if (rt_wide_eq(opts, "ebs-table")) {
    size = sizeof(map_buffer);
    bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0, *li2 = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  bs->HandleProtocol(image, &loaded_image_guid, NULL);                  /* INVALID_PARAMETER */
  bs->HandleProtocol(image, &text_out_guid, (void **)&li2);             /* UNSUPPORTED */
  bs->LocateProtocol(&loaded_image_guid, NULL, (void **)&li2);
  bs->OpenProtocol(image, &loaded_image_guid, (void **)&li2, image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
  const CHAR16 *opts = li ? (const CHAR16 *)li->LoadOptions : 0;
  rt_printf("image base %p size 0x%lx code %u data %u\n", li ? li->ImageBase : 0,
            li ? (unsigned long)li->ImageSize : 0UL, li ? li->ImageCodeType : 0, li ? li->ImageDataType : 0);

  memory_edge_cases(bs);
  memory_map_cases(bs);
  misc_cases(bs, st);
  console_cases(st);

  if (rt_wide_eq(opts, "reset")) {
    static CHAR16 why[] = L"services test done";
    st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, sizeof(why), why);
  }
  if (opts && opts[0] == 'e') exit_boot_services(image, bs, opts);
  return EFI_SUCCESS;
}
