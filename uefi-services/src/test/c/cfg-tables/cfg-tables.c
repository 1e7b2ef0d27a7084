/*
 * cfg-tables: reads the configuration tables (UEFI 2.10 §4.6) as a loader does and checks what it can check itself:
 * SMBIOS 32-bit and 64-bit entry points (DSP0134 §5.2: anchors, checksums, the structure table they point at, walked
 * structure by structure with its strings), the memory attributes table (§4.6.4) against GetMemoryMap, the memory
 * type information table, and the debug image info table (§18.4.3) holding this image. ConfigurationTablesPayloadTest checks the printed lines.
 */
#include "efiemu_rt.h"

static EFI_GUID g_smbios = {0xEB9D2D31, 0x2D88, 0x11D3, {0x9A, 0x16, 0x00, 0x90, 0x27, 0x3F, 0xC1, 0x4D}};
static EFI_GUID g_smbios3 = {0xF2FD1544, 0x9794, 0x4A2C, {0x99, 0x2E, 0xE5, 0xBB, 0xCF, 0x20, 0xE3, 0x94}};
static EFI_GUID g_acpi20 = {0x8868E871, 0xE4F1, 0x11D3, {0xBC, 0x22, 0x00, 0x80, 0xC7, 0x3C, 0x88, 0x81}};
static EFI_GUID g_mat = {0xDCFA911D, 0x26EB, 0x469F, {0xA2, 0x20, 0x38, 0xB7, 0xDC, 0x46, 0x12, 0x20}};
static EFI_GUID g_mti = {0x4C19049F, 0x4137, 0x4DD3, {0x9C, 0x10, 0x8B, 0x97, 0xA8, 0x3F, 0xFD, 0xFA}};
static EFI_GUID g_dbg = {0x49152E77, 0x1ADA, 0x4764, {0xB7, 0xA2, 0x7A, 0xFE, 0xFE, 0xD9, 0x5E, 0x8B}};
static EFI_GUID g_li = LOADED_IMAGE_PROTOCOL;
static UINT8 map_buffer[64 * 1024] __attribute__((aligned(8)));

static int guid_eq(EFI_GUID *a, EFI_GUID *b) { return memcmp(a, b, sizeof(EFI_GUID)) == 0; }
static UINT16 rd16(const UINT8 *p) { UINT16 v; memcpy(&v, p, 2); return v; }
static UINT32 rd32(const UINT8 *p) { UINT32 v; memcpy(&v, p, 4); return v; }
static UINT64 rd64(const UINT8 *p) { UINT64 v; memcpy(&v, p, 8); return v; }
static UINT8 sum8(const UINT8 *p, UINTN n) { UINT8 s = 0; for (UINTN i = 0; i < n; i++) s += p[i]; return s; }

/* String number n (1-based) of the structure at s, or "" */
static const char *smbios_string(const UINT8 *s, UINT8 n) {
  const char *p = (const char *)s + s[1];
  if (n == 0) return "";
  for (UINT8 i = 1; i < n && *p; i++) p += rt_strlen(p) + 1;
  return p;
}

static void smbios32(const UINT8 *ep) {
  rt_printf("smbios32 %c%c%c%c len 0x%x version %u.%u sum %u %c%c%c%c%c dmi-sum %u bcd 0x%x\n", ep[0], ep[1], ep[2],
            ep[3], ep[5], ep[6], ep[7], sum8(ep, ep[5]), ep[0x10], ep[0x11], ep[0x12], ep[0x13], ep[0x14],
            sum8(ep + 0x10, 0x0F), ep[0x1E]);
  UINT16 length = rd16(ep + 0x16), count = rd16(ep + 0x1C), max = rd16(ep + 8);
  const UINT8 *table = (const UINT8 *)(UINTN)rd32(ep + 0x18), *s = table;
  UINT16 largest = 0;
  UINT32 dimm_mib = 0, array_kib = 0;
  for (UINT16 i = 0; i < count && s < table + length; i++) {
    const UINT8 *e = s + s[1];
    while (e[0] != 0 || e[1] != 0) e++;
    e += 2;
    if (e - s > largest) largest = (UINT16)(e - s);
    rt_printf("smbios type %u handle %u length 0x%x\n", s[0], rd16(s + 2), s[1]);
    switch (s[0]) {
    case 0: rt_printf("smbios bios '%s' '%s' '%s'\n", smbios_string(s, s[4]), smbios_string(s, s[5]),
                      smbios_string(s, s[8])); break;
    case 1: rt_printf("smbios system '%s' '%s' '%s'\n", smbios_string(s, s[4]), smbios_string(s, s[5]),
                      smbios_string(s, s[6])); break;
    case 4: rt_printf("smbios cpu '%s' cores %u threads %u\n", smbios_string(s, s[0x10]), s[0x23], s[0x25]); break;
    case 16: array_kib = rd32(s + 7);
      rt_printf("smbios array capacity-kib %u devices %u\n", array_kib, rd16(s + 0x0D)); break;
    case 17: dimm_mib += rd16(s + 0x0C);
      rt_printf("smbios dimm '%s' size-mib %u array %u\n", smbios_string(s, s[0x10]), rd16(s + 0x0C), rd16(s + 4)); break;
    case 19: rt_printf("smbios mapped 0x%lx-0x%lx\n", (UINT64)rd32(s + 4) << 10, ((UINT64)rd32(s + 8) + 1) << 10); break;
    }
    s = e;
  }
  rt_printf("smbios walked %u of %u bytes, largest %u of max %u, dimms %u MiB\n", (UINT32)(s - table), length, largest,
            max, dimm_mib);
}

static void smbios3(const UINT8 *ep) {
  EFI_CONFIGURATION_TABLE *t = rt_st->ConfigurationTable;
  const UINT8 *ep32 = 0;
  for (UINTN i = 0; i < rt_st->NumberOfTableEntries; i++) {
    if (guid_eq(&t[i].VendorGuid, &g_smbios)) ep32 = t[i].VendorTable;
  }
  rt_printf("smbios3 %c%c%c%c%c version %u.%u sum %u same-table %d\n", ep[0], ep[1], ep[2], ep[3], ep[4], ep[7], ep[8],
            sum8(ep, ep[6]), ep32 && rd64(ep + 0x10) == rd32(ep32 + 0x18) && rd32(ep + 0x0C) >= rd16(ep32 + 0x16));
}

static void mat(const UINT8 *t) {
  UINTN size = sizeof map_buffer, key, dsize;
  UINT32 dver;
  EFI_STATUS s = rt_bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsize, &dver);
  UINT32 n = rd32(t + 4), mat_dsize = rd32(t + 8), runtime = 0;
  for (UINTN off = 0; off < size; off += dsize) {
    EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buffer + off);
    if (d->Type == EfiRuntimeServicesCode || d->Type == EfiRuntimeServicesData) runtime++;
  }
  rt_printf("mat version %u entries %u descriptor-size %u (map %u) map %s runtime-in-map %u\n", rd32(t), n, mat_dsize,
            (UINT32)dsize, rt_status_name(s), runtime);
  for (UINT32 i = 0; i < n; i++) {
    const UINT8 *e = t + 16 + (UINTN)i * mat_dsize;
    int in_map = 0;
    for (UINTN off = 0; off < size; off += dsize) {
      EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map_buffer + off);
      if (d->Type == rd32(e) && d->PhysicalStart == rd64(e + 8) && d->NumberOfPages == rd64(e + 24)) in_map = 1;
    }
    rt_printf("mat type %u pages 0x%lx attr 0x%lx in-map %d\n", rd32(e), rd64(e + 24), rd64(e + 32), in_map);
  }
}

static void mti(const UINT8 *t) {
  UINT32 i = 0;
  for (; i < 64 && rd32(t + i * 8) < 16; i++) { /* UEFI 2.10 EfiMaxMemoryType (gnu-efi headers stop at 14) */
    if (rd32(t + i * 8 + 4) != 0) rt_printf("mti type %u pages 0x%x\n", rd32(t + i * 8), rd32(t + i * 8 + 4));
  }
  rt_printf("mti end type %u after %u entries\n", rd32(t + i * 8), i);
}

/* EFI_DEBUG_IMAGE_INFO_TABLE_HEADER (UEFI 2.10 §18.4.3) and its EFI_DEBUG_IMAGE_INFO_NORMAL entries */
static void debug_images(const UINT8 *h) {
  UINT32 status = rd32(h), size = rd32(h + 4);
  UINT64 *table = (UINT64 *)(UINTN)rd64(h + 8);
  rt_printf("dbg status 0x%x size %u\n", status, size);
  UINT32 seen = 0;
  for (UINT32 i = 0; seen < size && i < 4096; i++) {
    const UINT8 *e = (const UINT8 *)(UINTN)table[i];
    if (!e) continue;
    seen++;
    EFI_HANDLE handle = (EFI_HANDLE)(UINTN)rd64(e + 16);
    void *li = NULL;
    rt_bs->HandleProtocol(handle, &g_li, &li);
    rt_printf("dbg entry %u type %u own-image %d loaded-image-matches %d\n", i, rd32(e), handle == rt_image,
              li != NULL && (UINTN)li == (UINTN)rd64(e + 8));
  }
}

/* Loads this image's own file again as a child (read through SimpleFileSystem, LoadImage from the buffer): the debug
 * image info table gains it; UnloadImage takes it out again. */
static void child_cases(EFI_SYSTEM_TABLE *st) {
  static EFI_GUID sfs = SIMPLE_FILE_SYSTEM_PROTOCOL;
  static UINT8 file[256 * 1024];
  EFI_LOADED_IMAGE *li = NULL;
  EFI_FILE_IO_INTERFACE *fs = NULL;
  EFI_FILE_HANDLE root, f;
  rt_bs->HandleProtocol(rt_image, &g_li, (void **)&li);
  if (!li || EFI_ERROR(rt_bs->HandleProtocol(li->DeviceHandle, &sfs, (void **)&fs)) || EFI_ERROR(fs->OpenVolume(fs, &root))
      || EFI_ERROR(root->Open(root, &f, (CHAR16 *)((UINT8 *)li->FilePath + 4), EFI_FILE_MODE_READ, 0))) {
    rt_printf("child cannot read own file\n");
    return;
  }
  UINTN n = sizeof file;
  f->Read(f, &n, file);
  f->Close(f);
  EFI_HANDLE child = NULL;
  EFI_STATUS s = rt_bs->LoadImage(FALSE, rt_image, NULL, file, n, &child);
  rt_printf("child load %s\n", rt_status_name(s));
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
    if (guid_eq(&st->ConfigurationTable[i].VendorGuid, &g_dbg)) debug_images(st->ConfigurationTable[i].VendorTable);
  s = rt_bs->UnloadImage(child);
  rt_printf("child unload %s\n", rt_status_name(s));
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
    if (guid_eq(&st->ConfigurationTable[i].VendorGuid, &g_dbg)) debug_images(st->ConfigurationTable[i].VendorTable);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
    EFI_CONFIGURATION_TABLE *c = &st->ConfigurationTable[i];
    EFI_GUID *g = &c->VendorGuid;
    rt_printf("cfg %08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", g->Data1, g->Data2, g->Data3, g->Data4[0],
              g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
  }
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
    EFI_CONFIGURATION_TABLE *c = &st->ConfigurationTable[i];
    if (guid_eq(&c->VendorGuid, &g_smbios)) smbios32(c->VendorTable);
    else if (guid_eq(&c->VendorGuid, &g_smbios3)) smbios3(c->VendorTable);
    else if (guid_eq(&c->VendorGuid, &g_mat)) mat(c->VendorTable);
    else if (guid_eq(&c->VendorGuid, &g_mti)) mti(c->VendorTable);
    else if (guid_eq(&c->VendorGuid, &g_dbg)) debug_images(c->VendorTable);
    else if (guid_eq(&c->VendorGuid, &g_acpi20)) rt_printf("acpi rsdp sum %u\n", sum8(c->VendorTable, 20));
  }
  child_cases(st);
  rt_printf("cfg-tables done\n");
  return EFI_SUCCESS;
}
