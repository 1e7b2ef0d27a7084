/*
 * The machine-identity facts a platform profile records (docs/profiles.md: cpu-*, smbios-*, acpi-*), read the
 * way a loader reads them: CPUID, the SMBIOS entry point from the configuration table (SMBIOS 3.x
 * SMBIOS3_TABLE_GUID, else 2.x SMBIOS_TABLE_GUID; DMTF DSP0134 §5.2, types 0 and 1) and the ACPI 2.0 RSDP/XSDT
 * (ACPI 6.x §5.2.5, §5.2.8; UEFI 2.10 §4.6 configuration table). Printed as "identity:" lines.
 */
#include "probe.h"

static void cpuid(UINT32 leaf, UINT32 r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void *config_table(EFI_SYSTEM_TABLE *st, const EFI_GUID *g) {
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
    if (!memcmp(&st->ConfigurationTable[i].VendorGuid, g, sizeof *g)) return st->ConfigurationTable[i].VendorTable;
  return 0;
}

/* Copies n bytes as printable text (others become '?'), trimming trailing blanks. */
static void text(char *dst, const UINT8 *src, UINTN n) {
  UINTN k = 0;
  for (UINTN i = 0; i < n && src[i]; i++) dst[k++] = src[i] >= 0x20 && src[i] < 0x7F ? (char)src[i] : '?';
  while (k && dst[k - 1] == ' ') k--;
  dst[k] = 0;
}

/* String number idx (1-based) of the SMBIOS structure at s; "" when absent. */
static const char *smbios_string(const UINT8 *s, UINT8 idx) {
  const char *p = (const char *)s + s[1];
  if (!idx) return "";
  for (UINT8 i = 1; *p; i++) {
    if (i == idx) return p;
    p += rt_strlen(p) + 1;
  }
  return "";
}

static void print_smbios(EFI_SYSTEM_TABLE *st) {
  EFI_GUID g3 = {0xf2fd1544, 0x9794, 0x4a2c, {0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94}};
  EFI_GUID g2 = {0xeb9d2d31, 0x2d88, 0x11d3, {0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}};
  const UINT8 *ep = config_table(st, &g3), *table = 0;
  UINT64 len = 0;
  if (ep && !memcmp(ep, "_SM3_", 5)) {
    table = (const UINT8 *)*(const UINT64 *)(ep + 0x10);
    len = *(const UINT32 *)(ep + 0x0C);
    out("identity: smbios entry=3.x version=%u.%u", ep[7], ep[8]);
  } else if ((ep = config_table(st, &g2)) && !memcmp(ep, "_SM_", 4)) {
    table = (const UINT8 *)(UINT64)*(const UINT32 *)(ep + 0x18);
    len = *(const UINT16 *)(ep + 0x16);
    out("identity: smbios entry=2.x version=%u.%u", ep[6], ep[7]);
  } else {
    out("identity: smbios none");
    return;
  }
  for (const UINT8 *s = table; s + 4 <= table + len && s[0] != 127;) {
    if (s[0] == 0)
      out("identity: smbios-bios-vendor=\"%s\" smbios-bios-version=\"%s\" smbios-bios-date=\"%s\"",
          smbios_string(s, s[4]), smbios_string(s, s[5]), smbios_string(s, s[8]));
    if (s[0] == 1)
      out("identity: smbios-manufacturer=\"%s\" smbios-product=\"%s\" smbios-version=\"%s\" smbios-serial=\"%s\"",
          smbios_string(s, s[4]), smbios_string(s, s[5]), smbios_string(s, s[6]), smbios_string(s, s[7]));
    const UINT8 *p = s + s[1];
    while (p + 1 < table + len && (p[0] || p[1])) p++;
    s = p + 2;
  }
}

static void print_acpi(EFI_SYSTEM_TABLE *st) {
  EFI_GUID g = {0x8868e871, 0xe4f1, 0x11d3, {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}};
  const UINT8 *rsdp = config_table(st, &g);
  if (!rsdp || memcmp(rsdp, "RSD PTR ", 8)) {
    out("identity: acpi none");
    return;
  }
  char oem[8], table_id[12], xsdt_oem[8];
  text(oem, rsdp + 9, 6);
  const UINT8 *xsdt = (const UINT8 *)*(const UINT64 *)(rsdp + 24);
  if (rsdp[15] >= 2 && xsdt && !memcmp(xsdt, "XSDT", 4)) {
    text(xsdt_oem, xsdt + 10, 6);
    text(table_id, xsdt + 16, 8);
  } else {
    xsdt_oem[0] = table_id[0] = 0;
  }
  out("identity: acpi-rsdp-revision=%u acpi-oem-id=\"%s\" xsdt-oem-id=\"%s\" acpi-oem-table-id=\"%s\"", rsdp[15], oem,
      xsdt_oem, table_id);
}

void print_identity(EFI_SYSTEM_TABLE *st) {
  UINT32 r[4];
  char vendor[13], brand[49];
  cpuid(0, r);
  memcpy(vendor, &r[1], 4);
  memcpy(vendor + 4, &r[3], 4);
  memcpy(vendor + 8, &r[2], 4);
  vendor[12] = 0;
  cpuid(1, r);
  UINT32 family = (r[0] >> 8) & 0xF, model = (r[0] >> 4) & 0xF, stepping = r[0] & 0xF;
  if (family == 0xF) family += (r[0] >> 20) & 0xFF;
  if (family == 0x6 || family >= 0xF) model |= ((r[0] >> 16) & 0xF) << 4;
  brand[0] = 0;
  cpuid(0x80000000, r);
  if (r[0] >= 0x80000004) {
    UINT32 b[12];
    for (UINT32 i = 0; i < 3; i++) cpuid(0x80000002 + i, b + 4 * i);
    text(brand, (const UINT8 *)b, 48);
  }
  const char *b = brand;
  while (*b == ' ') b++;
  out("identity: cpu-vendor=\"%s\" cpu-family=%u cpu-model=%u cpu-stepping=%u cpu-brand=\"%s\"", vendor, family,
      model, stepping, b);
  print_smbios(st);
  print_acpi(st);
}
