/*
 * abi-fuzz: calls Boot Services slots with the raw arguments its LoadOptions give, for ServiceAbiFuzzTest.
 * LoadOptions: calls separated by ';', each "SLOT A1 A2 A3 A4 A5 A6" in hex; SLOT is the index of the function in
 * EFI_BOOT_SERVICES after the header (0 = RaiseTPL ... 43 = CreateEventEx). An argument 0xEF1E00000000000K stands for
 * a pointer the payload has: K=0 the system table, 1 the Boot Services table, 2 a 4 KiB scratch buffer, 3 the image
 * handle, 4 a GUID (EFI_LOADED_IMAGE_PROTOCOL_GUID), 5 a UINTN holding 4096 (a size), 6 a function of this image
 * (usable as a notify function), 7 the Runtime Services table, 8 the RaiseTPL stub, 9 the scratch buffer + 1
 * (misaligned). Each call prints "call N slot S status 0x...". The scratch buffer is zeroed before each call.
 */
#include "efiemu_rt.h"

static UINT8 scratch[8192] __attribute__((aligned(4096)));
static EFI_GUID lip = LOADED_IMAGE_PROTOCOL;
static UINTN size4k;

static void EFIAPI notify(EFI_EVENT e, void *ctx) {
  (void)e;
  (void)ctx;
}

typedef UINTN(EFIAPI *fn6)(UINTN, UINTN, UINTN, UINTN, UINTN, UINTN);

static int hexval(CHAR16 c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &lip, (void **)&li);
  UINTN *slots = (UINTN *)((UINT8 *)bs + sizeof(EFI_TABLE_HEADER));
  CHAR16 *o = (CHAR16 *)li->LoadOptions;
  UINTN n = li->LoadOptionsSize / 2, i = 0, call = 0;
  while (i < n && o[i]) {
    UINTN v[7];
    int k = 0;
    while (k < 7 && i < n && o[i] && o[i] != ';') {
      while (i < n && o[i] == ' ') i++;
      UINTN x = 0;
      int digits = 0;
      for (; i < n && hexval(o[i]) >= 0; i++, digits++) x = (x << 4) | (UINTN)hexval(o[i]);
      if (digits == 0) break;
      v[k++] = x;
    }
    while (i < n && o[i] && o[i] != ';') i++;
    if (i < n && o[i] == ';') i++;
    if (k != 7 || v[0] >= 44) continue;
    for (int a = 1; a < 7; a++) {
      if ((v[a] >> 4) != (0xEF1E000000000000ULL >> 4)) continue;
      switch (v[a] & 0xF) {
        case 0: v[a] = (UINTN)st; break;
        case 1: v[a] = (UINTN)bs; break;
        case 2: v[a] = (UINTN)scratch; break;
        case 3: v[a] = (UINTN)image; break;
        case 4: v[a] = (UINTN)&lip; break;
        case 5: size4k = 4096; v[a] = (UINTN)&size4k; break;
        case 6: v[a] = (UINTN)notify; break;
        case 7: v[a] = (UINTN)st->RuntimeServices; break;
        case 8: v[a] = slots[0]; break;
        default: v[a] = (UINTN)scratch + 1; break;
      }
    }
    for (UINTN z = 0; z < sizeof scratch; z++) scratch[z] = 0;
    UINTN s = ((fn6)slots[v[0]])(v[1], v[2], v[3], v[4], v[5], v[6]);
    rt_printf("call %lu slot %lu status 0x%lx\n", (unsigned long)call++, (unsigned long)v[0], (unsigned long)s);
  }
  rt_printf("abi-fuzz done\n");
  return EFI_SUCCESS;
}
