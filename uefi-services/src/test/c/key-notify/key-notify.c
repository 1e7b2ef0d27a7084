/*
 * key-notify: EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL.RegisterKeyNotify / UnregisterKeyNotify (UEFI 2.10 §12.2.5, §12.2.6)
 * as a menu uses them. LoadOptions "notify" (the only case):
 *   - the refusals: NULL KeyData, NULL function, NULL NotifyHandle, UnregisterKeyNotify(NULL) and of a handle never
 *     returned: EFI_INVALID_PARAMETER
 *   - registrations: 'a' -> A, 'a' -> B, Up -> U, 'x' with KeyShiftState VALID|LEFT_CONTROL -> X, 'z' -> Z; 'a' -> A
 *     again returns the first handle
 *   - four keys read with WaitForEvent(WaitForKey) + ReadKeyStroke; after each the log of the notification functions
 *     called so far: name, key, the TPL they ran at, and whether WaitForKey was already signalled (the key in the FIFO)
 *   - after the first key B is unregistered (EFI_SUCCESS), then again (EFI_INVALID_PARAMETER)
 *   - then the application spins (no service call) until Z's function sets a flag: the key's notification comes from
 *     the timer interrupt while guest code runs; then the key is still there for ReadKeyStroke
 * Keys expected (efiemu: KeyNotifyPayloadTest's script; QEMU: sent on COM1 once "ready"/"spin" is printed):
 *   'a', 'x', Up, 'a', 'b', then 'z'.
 * Every line starts with "kn ".
 */
#include "efiemu_rt.h"

static EFI_GUID gTextInEx = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
static EFI_BOOT_SERVICES *bs;
static SIMPLE_INPUT_INTERFACE *conin;

static char log_buf[512];
static UINTN log_len;
static volatile int z_seen;

static void log_char(char c) {
  if (log_len + 1 < sizeof log_buf) log_buf[log_len++] = c;
  log_buf[log_len] = 0;
}

static void log_hex(UINT16 v) {
  const char *d = "0123456789abcdef";
  int started = 0;
  for (int sh = 12; sh >= 0; sh -= 4) {
    int n = (v >> sh) & 15;
    if (n || started || sh == 0) { log_char(d[n]); started = 1; }
  }
}

/* One entry: NAME(scan,char@TPL,ready) */
static void record(char name, EFI_KEY_DATA *k) {
  EFI_TPL tpl = bs->RaiseTPL(TPL_HIGH_LEVEL);
  bs->RestoreTPL(tpl);
  EFI_STATUS ready = bs->CheckEvent(conin->WaitForKey);
  log_char(name);
  log_char('(');
  log_hex(k->Key.ScanCode);
  log_char(',');
  log_hex(k->Key.UnicodeChar);
  log_char('@');
  log_hex((UINT16)tpl);
  log_char(',');
  log_char(ready == EFI_SUCCESS ? 'r' : '-');
  log_char(',');
  log_hex((UINT16)k->KeyState.KeyShiftState);
  log_char(')');
}

static EFI_STATUS EFIAPI fn_a(EFI_KEY_DATA *k) { record('A', k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_b(EFI_KEY_DATA *k) { record('B', k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_u(EFI_KEY_DATA *k) { record('U', k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_x(EFI_KEY_DATA *k) { record('X', k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_z(EFI_KEY_DATA *k) { record('Z', k); z_seen = 1; return EFI_SUCCESS; }

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("kn %s %s\n", name, rt_status_name(s_)); } while (0)

static EFI_KEY_DATA key(UINT16 scan, CHAR16 ch, UINT32 shift) {
  EFI_KEY_DATA k;
  k.Key.ScanCode = scan;
  k.Key.UnicodeChar = ch;
  k.KeyState.KeyShiftState = shift;
  k.KeyState.KeyToggleState = 0;
  return k;
}

static void read_one(const char *what) {
  UINTN index = 99;
  EFI_STATUS w = bs->WaitForEvent(1, &conin->WaitForKey, &index);
  EFI_INPUT_KEY k = {0, 0};
  EFI_STATUS s = conin->ReadKeyStroke(conin, &k);
  rt_printf("kn %s wait %s read %s scan 0x%x char 0x%x log %s\n", what, rt_status_name(w), rt_status_name(s),
            k.ScanCode, k.UnicodeChar, log_buf);
}

static void notify(EFI_SYSTEM_TABLE *st) {
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  SHOW("ex", bs->HandleProtocol(st->ConsoleInHandle, &gTextInEx, (void **)&ex));
  if (!ex) return;
  EFI_KEY_DATA ka = key(0, 'a', 0), kx = key(0, 'x', EFI_SHIFT_STATE_VALID | EFI_LEFT_CONTROL_PRESSED);
  EFI_KEY_DATA ku = key(SCAN_UP, 0, 0), kz = key(0, 'z', 0);
  VOID *ha = 0, *hb = 0, *hu = 0, *hx = 0, *hz = 0, *again = 0;
  SHOW("register-null-keydata", ex->RegisterKeyNotify(ex, NULL, fn_a, &ha));
  SHOW("register-null-function", ex->RegisterKeyNotify(ex, &ka, NULL, &ha));
  SHOW("register-null-handle", ex->RegisterKeyNotify(ex, &ka, fn_a, NULL));
  SHOW("unregister-null", ex->UnregisterKeyNotify(ex, NULL));
  UINT64 bogus = 0;
  SHOW("unregister-unknown", ex->UnregisterKeyNotify(ex, &bogus));
  SHOW("register-a-A", ex->RegisterKeyNotify(ex, &ka, fn_a, &ha));
  SHOW("register-a-B", ex->RegisterKeyNotify(ex, &ka, fn_b, &hb));
  SHOW("register-up-U", ex->RegisterKeyNotify(ex, &ku, fn_u, &hu));
  SHOW("register-ctrl-x-X", ex->RegisterKeyNotify(ex, &kx, fn_x, &hx));
  SHOW("register-z-Z", ex->RegisterKeyNotify(ex, &kz, fn_z, &hz));
  SHOW("register-a-A-again", ex->RegisterKeyNotify(ex, &ka, fn_a, &again));
  rt_printf("kn handles distinct %d same-again %d\n",
            ha && hb && hu && hx && hz && ha != hb && hb != hu && hu != hx && hx != hz, again == ha);
  rt_printf("kn ready\n");
  read_one("key1");
  SHOW("unregister-B", ex->UnregisterKeyNotify(ex, hb));
  SHOW("unregister-B-again", ex->UnregisterKeyNotify(ex, hb));
  read_one("key2");
  read_one("key3");
  read_one("key4");
  read_one("key5");
  rt_printf("kn spin\n");
  UINT64 n = 0;
  while (!z_seen && n < (1ULL << 31)) n++;
  rt_printf("kn spin-end z %d\n", z_seen);
  read_one("key6");
  SHOW("unregister-A", ex->UnregisterKeyNotify(ex, ha));
  SHOW("unregister-U", ex->UnregisterKeyNotify(ex, hu));
  SHOW("unregister-X", ex->UnregisterKeyNotify(ex, hx));
  SHOW("unregister-Z", ex->UnregisterKeyNotify(ex, hz));
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  conin = st->ConIn;
  notify(st);
  rt_printf("kn end\n");
  return EFI_SUCCESS;
}
