/*
 * callgate: the guest side of CallGatePayloadTest. efi_main(table, 0) receives a table of call-gate addresses that
 * Java registered and calls each through gate_call (gate_call.S), which passes ten arguments with the Microsoft x64
 * convention and reports any callee-saved register (RBX, RBP, RDI, RSI, R12-R15, XMM6-XMM15) whose value did not
 * survive. Every result is checked here, in the guest; the first failure is written back into the table (check,
 * expected, actual, clobber mask) and efi_main returns EFI_ABORTED, otherwise EFI_SUCCESS.
 *
 *   fn[n] (n = 0..10)         takes n arguments, returns mix(n, args) (order-sensitive, all 64 bits matter)
 *   fill_probe(p, seed)       fills *p (see struct probe), returns p->guest_value ^ seed
 *   read_ascii(s)             Java reads the NUL-terminated string, returns its length
 *   read_utf16(s)             the same for a CHAR16 string
 */
#include "efiemu_rt.h"

#define TABLE_MAGIC 0x4554414745474C43ULL /* "CLGEGATE" little-endian */
#define GUARD 0x6A6A6A6A6A6A6A6AULL
#define PROBE_SEED 0x0123456789ABCDEFULL
#define GUEST_VALUE 0x600DF00D12345678ULL

enum check {
  CHECK_MAGIC = 1,
  CHECK_RESULT = 10,     /* + n: fn[n]'s result */
  CHECK_CLOBBER = 30,    /* + call index: callee-saved registers or RSP not preserved */
  CHECK_PROBE_RESULT = 50,
  CHECK_PROBE_U8, CHECK_PROBE_U16, CHECK_PROBE_U32, CHECK_PROBE_U64, CHECK_PROBE_NAME, CHECK_PROBE_GUARD,
  CHECK_ASCII = 60,
  CHECK_UTF16 = 61,
};

struct gate_table {
  UINT64 magic;
  UINT64 fn[11];
  UINT64 fill_probe;
  UINT64 read_ascii;
  UINT64 read_utf16;
  /* written by the guest */
  UINT64 calls_done;
  UINT64 failed_check;
  UINT64 expected;
  UINT64 actual;
  UINT64 clobbered;
};

/* filled by Java; offsets are natural alignment: 0, 2, 4, 8, 16, 48 */
struct probe {
  UINT8 u8;
  UINT16 u16;
  UINT32 u32;
  UINT64 u64;
  CHAR16 name[16];
  UINT64 guest_value;
};

UINT64 gate_call(UINT64 fn, const UINT64 args[10], UINT64 *clobbered);

static UINT64 mix(UINT64 n, const UINT64 *a) {
  UINT64 h = 0x9E3779B97F4A7C15ULL * (n + 1);
  for (UINT64 i = 0; i < n; i++) h = (h ^ a[i]) * 0x100000001B3ULL + i;
  return h;
}

static EFI_STATUS fail(struct gate_table *t, UINT64 check, UINT64 expected, UINT64 actual, UINT64 clobbered) {
  t->failed_check = check;
  t->expected = expected;
  t->actual = actual;
  t->clobbered = clobbered;
  return EFI_ABORTED;
}

static UINT64 call(struct gate_table *t, UINT64 fn, const UINT64 args[10], UINT64 *clobbered) {
  UINT64 r = gate_call(fn, args, clobbered);
  t->calls_done++;
  return r;
}

static struct {
  UINT64 guard0;
  struct probe p;
  UINT64 guard1;
} box;

static const char ascii_text[] = "guest says: hello, Java";
static const CHAR16 utf16_text[] = L"UTF-16 from the guest: \u00e9\u4e2d";

EFI_STATUS EFIAPI efi_main(struct gate_table *t, void *unused) {
  UINT64 args[10];
  UINT64 clobbered;
  UINT64 r;
  if (t->magic != TABLE_MAGIC) return fail(t, CHECK_MAGIC, TABLE_MAGIC, t->magic, 0);
  t->calls_done = 0;
  for (UINT64 n = 0; n <= 10; n++) {
    for (UINT64 i = 0; i < 10; i++) {
      args[i] = 0xA0A0000000000000ULL ^ ((i + 1) << 44) ^ (n << 36) ^ (0xC0DE0000ULL + i * 0x1111ULL);
    }
    r = call(t, t->fn[n], args, &clobbered);
    if (clobbered) return fail(t, CHECK_CLOBBER + n, 0, clobbered, clobbered);
    if (r != mix(n, args)) return fail(t, CHECK_RESULT + n, mix(n, args), r, 0);
  }

  box.guard0 = box.guard1 = GUARD;
  memset(&box.p, 0, sizeof box.p);
  box.p.guest_value = GUEST_VALUE;
  args[0] = (UINT64)&box.p;
  args[1] = PROBE_SEED;
  r = call(t, t->fill_probe, args, &clobbered);
  if (clobbered) return fail(t, CHECK_CLOBBER + 11, 0, clobbered, clobbered);
  if (r != (GUEST_VALUE ^ PROBE_SEED)) return fail(t, CHECK_PROBE_RESULT, GUEST_VALUE ^ PROBE_SEED, r, 0);
  if (box.p.u8 != 0xA5) return fail(t, CHECK_PROBE_U8, 0xA5, box.p.u8, 0);
  if (box.p.u16 != 0xBEEF) return fail(t, CHECK_PROBE_U16, 0xBEEF, box.p.u16, 0);
  if (box.p.u32 != (0xDEADBEEFU ^ (UINT32)PROBE_SEED)) {
    return fail(t, CHECK_PROBE_U32, 0xDEADBEEFU ^ (UINT32)PROBE_SEED, box.p.u32, 0);
  }
  if (box.p.u64 != PROBE_SEED * 3) return fail(t, CHECK_PROBE_U64, PROBE_SEED * 3, box.p.u64, 0);
  static const CHAR16 name[] = L"efiemu gate";
  for (UINTN i = 0; i < sizeof name / sizeof name[0]; i++) {
    if (box.p.name[i] != name[i]) return fail(t, CHECK_PROBE_NAME, name[i], box.p.name[i], i);
  }
  if (box.guard0 != GUARD || box.guard1 != GUARD) {
    return fail(t, CHECK_PROBE_GUARD, GUARD, box.guard0 != GUARD ? box.guard0 : box.guard1, 0);
  }

  args[0] = (UINT64)ascii_text;
  r = call(t, t->read_ascii, args, &clobbered);
  if (clobbered) return fail(t, CHECK_CLOBBER + 12, 0, clobbered, clobbered);
  if (r != sizeof ascii_text - 1) return fail(t, CHECK_ASCII, sizeof ascii_text - 1, r, 0);

  args[0] = (UINT64)utf16_text;
  r = call(t, t->read_utf16, args, &clobbered);
  if (clobbered) return fail(t, CHECK_CLOBBER + 13, 0, clobbered, clobbered);
  if (r != sizeof utf16_text / sizeof utf16_text[0] - 1) {
    return fail(t, CHECK_UTF16, sizeof utf16_text / sizeof utf16_text[0] - 1, r, 0);
  }
  return EFI_SUCCESS;
}
