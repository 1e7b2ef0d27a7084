/*
 * pe-sample: a tiny EFI application whose data holds absolute addresses, so its image carries base relocations
 * the PE loader tests can check. PeLoaderSampleTest finds `sample_table` by its magic and checks that every pointer
 * in it equals load base + the RVA of what it points at, at any load base.
 */
#include "efiemu_rt.h"

#define SAMPLE_MAGIC 0x454C504D41534550ULL /* "PESAMPLE" little-endian */

static const char greeting[] = "pe-sample says hello";

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

struct sample_table {
  UINT64 magic;
  const struct sample_table *self;   /* DIR64 -> the table itself */
  const char *greeting;              /* DIR64 -> .rodata/.data string */
  void *entry;                       /* DIR64 -> efi_main, the image's entry point */
  UINT64 plain;                      /* not relocated */
};

__attribute__((used)) const struct sample_table sample_table = {
  SAMPLE_MAGIC, &sample_table, greeting, (void *)efi_main, 0x1122334455667788ULL,
};

/* set by abs32.S: a 32-bit absolute address of sample_table (a HIGHLOW base relocation) */
extern const UINT32 sample_abs32[2];

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  rt_printf("%s: table at %p, abs32 0x%x\n", sample_table.greeting, (void *)sample_table.self, sample_abs32[0]);
  return EFI_SUCCESS;
}
