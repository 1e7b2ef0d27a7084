/* Output helpers of ovmf-probe: step buffer, spec names, the Linux-style map dump (all to COM1). */
#include "probe.h"

static char steps[PROBE_MAX_STEPS][PROBE_LINE];
static int step_count;

char *step_slot(void) { return step_count < PROBE_MAX_STEPS ? steps[step_count++] : 0; }

#define REPORT_BYTES (512 * 1024)
static char report[REPORT_BYTES];
static UINTN report_len;

void out_part(const char *text) {
  rt_serial_puts(text);
  for (; *text && report_len + 1 < REPORT_BYTES; text++) report[report_len++] = *text;
}

void out_line(const char *line) {
  out_part(line);
  out_part("\n");
}

const char *report_text(UINTN *len) {
  *len = report_len;
  return report;
}

void print_steps(void) {
  for (int i = 0; i < step_count; i++) out("probe: %02d %s", i + 1, steps[i]);
  out("probe: steps=%d", step_count);
}

static const char *const TYPE_NAMES[] = {
    "EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData", "EfiBootServicesCode",
    "EfiBootServicesData", "EfiRuntimeServicesCode", "EfiRuntimeServicesData", "EfiConventionalMemory",
    "EfiUnusableMemory", "EfiACPIReclaimMemory", "EfiACPIMemoryNVS", "EfiMemoryMappedIO",
    "EfiMemoryMappedIOPortSpace", "EfiPalCode", "EfiPersistentMemory", "EfiUnacceptedMemoryType"};

const char *type_name(UINT32 type) {
  static char buf[4][24];
  static int next;
  if (type < 16) return TYPE_NAMES[type];
  char *b = buf[next++ & 3];
  if (type >= 0x80000000u) rt_snprintf(b, 24, "OS(0x%08X)", type);
  else if (type >= 0x70000000u) rt_snprintf(b, 24, "OEM(0x%08X)", type);
  else rt_snprintf(b, 24, "Invalid(0x%X)", type);
  return b;
}

const char *alloc_type_name(UINTN type) {
  static char buf[24];
  switch (type) {
  case AllocateAnyPages: return "AllocateAnyPages";
  case AllocateMaxAddress: return "AllocateMaxAddress";
  case AllocateAddress: return "AllocateAddress";
  default: rt_snprintf(buf, sizeof buf, "Invalid(%lu)", (UINT64)type); return buf;
  }
}

void print_map(const char *title, const UINT8 *map, UINTN size, UINTN desc_size) {
  UINTN count = desc_size ? size / desc_size : 0;
  out("map: %s entries=%lu", title, (UINT64)count);
  for (UINTN i = 0; i < count; i++) {
    const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + i * desc_size);
    UINT64 end = d->PhysicalStart + (d->NumberOfPages << 12);
    out("efi: mem%02lu: type=%u, attr=0x%lx, range=[0x%016lx-0x%016lx) (%luMB)", (UINT64)i, d->Type,
        d->Attribute, d->PhysicalStart, end, (d->NumberOfPages << 12) >> 20);
  }
  out("map: end %s", title);
}
