/*
 * read-keys: a boot menu's input loop reduced to its calls: WaitForEvent(ConIn->WaitForKey), ReadKeyStroke, print the
 * key, until Enter (UEFI 2.10 §7.1, §12.3); then EFI_RNG_PROTOCOL GetRNG of 8 bytes when there is one (§37.5).
 * EfiemuKeysAndRngTest drives it with @EfiemuTest(keys = ..., rngSeed = ...).
 */
#include "efiemu_rt.h"

static EFI_GUID rng_guid = EFI_RNG_PROTOCOL_GUID;

typedef struct {
  EFI_STATUS(EFIAPI *GetInfo)(void *This, UINTN *Size, EFI_GUID *List);
  EFI_STATUS(EFIAPI *GetRNG)(void *This, EFI_GUID *Alg, UINTN Len, UINT8 *Value);
} RNG;

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  for (int i = 0; i < 16; i++) {
    UINTN index;
    EFI_STATUS s = st->BootServices->WaitForEvent(1, &st->ConIn->WaitForKey, &index);
    if (EFI_ERROR(s)) return s;
    EFI_INPUT_KEY key;
    s = st->ConIn->ReadKeyStroke(st->ConIn, &key);
    rt_printf("key %s scan 0x%x char 0x%x\n", rt_status_name(s), key.ScanCode, key.UnicodeChar);
    if (key.UnicodeChar == 0x0D) break;
  }
  RNG *r = 0;
  if (st->BootServices->LocateProtocol(&rng_guid, 0, (void **)&r) == EFI_SUCCESS) {
    UINT8 v[8];
    r->GetRNG(r, 0, sizeof v, v);
    rt_printf("rng");
    for (int i = 0; i < 8; i++) rt_printf(" %02x", v[i]);
    rt_printf("\n");
  } else {
    rt_printf("no rng\n");
  }
  return EFI_SUCCESS;
}
