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
 *
 * LoadOptions "state": EFI_KEY_DATA.KeyState, SetState and Reset of ConIn/ConInEx (UEFI 2.10 §12.2.2-4, §12.3.1),
 * lines starting with "ks ":
 *   - ReadKeyStrokeEx with no key (KeyData filled with 0xAA first): status, key and KeyState as returned
 *   - after "ks ready" a key 'q': ReadKeyStrokeEx's key and KeyState
 *   - SetState(VALID|CAPS|NUM), SetState(CAPS without VALID), SetState(NULL): status, and KeyState afterwards;
 *     SetState(CAPS without VALID) after cli: RFLAGS.IF after it
 *   - after "ks ctrl" Ctrl-x (byte 0x18 on COM1): its key and KeyState
 *   - after "ks reset-conin" a key 'r': WaitForEvent(WaitForKey), ConIn.Reset(FALSE), then ReadKeyStroke and two
 *     CheckEvent(WaitForKey): was the key typed before the reset kept? and the KeyState after the reset
 *   - after "ks reset-coninex" a key 's': the same with ConInEx.Reset(TRUE) and ReadKeyStrokeEx, with a key
 *     notification registered for 's' (so the key comes through the terminal's poll and notifies before the reset)
 *   - after "ks after-reset" a key 'u': read as usual (the FIFO works after a reset)
 * Keys expected (efiemu: KeyStatePayloadTest's script; QEMU: sent on COM1 after the lines named above).
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
static EFI_STATUS EFIAPI fn_s(EFI_KEY_DATA *k) { record('S', k); return EFI_SUCCESS; }
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

static EFI_STATUS read_ex(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex, EFI_KEY_DATA *k) {
  UINT8 *b = (UINT8 *)k;
  for (UINTN i = 0; i < sizeof *k; i++) b[i] = 0xAA;
  return ex->ReadKeyStrokeEx(ex, k);
}

static void show_key(const char *what, EFI_STATUS s, EFI_KEY_DATA *k) {
  rt_printf("ks %s %s scan 0x%x char 0x%x shift 0x%x toggle 0x%x\n", what, rt_status_name(s), k->Key.ScanCode,
            k->Key.UnicodeChar, k->KeyState.KeyShiftState, k->KeyState.KeyToggleState);
}

static EFI_STATUS wait_key(void) {
  UINTN index = 99;
  return bs->WaitForEvent(1, &conin->WaitForKey, &index);
}

static void state(EFI_SYSTEM_TABLE *st) {
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  rt_printf("ks ex %s\n", rt_status_name(bs->HandleProtocol(st->ConsoleInHandle, &gTextInEx, (void **)&ex)));
  if (!ex) return;
  EFI_KEY_DATA k;
  show_key("none", read_ex(ex, &k), &k);
  rt_printf("ks ready\n");
  EFI_STATUS w = wait_key();
  rt_printf("ks wait-q %s\n", rt_status_name(w));
  show_key("key-q", read_ex(ex, &k), &k);
  EFI_KEY_TOGGLE_STATE t = EFI_TOGGLE_STATE_VALID | EFI_CAPS_LOCK_ACTIVE | EFI_NUM_LOCK_ACTIVE;
  rt_printf("ks setstate-caps-num %s\n", rt_status_name(ex->SetState(ex, &t)));
  show_key("none-after-setstate", read_ex(ex, &k), &k);
  t = EFI_CAPS_LOCK_ACTIVE;
  rt_printf("ks setstate-no-valid %s\n", rt_status_name(ex->SetState(ex, &t)));
  rt_printf("ks setstate-null %s\n", rt_status_name(ex->SetState(ex, NULL)));
  __asm__ volatile("cli");
  EFI_STATUS ss = ex->SetState(ex, &t);
  UINT64 flags;
  __asm__ volatile("pushfq; popq %0; sti" : "=r"(flags));
  rt_printf("ks setstate-no-valid-cli %s if %d\n", rt_status_name(ss), (int)((flags >> 9) & 1));
  show_key("none-after-refusals", read_ex(ex, &k), &k);
  rt_printf("ks ctrl\n");
  w = wait_key();
  show_key("key-ctrl-x", read_ex(ex, &k), &k);
  rt_printf("ks reset-conin\n");
  w = wait_key();
  EFI_STATUS r = conin->Reset(conin, FALSE);
  EFI_INPUT_KEY in = {0x55, 0x55};
  EFI_STATUS rd = conin->ReadKeyStroke(conin, &in);
  EFI_STATUS c1 = bs->CheckEvent(conin->WaitForKey);
  EFI_STATUS c2 = bs->CheckEvent(conin->WaitForKey);
  rt_printf("ks conin wait %s reset %s read %s scan 0x%x char 0x%x check %s %s\n", rt_status_name(w),
            rt_status_name(r), rt_status_name(rd), in.ScanCode, in.UnicodeChar, rt_status_name(c1), rt_status_name(c2));
  show_key("none-after-reset", read_ex(ex, &k), &k);
  EFI_KEY_DATA ks = key(0, 's', 0);
  VOID *hs = 0;
  rt_printf("ks register-s %s\n", rt_status_name(ex->RegisterKeyNotify(ex, &ks, fn_s, &hs)));
  rt_printf("ks reset-coninex\n");
  w = wait_key();
  r = ex->Reset(ex, TRUE);
  rd = read_ex(ex, &k);
  c1 = bs->CheckEvent(conin->WaitForKey);
  c2 = bs->CheckEvent(conin->WaitForKey);
  rt_printf("ks coninex wait %s reset %s check %s %s log %s\n", rt_status_name(w), rt_status_name(r),
            rt_status_name(c1), rt_status_name(c2), log_buf);
  rt_printf("ks unregister-s %s\n", rt_status_name(ex->UnregisterKeyNotify(ex, hs)));
  show_key("read-after-reset", rd, &k);
  rt_printf("ks after-reset\n");
  w = wait_key();
  in.ScanCode = in.UnicodeChar = 0x55;
  rd = conin->ReadKeyStroke(conin, &in);
  rt_printf("ks key-u wait %s read %s scan 0x%x char 0x%x\n", rt_status_name(w), rt_status_name(rd), in.ScanCode,
            in.UnicodeChar);
}

static int is_state(EFI_HANDLE image) {
  static EFI_GUID lip = EFI_LOADED_IMAGE_PROTOCOL_GUID;
  EFI_LOADED_IMAGE *li = 0;
  if (bs->HandleProtocol(image, &lip, (void **)&li) != EFI_SUCCESS || !li || !li->LoadOptions) return 0;
  CHAR16 *o = (CHAR16 *)li->LoadOptions;
  UINTN n = li->LoadOptionsSize / 2;
  /* the Shell passes "fs0:\key-notify.efi state": look for "state" anywhere */
  for (UINTN i = 0; i + 5 <= n; i++) {
    if (o[i] == 's' && o[i + 1] == 't' && o[i + 2] == 'a' && o[i + 3] == 't' && o[i + 4] == 'e') return 1;
  }
  return 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  conin = st->ConIn;
  if (is_state(image)) {
    state(st);
    rt_printf("ks end\n");
    return EFI_SUCCESS;
  }
  notify(st);
  rt_printf("kn end\n");
  return EFI_SUCCESS;
}
