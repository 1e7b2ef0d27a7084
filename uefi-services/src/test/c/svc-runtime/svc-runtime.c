/*
 * svc-runtime: Runtime Services (UEFI 2.10 §8) — time, variables, capsules, SetVirtualAddressMap/ConvertPointer
 * after ExitBootServices, ResetSystem — plus ConIn (§12.3) with scripted keys "ab" and the ACPI/SMBIOS
 * configuration tables (§4.6). RuntimeServicesPayloadTest checks the printed "<case> <status> ..." lines.
 */
#include "efiemu_rt.h"

static EFI_GUID vendor = {0x12345678, 0xABCD, 0xEF01, {1, 2, 3, 4, 5, 6, 7, 8}};
static EFI_GUID global = EFI_GLOBAL_VARIABLE;
static EFI_GUID acpi20 = {0x8868E871, 0xE4F1, 0x11D3, {0xBC, 0x22, 0x00, 0x80, 0xC7, 0x3C, 0x88, 0x81}};
static EFI_GUID smbios3 = {0xF2FD1544, 0x9794, 0x4A2C, {0x99, 0x2E, 0xE5, 0xBB, 0xCF, 0x20, 0xE3, 0x94}};
static UINT8 map_buffer[64 * 1024] __attribute__((aligned(8)));

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static int guid_eq(EFI_GUID *a, EFI_GUID *b) {
  const UINT8 *x = (const UINT8 *)a, *y = (const UINT8 *)b;
  for (int i = 0; i < 16; i++) if (x[i] != y[i]) return 0;
  return 1;
}

static void time_cases(EFI_RUNTIME_SERVICES *rt, EFI_BOOT_SERVICES *bs) {
  EFI_TIME t, t2;
  EFI_TIME_CAPABILITIES cap;
  SHOW("get-time", rt->GetTime(&t, &cap));
  rt_printf("time %04u-%02u-%02u %02u:%02u:%02u tz %d res %u acc %u\n", t.Year, t.Month, t.Day, t.Hour, t.Minute,
            t.Second, t.TimeZone, cap.Resolution, cap.Accuracy);
  SHOW("get-time-null", rt->GetTime(NULL, NULL));
  bs->Stall(2500000);                                                   /* 2.5 s */
  rt->GetTime(&t2, NULL);
  rt_printf("after-stall %02u:%02u:%02u\n", t2.Hour, t2.Minute, t2.Second);
  t2.Year = 2030; t2.Month = 6; t2.Day = 15; t2.Hour = 12; t2.Minute = 0; t2.Second = 0; t2.TimeZone = 60;
  SHOW("set-time", rt->SetTime(&t2));
  rt->GetTime(&t, NULL);
  rt_printf("time %04u-%02u-%02u %02u:%02u:%02u tz %d\n", t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.TimeZone);
  t2.Month = 2; t2.Day = 30;
  SHOW("set-time-feb-30", rt->SetTime(&t2));
  t2.Day = 1; t2.Year = 1990;
  SHOW("set-time-1990", rt->SetTime(&t2));
  BOOLEAN en, pend;
  SHOW("get-wakeup", rt->GetWakeupTime(&en, &pend, &t));
  SHOW("set-wakeup", rt->SetWakeupTime(FALSE, NULL));
}

static void variable_cases(EFI_RUNTIME_SERVICES *rt) {
  UINT8 data[16] = {1, 2, 3, 4, 5};
  UINT8 out[16];
  UINT32 attr = 0;
  UINTN size = 0;
  UINT32 bsrt = EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;
  SHOW("set-var", rt->SetVariable(L"EfiemuTest", &vendor, EFI_VARIABLE_NON_VOLATILE | bsrt, 5, data));
  SHOW("get-var-small", rt->GetVariable(L"EfiemuTest", &vendor, &attr, &size, NULL));
  rt_printf("var-size %lu attr 0x%x\n", (unsigned long)size, attr);
  size = sizeof(out);
  SHOW("get-var", rt->GetVariable(L"EfiemuTest", &vendor, &attr, &size, out));
  rt_printf("var %lu %u %u %u %u %u\n", (unsigned long)size, out[0], out[1], out[2], out[3], out[4]);
  size = sizeof(out);
  SHOW("get-var-null-data", rt->GetVariable(L"EfiemuTest", &vendor, &attr, &size, NULL));
  SHOW("get-var-missing", rt->GetVariable(L"Missing", &vendor, &attr, &size, out));
  SHOW("get-var-null-name", rt->GetVariable(NULL, &vendor, &attr, &size, out));
  SHOW("set-var-rt-only", rt->SetVariable(L"Bad", &vendor, EFI_VARIABLE_RUNTIME_ACCESS, 5, data));
  SHOW("set-var-null-data", rt->SetVariable(L"Bad", &vendor, bsrt, 5, NULL));
  SHOW("set-volatile", rt->SetVariable(L"EfiemuVolatile", &vendor, EFI_VARIABLE_BOOTSERVICE_ACCESS, 1, data));

  CHAR16 name[64];
  EFI_GUID g;
  int count = 0, found = 0;
  name[0] = 0;
  for (;;) {
    UINTN ns = sizeof(name);
    EFI_STATUS s = rt->GetNextVariableName(&ns, name, &g);
    if (s != EFI_SUCCESS) { rt_printf("walk-end %s\n", rt_status_name(s)); break; }
    count++;
    if (guid_eq(&g, &vendor)) found++;
  }
  rt_printf("walk %d mine %d\n", count, found);
  UINTN tiny = 2;
  name[0] = 0;
  SHOW("next-name-small", rt->GetNextVariableName(&tiny, name, &g));
  rt_printf("next-name-needs %lu\n", (unsigned long)tiny);

  UINT64 max = 0, rem = 0, big = 0;
  SHOW("query", rt->QueryVariableInfo(EFI_VARIABLE_NON_VOLATILE | bsrt, &max, &rem, &big));
  rt_printf("query %lu %d %lu\n", (unsigned long)max, rem < max, (unsigned long)big);
  SHOW("query-zero", rt->QueryVariableInfo(0, &max, &rem, &big));
  SHOW("delete-var", rt->SetVariable(L"EfiemuTest", &vendor, 0, 0, NULL));
  SHOW("get-deleted", rt->GetVariable(L"EfiemuTest", &vendor, &attr, &size, out));
  SHOW("delete-missing", rt->SetVariable(L"EfiemuTest", &vendor, 0, 0, NULL));
  size = sizeof(out);
  SHOW("get-global-missing", rt->GetVariable(L"BootOrder", &global, &attr, &size, out));
  SHOW("capsule", rt->UpdateCapsule(NULL, 0, 0));
  UINT64 cmax; EFI_RESET_TYPE rtype;
  SHOW("capsule-caps", rt->QueryCapsuleCapabilities(NULL, 0, &cmax, &rtype));
}

static void con_in(EFI_SYSTEM_TABLE *st) {
  EFI_INPUT_KEY k;
  UINTN index = 9;
  SHOW("key-1", st->ConIn->ReadKeyStroke(st->ConIn, &k));
  rt_printf("key %c\n", (char)k.UnicodeChar);
  SHOW("wait-key", st->BootServices->WaitForEvent(1, &st->ConIn->WaitForKey, &index));
  SHOW("key-2", st->ConIn->ReadKeyStroke(st->ConIn, &k));
  rt_printf("key %c\n", (char)k.UnicodeChar);
  SHOW("key-3", st->ConIn->ReadKeyStroke(st->ConIn, &k));
  SHOW("check-key", st->BootServices->CheckEvent(st->ConIn->WaitForKey));
}

static void tables(EFI_SYSTEM_TABLE *st) {
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
    EFI_CONFIGURATION_TABLE *c = &st->ConfigurationTable[i];
    const char *p = (const char *)c->VendorTable;
    if (guid_eq(&c->VendorGuid, &acpi20)) {
      UINT8 sum = 0;
      for (int j = 0; j < 36; j++) sum += (UINT8)p[j];
      rt_printf("acpi %c%c%c%c%c%c%c%c rev %u ext-sum %u\n", p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                (UINT8)p[15], sum);
    } else if (guid_eq(&c->VendorGuid, &smbios3)) {
      rt_printf("smbios %c%c%c%c%c %u.%u\n", p[0], p[1], p[2], p[3], p[4], (UINT8)p[7], (UINT8)p[8]);
    }
  }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_RUNTIME_SERVICES *rt = st->RuntimeServices;
  time_cases(rt, bs);
  variable_cases(rt);
  con_in(st);
  tables(st);

  void *ptr = (void *)rt;
  SHOW("convert-before", rt->ConvertPointer(0, &ptr));
  SHOW("svam-before-ebs", rt->SetVirtualAddressMap(0, 48, 1, (EFI_MEMORY_DESCRIPTOR *)map_buffer));

  UINTN size = sizeof(map_buffer), key = 0, dsz = 0;
  UINT32 dver = 0;
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  EFI_STATUS e = bs->ExitBootServices(image, key);
  rt_console_gone();
  rt_printf("ebs %s\n", rt_status_name(e));
  /* the OS maps runtime regions at +0xFFFF800000000000 */
  UINTN runtime = 0;
  for (UINTN off = 0; off < size; off += dsz) {
    EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buffer + off);
    if (d->Attribute & EFI_MEMORY_RUNTIME) { d->VirtualStart = d->PhysicalStart + 0xFFFF800000000000ULL; runtime++; }
  }
  rt_printf("runtime-descriptors %lu\n", (unsigned long)runtime);
  SHOW("svam-bad-version", rt->SetVirtualAddressMap(size, dsz, 2, (EFI_MEMORY_DESCRIPTOR *)map_buffer));
  SHOW("svam", rt->SetVirtualAddressMap(size, dsz, dver, (EFI_MEMORY_DESCRIPTOR *)map_buffer));
  SHOW("svam-again", rt->SetVirtualAddressMap(size, dsz, dver, (EFI_MEMORY_DESCRIPTOR *)map_buffer));
  ptr = (void *)rt;
  SHOW("convert", rt->ConvertPointer(0, &ptr));
  rt_printf("converted %d\n", (UINT64)ptr == (UINT64)rt + 0xFFFF800000000000ULL);
  ptr = (void *)map_buffer;
  SHOW("convert-loader-data", rt->ConvertPointer(0, &ptr));
  ptr = 0;
  SHOW("convert-null-optional", rt->ConvertPointer(EFI_OPTIONAL_PTR, &ptr));
  UINTN vs = 0;
  UINT8 v[8];
  SHOW("runtime-get-bs-var", rt->GetVariable(L"EfiemuVolatile", &vendor, NULL, &vs, v));
  rt->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 12, (void *)L"bye");
  rt_printf("reset returned\n");
  return EFI_ABORTED;
}
