/*
 * The EFI_MEMORY_ATTRIBUTES_TABLE as the firmware presents it at entry (UEFI 2.10 §4.6.4; EDK2
 * MdeModulePkg/Core/Dxe/Misc/MemoryAttributesTable.c). EDK2 rebuilds this table after ReadyToBoot on every
 * AllocatePages/AllocatePool/FreePages/FreePool of EfiRuntimeServicesCode or EfiRuntimeServicesData, taking
 * EfiBootServicesData pool for a GetMemoryMap buffer and for the new table; the profile needs its size to model
 * that. Read from memory only (no firmware call, nothing allocated): one "mat:" line.
 *   table    the VendorTable pointer (the pool buffer of the current table)
 *   entries  NumberOfEntries; ro / xp: entries with EFI_MEMORY_RO (one per code section of a runtime image) and
 *            with EFI_MEMORY_XP (its header and data sections)
 */
#include "probe.h"

#define MAT_RO 0x20000ull
#define MAT_XP 0x4000ull

void print_memory_attributes_table(EFI_SYSTEM_TABLE *st) {
  static const EFI_GUID mat_guid = {0xdcfa911d, 0x26eb, 0x469f, {0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20}};
  const UINT8 *t = 0;
  for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
    if (!memcmp(&st->ConfigurationTable[i].VendorGuid, &mat_guid, sizeof mat_guid))
      t = (const UINT8 *)st->ConfigurationTable[i].VendorTable;
  if (!t) {
    out("mat: none");
    return;
  }
  UINT32 version = *(const UINT32 *)t, entries = *(const UINT32 *)(t + 4), dsz = *(const UINT32 *)(t + 8);
  UINTN ro = 0, xp = 0;
  if (dsz >= sizeof(EFI_MEMORY_DESCRIPTOR) && entries < 4096)
    for (UINT32 i = 0; i < entries; i++) {
      const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(t + 16 + (UINTN)i * dsz);
      if (d->Attribute & MAT_RO) ro++;
      if (d->Attribute & MAT_XP) xp++;
    }
  out("mat: table=0x%lx version=%u entries=%u descriptor-size=%u ro=%lu xp=%lu", (UINT64)t, version, entries, dsz,
      (UINT64)ro, (UINT64)xp);
}
