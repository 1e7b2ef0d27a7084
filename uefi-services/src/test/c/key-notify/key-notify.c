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
 *
 * LoadOptions "keypad": see keypad() below.
 *
 * LoadOptions "mods": keys with modifiers and toggles from OVMF's PS/2 keyboard (Ps2KeyboardDxe behind ConSplitterDxe;
 * QEMU's monitor "sendkey"), lines starting with "km ". After each "km next-NAME" line one key combination comes:
 *   ctrl-x (ReadKeyStrokeEx), ctrl-x (ReadKeyStroke), shift-f1, shift-a, alt-e, logo-r (ReadKeyStrokeEx),
 *   caps_lock then a (ReadKeyStrokeEx), caps_lock then shift-b (ReadKeyStroke), each read after WaitForEvent(WaitForKey);
 *   ctrl alone while ReadKeyStrokeEx is polled (no WaitForKey; partial keys not exposed): the first answer that is not
 *   the idle one, and how many keys came;
 *   SetState(VALID|EXPOSED), then ctrl alone and ctrl-x polled with ReadKeyStrokeEx: the keys as they come (partial
 *   keys exposed), SetState(VALID) again;
 *   RegisterKeyNotify, in this order, 'x' with KeyShiftState VALID (V), 'x' with 0 (X), 'x' with VALID|LEFT_CONTROL
 *   (C); then ctrl-x and x, each read with WaitForEvent + ReadKeyStrokeEx; the functions called with the KeyShiftState they got.
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

static char mlog[512];
static UINTN mlog_len;

static void mlog_str(const char *t) {
  while (*t && mlog_len + 1 < sizeof mlog) mlog[mlog_len++] = *t++;
  mlog[mlog_len] = 0;
}

static void mlog_hex(UINT32 v) {
  const char *d = "0123456789abcdef";
  char b[9];
  int n = 0;
  do { b[n++] = d[v & 15]; v >>= 4; } while (v);
  char o[10];
  for (int i = 0; i < n; i++) o[i] = b[n - 1 - i];
  o[n] = 0;
  mlog_str(o);
}

/* One entry: NAME(char,shift,toggle) */
static void mrecord(const char *name, EFI_KEY_DATA *k) {
  mlog_str(name);
  mlog_str("(");
  mlog_hex(k->Key.UnicodeChar);
  mlog_str(",");
  mlog_hex(k->KeyState.KeyShiftState);
  mlog_str(",");
  mlog_hex(k->KeyState.KeyToggleState);
  mlog_str(")");
}

static EFI_STATUS EFIAPI fn_mc(EFI_KEY_DATA *k) { mrecord("C", k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_mx(EFI_KEY_DATA *k) { mrecord("X", k); return EFI_SUCCESS; }
static EFI_STATUS EFIAPI fn_mv(EFI_KEY_DATA *k) { mrecord("V", k); return EFI_SUCCESS; }

static void mtail(EFI_STATUS s, EFI_KEY_DATA *k) {
  rt_printf(" %s scan 0x%x char 0x%x shift 0x%x toggle 0x%x\n", rt_status_name(s), k->Key.ScanCode, k->Key.UnicodeChar,
            k->KeyState.KeyShiftState, k->KeyState.KeyToggleState);
}

static void mex(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex, const char *what) {
  EFI_KEY_DATA k;
  EFI_STATUS w = wait_key();
  EFI_STATUS s = read_ex(ex, &k);
  rt_printf("km %s wait %s", what, rt_status_name(w));
  mtail(s, &k);
}

static void mplain(const char *what) {
  EFI_STATUS w = wait_key();
  EFI_INPUT_KEY in = {0x55, 0x55};
  EFI_STATUS s = conin->ReadKeyStroke(conin, &in);
  rt_printf("km %s wait %s read %s scan 0x%x char 0x%x\n", what, rt_status_name(w), rt_status_name(s), in.ScanCode,
            in.UnicodeChar);
}

/* Polls ReadKeyStrokeEx every 10 ms (no WaitForKey, which drops partial keys): prints every answer that is not the idle
   one (EFI_NOT_READY, no key, KeyShiftState EFI_SHIFT_STATE_VALID), or with keys_only every EFI_SUCCESS (a modifier
   held between two reads of QEMU's key shows in the idle answer: timing, not compared), up to `want` of them, within
   300 polls. */
static void mpoll(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex, const char *what, int want, int keys_only) {
  int seen = 0;
  for (int i = 0; i < 300 && seen < want; i++) {
    EFI_KEY_DATA k;
    EFI_STATUS s = read_ex(ex, &k);
    if (s == EFI_SUCCESS || (!keys_only && (k.Key.ScanCode || k.Key.UnicodeChar
                                            || k.KeyState.KeyShiftState != EFI_SHIFT_STATE_VALID))) {
      seen++;
      rt_printf("km %s %d", what, seen);
      mtail(s, &k);
      continue;
    }
    bs->Stall(10000);
  }
  rt_printf("km %s seen %d\n", what, seen);
}

static void mods(EFI_SYSTEM_TABLE *st) {
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  rt_printf("km ex %s\n", rt_status_name(bs->HandleProtocol(st->ConsoleInHandle, &gTextInEx, (void **)&ex)));
  if (!ex) return;
  rt_printf("km next-ctrl-x\n");
  mex(ex, "ctrl-x-ex");
  rt_printf("km next-ctrl-x-plain\n");
  mplain("ctrl-x-plain");
  rt_printf("km next-shift-f1\n");
  mex(ex, "shift-f1");
  rt_printf("km next-shift-a\n");
  mex(ex, "shift-a");
  rt_printf("km next-alt-e\n");
  mex(ex, "alt-e");
  rt_printf("km next-logo-r\n");
  mex(ex, "logo-r");
  rt_printf("km next-caps-a\n");
  mex(ex, "caps-a");
  rt_printf("km next-caps-shift-b\n");
  mplain("caps-shift-b-plain");
  bs->Stall(500000); /* the previous key released (QEMU holds a sendkey 100 ms) */
  rt_printf("km next-ctrl-hidden\n");
  mpoll(ex, "ctrl-hidden", 1, 0);
  EFI_KEY_TOGGLE_STATE t = EFI_TOGGLE_STATE_VALID | EFI_KEY_STATE_EXPOSED;
  rt_printf("km setstate-exposed %s\n", rt_status_name(ex->SetState(ex, &t)));
  bs->Stall(500000); /* the previous key released (QEMU holds a sendkey 100 ms) */
  rt_printf("km next-ctrl-exposed\n");
  mpoll(ex, "ctrl-exposed", 1, 1);
  bs->Stall(500000); /* the previous key released (QEMU holds a sendkey 100 ms) */
  rt_printf("km next-ctrl-x-exposed\n");
  mpoll(ex, "ctrl-x-exposed", 2, 1);
  t = EFI_TOGGLE_STATE_VALID;
  rt_printf("km setstate-valid %s\n", rt_status_name(ex->SetState(ex, &t)));
  EFI_KEY_DATA kc = key(0, 'x', EFI_SHIFT_STATE_VALID | EFI_LEFT_CONTROL_PRESSED), kx = key(0, 'x', 0);
  EFI_KEY_DATA kv = key(0, 'x', EFI_SHIFT_STATE_VALID);
  VOID *hc = 0, *hx = 0, *hv = 0;
  /* registered in the order V, X, C (as measured on QEMU + OVMF: the functions run in registration order) */
  EFI_STATUS rv = ex->RegisterKeyNotify(ex, &kv, fn_mv, &hv);
  EFI_STATUS rx = ex->RegisterKeyNotify(ex, &kx, fn_mx, &hx);
  EFI_STATUS rc = ex->RegisterKeyNotify(ex, &kc, fn_mc, &hc);
  rt_printf("km register %s %s %s\n", rt_status_name(rc), rt_status_name(rx), rt_status_name(rv));
  rt_printf("km next-notify-ctrl-x\n");
  mex(ex, "notify-ctrl-x");
  rt_printf("km log %s\n", mlog);
  mlog_len = 0;
  mlog[0] = 0;
  rt_printf("km next-notify-x\n");
  mex(ex, "notify-x");
  rt_printf("km log %s\n", mlog);
  rt_printf("km unregister %s %s %s\n", rt_status_name(ex->UnregisterKeyNotify(ex, hc)),
            rt_status_name(ex->UnregisterKeyNotify(ex, hx)), rt_status_name(ex->UnregisterKeyNotify(ex, hv)));
}

/* LoadOptions "keypad": the numeric keypad with Num Lock off and on, Shift on the keypad, a modifier held across keys,
   and Ctrl+Alt+Del, from OVMF's PS/2 keyboard (Ps2KeyboardDxe KeyGetchar). Lines start with "kp "; after each
   "kp next-NAME" line the keys named come (QEMU: sendkey; efiemu: KeypadPayloadTest's script). */
static void kex(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex, const char *what) {
  EFI_KEY_DATA k;
  EFI_STATUS w = wait_key();
  EFI_STATUS s = read_ex(ex, &k);
  rt_printf("kp %s wait %s", what, rt_status_name(w));
  mtail(s, &k);
}

static void keypad(EFI_SYSTEM_TABLE *st) {
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  rt_printf("kp ex %s\n", rt_status_name(bs->HandleProtocol(st->ConsoleInHandle, &gTextInEx, (void **)&ex)));
  if (!ex) return;
  rt_printf("kp next-kp7\n");
  kex(ex, "kp7-numlock-off");
  rt_printf("kp next-kp5-kp8\n");
  kex(ex, "kp5-kp8-numlock-off");
  rt_printf("kp next-kp-add\n");
  kex(ex, "kp-add");
  rt_printf("kp next-numlock-kp7\n");
  kex(ex, "numlock-kp7");
  rt_printf("kp next-kp-decimal\n");
  kex(ex, "kp-decimal");
  rt_printf("kp next-shift-kp7\n");
  kex(ex, "shift-kp7");
  rt_printf("kp next-kp1-plain\n");
  EFI_STATUS w = wait_key();
  EFI_INPUT_KEY in = {0x55, 0x55};
  EFI_STATUS s = conin->ReadKeyStroke(conin, &in);
  rt_printf("kp kp1-plain wait %s read %s scan 0x%x char 0x%x\n", rt_status_name(w), rt_status_name(s), in.ScanCode,
            in.UnicodeChar);
  rt_printf("kp next-delete\n");
  kex(ex, "delete-numlock-on");
  rt_printf("kp next-kp-enter\n");
  kex(ex, "kp-enter");
  rt_printf("kp next-numlock-kp2\n");
  kex(ex, "numlock-kp2");
  rt_printf("kp next-hold-ctrl\n");
  kex(ex, "held-ctrl-x");
  kex(ex, "held-ctrl-y");
  bs->Stall(500000);
  EFI_KEY_DATA idle;
  EFI_STATUS is = read_ex(ex, &idle); /* no key: the keyboard's state, Control still held */
  rt_printf("kp held-idle");
  mtail(is, &idle);
  rt_printf("kp next-z\n"); /* Control released, then z */
  kex(ex, "released-z");
  rt_printf("kp next-cad\n");
  /* Ps2KeyboardDxe's timer (every 20 ms at TPL_NOTIFY) finds Ctrl+Alt+Del and resets the machine: nothing below prints */
  for (int i = 0; i < 300; i++) bs->Stall(10000);
  rt_printf("kp cad-not-reset\n");
}

static int has_option(EFI_HANDLE image, const char *word) {
  static EFI_GUID lip = EFI_LOADED_IMAGE_PROTOCOL_GUID;
  EFI_LOADED_IMAGE *li = 0;
  if (bs->HandleProtocol(image, &lip, (void **)&li) != EFI_SUCCESS || !li || !li->LoadOptions) return 0;
  CHAR16 *o = (CHAR16 *)li->LoadOptions;
  UINTN n = li->LoadOptionsSize / 2, w = 0;
  while (word[w]) w++;
  for (UINTN i = 0; i + w <= n; i++) {
    UINTN j = 0;
    while (j < w && o[i + j] == (CHAR16)word[j]) j++;
    if (j == w) return 1;
  }
  return 0;
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
  if (has_option(image, "keypad")) {
    keypad(st);
    rt_printf("kp end\n");
    return EFI_SUCCESS;
  }
  if (has_option(image, "mods")) {
    mods(st);
    rt_printf("km end\n");
    return EFI_SUCCESS;
  }
  if (is_state(image)) {
    state(st);
    rt_printf("ks end\n");
    return EFI_SUCCESS;
  }
  notify(st);
  rt_printf("kn end\n");
  return EFI_SUCCESS;
}
