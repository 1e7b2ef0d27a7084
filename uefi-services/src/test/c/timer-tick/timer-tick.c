/*
 * timer-tick: timer notifications delivered by the firmware's periodic timer interrupt while the application runs
 * its own code and calls no service (UEFI 2.10 §7.1.5, §7.1.8; EDK2 CoreTimerTick). LoadOptions select the case:
 *   "spin-periodic"  a periodic TPL_CALLBACK timer whose notification bumps a volatile counter; the application spins
 *                    on that counter (no service call) until it reaches 3, with a checksum kept in registers across
 *                    the interrupts; returns EFI_SUCCESS
 *   "one-shot"       a 25 ms relative timer: its notification runs once, at the first tick after 25 ms
 *   "tpl-order"      notifications due at the same tick run highest TPL first (armed right after a tick, so that
 *                    no tick falls between them on real firmware either)
 *   "tpl-nested"     a TPL_NOTIFY notification interrupts a TPL_CALLBACK notification that spins waiting for it
 *   "raise-restore"  at TPL_NOTIFY a TPL_CALLBACK timer's notification stays pending however long the application
 *                    spins; RestoreTPL runs it
 *   "spin-raised"    the spin of "spin-periodic" at TPL_NOTIFY: never ends (the notification is held by the TPL)
 *   "spin-cli"       the spin of "spin-periodic" with interrupts off (cli): never ends
 *   "if-tpl"         RFLAGS.IF after RaiseTPL(TPL_HIGH_LEVEL), RestoreTPL, and RestoreTPL after the caller's cli
 *   "if-services"    RFLAGS.IF after each of many services called after the caller's cli (a lock taken sets it)
 *   "sti-shadow"     a tick pending under cli is taken right after the guest's "sti; nop" (STI's shadow)
 *   "stall-ticks"    the ticks inside a 40 ms Stall are taken at their own times (notifications read the TSC there)
 *   "if-tick"        a tick pending under the caller's cli: still pending after CalculateCrc32, taken on the return
 *                    of AllocatePool (which takes a lock and so sets IF)
 *   "cost-tick"      ticks that come while the application calls GetMemoryMap in a loop (interrupts on): taken where
 *                    the service releases its lock, so a notification sees *MemoryMapSize unwritten
 *   "cost-tick-event" ticks that come while the application calls CheckEvent on an EVT_NOTIFY_WAIT event in a loop
 *                    (interrupts on), a timer's notification signalling that event: taken in CheckEvent's lock release,
 *                    so the same call returns EFI_SUCCESS
 *   "cost-tick-signal", "cost-tick-restore": a tick that comes while the application calls SignalEvent or
 *                    RaiseTPL + RestoreTPL in a loop (interrupts on): taken in the service's lock release (the trace
 *                    shows it)
 *   "cost-tick-settimer", "cost-tick-create-close": the same for SetTimer, and for CreateEvent + CloseEvent, until
 *                    three ticks were taken (the trace shows which were taken in a lock release)
 *   "release-order"  a tick pending under the caller's cli, taken in SignalEvent's, CheckEvent's and SetTimer's lock
 *                    release: the order of the notifications (the service's own first) and a 100 ns timer set then
 *   "release-notify" a tick pending under the caller's cli is taken where the service releases its lock, inside the
 *                    service: a TPL_CALLBACK notification reads the caller's OUT variable (GetMemoryMap's
 *                    *MemoryMapSize is written after EDK2's release, HandleProtocol's *Interface and AllocatePool's
 *                    *Buffer before it, CreateEvent's *Event after its pool allocation's) and calls
 *                    GetNextMonotonicCount; CloseEvent takes the tick in its event lock's release
 *   "if-protocols"   RFLAGS.IF after protocol functions loaders call (BlockIo, DiskIo, SimpleFileSystem and File on
 *                    the image's device, GOP, SerialIo, Rng, PciIo, ConOut/ConIn), each after the caller's cli
 *   "if-protocols2"  the same for the PCI root bridge, the other PciIo functions (stdvga), DiskInfo, ConInEx
 *                    SetState/RegisterKeyNotify/UnregisterKeyNotify, the Shell's StdOut file and the DXE services
 *   "poll-tick"      a PCI PollMem (root bridge, then PciIo) whose Delay spans timer ticks: a notification writes the
 *                    polled framebuffer word at the second tick and the poll returns EFI_SUCCESS there; with cli the
 *                    ticks stay masked and it times out
 *   "popf-iretq"     a tick pending under cli is taken right after the guest's POPF or IRETQ that sets IF (no
 *                    one-instruction shadow, unlike STI, whose line comes first): the first load after either already
 *                    sees its notification; the waits read the TSC, so that it also runs with instructions uncounted
 *   "phase"          ticks from SetTimer(TimerRelative, d) set half a tick after a tick to its notification
 *   "masked-high"    ticks while RaiseTPL(TPL_HIGH_LEVEL) masks interrupts for three ticks: one pending, taken at
 *                    RestoreTPL, the rest lost
 *   "nested-signal"  SignalEvent and RaiseTPL/RestoreTPL inside a notification a tick started
 *   "nested-tick"    "tpl-nested" with C's wait bounded by the TSC (6 ticks), so it ends where no nested tick runs D
 *   "spin-calls"     the spin of "spin-periodic" calling HandleProtocol in every round (time moves at service calls
 *                    even where instructions are not counted)
 * The case is the last word of LoadOptions (the UEFI Shell passes the whole command line), so the same binary can be
 * compared with QEMU + OVMF, whose terminal driver mirrors ConOut on COM1 (TimerTickOvmfLiveTest).
 * TimerTickPayloadTest checks the printed lines and how each run ends.
 */
#include "efiemu_rt.h"
#include <efishell.h>


static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_BOOT_SERVICES *bs;
static volatile UINTN counter;

/* The TPL the caller runs at: RaiseTPL returns the previous one. */
static EFI_TPL current_tpl(void) {
  EFI_TPL t = bs->RaiseTPL(TPL_HIGH_LEVEL);
  bs->RestoreTPL(t);
  return t;
}

/* Two instructions per round, no memory access and no RDTSC: on efiemu (one cycle per instruction, 2 GHz) 2 M rounds
   are 2 ms of virtual time. */
static void spin_rounds(UINT64 n) {
  __asm__ __volatile__("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

static void EFIAPI bump(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; counter++; }

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

#define LCG_A 6364136223846793005ULL
#define LCG_C 1442695040888963407ULL

static EFI_EVENT periodic(void) {
  EFI_EVENT e = 0;
  SHOW("create-periodic", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, bump, NULL, &e));
  SHOW("set-periodic-10ms", bs->SetTimer(e, TimerPeriodic, 100000));
  return e;
}

/* Spins without any service call until the notification ran 3 times; RDTSC brackets the spin. */
static void spin_on_counter(const char *what) {
  UINT64 acc = 1, n = 0;
  UINT64 t0 = rt_rdtsc();
  while (counter < 3) {
    acc = acc * LCG_A + LCG_C;
    n++;
  }
  UINT64 t1 = rt_rdtsc();
  UINTN seen = counter;
  UINT64 check = 1;
  for (UINT64 i = 0; i < n; i++) check = check * LCG_A + LCG_C;
  rt_printf("%s counter %lu\n", what, (unsigned long)seen);
  rt_printf("registers-intact %d\n", check == acc);
  rt_printf("spin-iterations-positive %d spin-tsc-positive %d\n", n > 0, t1 > t0);
}

static void spin_periodic(void) {
  EFI_EVENT e = periodic();
  spin_on_counter("spin-done");
  SHOW("cancel-periodic", bs->SetTimer(e, TimerCancel, 0));
  SHOW("close-periodic", bs->CloseEvent(e));
}

static volatile UINTN one_count;
static volatile UINT64 one_tsc;

static void EFIAPI one_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; one_count++; one_tsc = rt_rdtsc(); }

static void one_shot(void) {
  EFI_EVENT e = 0;
  SHOW("create-one-shot", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, one_notify, NULL, &e));
  UINT64 set = rt_rdtsc();
  SHOW("set-relative-25ms", bs->SetTimer(e, TimerRelative, 250000));
  while (one_count == 0) {
  }
  spin_rounds(30000000ULL); /* 30 ms more on efiemu: three more ticks */
  rt_printf("one-shot fired %lu\n", (unsigned long)one_count);
  rt_printf("one-shot-delay-tsc %lu\n", (unsigned long)(one_tsc - set));
  SHOW("close-one-shot", bs->CloseEvent(e));
}

static char order[16];
static volatile UINTN order_len;
static EFI_TPL order_tpl[16];
static volatile UINTN d_fired;

static void log_run(char c) {
  if (order_len < sizeof order - 1) {
    order_tpl[order_len] = current_tpl();
    order[order_len] = c;
    order_len = order_len + 1;
  }
}

static void EFIAPI log_notify(EFI_EVENT e, void *ctx) { (void)e; log_run((char)(UINTN)ctx); }

static void EFIAPI c_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  log_run('C');
  while (!d_fired) {
  }
  log_run('c');
}

static void EFIAPI d_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; log_run('D'); d_fired = 1; }

static void show_order(void) {
  order[order_len] = 0;
  rt_printf("order %s\n", order);
  rt_printf("tpls");
  for (UINTN i = 0; i < order_len; i++) rt_printf(" %c@%lu", order[i], (unsigned long)order_tpl[i]);
  rt_printf("\n");
}

static void tpl_order(void) {
  EFI_EVENT a = 0, b = 0;
  SHOW("create-a-callback", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, log_notify, (void *)'A', &a));
  SHOW("create-b-notify", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, log_notify, (void *)'B', &b));
  /* A then B, both armed right after a tick (a periodic notification just ran), so that no tick falls between them
     on real firmware either, where timers share a trigger time only between the same two ticks */
  EFI_EVENT sync = periodic();
  UINTN seen = counter;
  while (counter == seen) {
  }
  EFI_STATUS sa = bs->SetTimer(a, TimerRelative, 100000);
  EFI_STATUS sb = bs->SetTimer(b, TimerRelative, 100000);
  bs->CloseEvent(sync);
  rt_printf("set-a-10ms %s\n", rt_status_name(sa));
  rt_printf("set-b-10ms %s\n", rt_status_name(sb));
  while (order_len < 2) {
  }
  bs->CloseEvent(a);
  bs->CloseEvent(b);
  show_order();
}

static void tpl_nested(void) {
  EFI_EVENT c = 0, d = 0;
  SHOW("create-c-callback", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, c_notify, NULL, &c));
  SHOW("create-d-notify", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, d_notify, NULL, &d));
  SHOW("set-c-10ms", bs->SetTimer(c, TimerRelative, 100000));
  SHOW("set-d-30ms", bs->SetTimer(d, TimerRelative, 300000));
  while (order_len < 3) {
  }
  bs->CloseEvent(c);
  bs->CloseEvent(d);
  show_order();
}

/* RFLAGS.IF of the caller. */
static int if_on(void) {
  UINT64 f;
  __asm__ __volatile__("pushfq; popq %0" : "=r"(f));
  return (int)((f >> 9) & 1);
}

/* EDK2 CoreRaiseTpl clears IF when it raises to TPL_HIGH_LEVEL; CoreRestoreTpl sets it whenever the TPL it restores
   is below TPL_HIGH_LEVEL (also after the caller's own cli). Every value is taken before the next print, which itself
   raises and restores the TPL in OVMF's console drivers. */
static void if_tpl(void) {
  int entry = if_on();
  EFI_TPL old = bs->RaiseTPL(TPL_HIGH_LEVEL);
  int high = if_on();
  bs->RestoreTPL(old);
  int restored = if_on();
  old = bs->RaiseTPL(TPL_NOTIFY);
  int notify = if_on();
  bs->RestoreTPL(old);
  __asm__ __volatile__("cli");
  old = bs->RaiseTPL(TPL_NOTIFY);
  int cli_notify = if_on();
  bs->RestoreTPL(old);
  int cli_restored = if_on();
  rt_printf("if entry %d high %d restored %d notify %d cli-notify %d cli-restored %d\n", entry, high, restored, notify,
            cli_notify, cli_restored);
}

/* Ticks counted by a TPL_NOTIFY periodic timer of the tick period (SetTimer(TimerPeriodic, 0)): it fires at every
   tick, before any TPL_CALLBACK notification due at the same tick. */
static volatile UINTN tick_count;
static void EFIAPI tick_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; tick_count++; }
static volatile UINTN fired_at_tick;
static volatile UINTN fired;
static void EFIAPI fire_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; fired_at_tick = tick_count; fired = 1; }

static void wait_tick_edge(void) {
  UINTN c = tick_count;
  while (tick_count == c) {
  }
}

/* The tick phase of relative timers: each is set half a tick after a tick, and the number of ticks until its
   notification runs is printed. EDK2 counts a relative trigger time from mEfiSystemTime (the last tick), so it fires
   at the first tick at or after last-tick + delay: 1, 1, 2 and 3 ticks for 100 ns, 10, 20 and 25 ms. */
static void phase(void) {
  EFI_EVENT t = 0, one = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  SHOW("create-one", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, fire_notify, NULL, &one));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  UINT64 per_tick = (rt_rdtsc() - t0) / 4;
  static const UINT64 delays[] = {1, 100000, 200000, 250000};
  for (UINTN i = 0; i < sizeof delays / sizeof delays[0]; i++) {
    fired = 0;
    wait_tick_edge();
    UINT64 edge = rt_rdtsc();
    while (rt_rdtsc() - edge < per_tick / 2) {
    }
    UINTN at = tick_count;
    EFI_STATUS s = bs->SetTimer(one, TimerRelative, delays[i]);
    while (!fired) {
    }
    rt_printf("phase delay %lu set %s ticks %lu\n", (unsigned long)delays[i], rt_status_name(s),
              (unsigned long)(fired_at_tick - at));
  }
  bs->CloseEvent(one);
  bs->CloseEvent(t);
}

/* Ticks while RaiseTPL(TPL_HIGH_LEVEL) masks interrupts: the notification of a periodic timer cannot run; one tick
   stays pending and is taken at RestoreTPL (its notification runs before RestoreTPL returns), the others are lost, so
   the tick counter (TPL_NOTIFY, every tick) falls behind the TSC. */
static void masked_high(void) {
  EFI_EVENT t = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  UINT64 per_tick = (rt_rdtsc() - t0) / 4;
  wait_tick_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < per_tick / 2) {
  }
  UINTN before = tick_count;
  EFI_TPL old = bs->RaiseTPL(TPL_HIGH_LEVEL);
  UINT64 r0 = rt_rdtsc();
  while (rt_rdtsc() - r0 < per_tick * 3) {
  }
  UINTN during = tick_count;
  bs->RestoreTPL(old);
  UINTN after = tick_count;
  rt_printf("masked-high during %lu after-restore %lu\n", (unsigned long)(during - before),
            (unsigned long)(after - before));
  bs->CloseEvent(t);
}

/* Notifications inside a notification that a tick started: signalled at the notification's own TPL they wait until
   it returns; raised to TPL_NOTIFY and signalled there, one runs at RestoreTPL; signalled above the current TPL, one
   runs before SignalEvent returns. */
static EFI_EVENT ev_hi, ev_lo;
static void EFIAPI outer_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  log_run('O');
  bs->SignalEvent(ev_lo);
  log_run('o');
  EFI_TPL t = bs->RaiseTPL(TPL_NOTIFY);
  bs->SignalEvent(ev_hi);
  log_run('r');
  bs->RestoreTPL(t);
  log_run('x');
  bs->SignalEvent(ev_hi);
  log_run('y');
}

static void nested_signal(void) {
  EFI_EVENT outer = 0;
  SHOW("create-hi", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_NOTIFY, log_notify, (void *)'H', &ev_hi));
  SHOW("create-lo", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, log_notify, (void *)'L', &ev_lo));
  SHOW("create-outer", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, outer_notify, NULL, &outer));
  SHOW("set-outer-10ms", bs->SetTimer(outer, TimerRelative, 100000));
  while (order_len < 8) {
  }
  bs->CloseEvent(outer);
  bs->CloseEvent(ev_hi);
  bs->CloseEvent(ev_lo);
  show_order();
}

/* A TPL_CALLBACK notification that a tick started waits (bounded, 6 ticks by the TSC) for a TPL_NOTIFY timer due two
   ticks later: 'D' before 'c' when the nested tick ran D inside it. */
static UINT64 nested_per_tick;
static void EFIAPI c_bounded(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  log_run('C');
  UINT64 t0 = rt_rdtsc();
  while (!d_fired && rt_rdtsc() - t0 < nested_per_tick * 6) {
  }
  log_run('c');
}

static void nested_tick(void) {
  EFI_EVENT t = 0, c = 0, d = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  nested_per_tick = (rt_rdtsc() - t0) / 4;
  bs->CloseEvent(t);
  SHOW("create-c-callback", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, c_bounded, NULL, &c));
  SHOW("create-d-notify", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, d_notify, NULL, &d));
  SHOW("set-c-10ms", bs->SetTimer(c, TimerRelative, 100000));
  SHOW("set-d-30ms", bs->SetTimer(d, TimerRelative, 300000));
  while (order_len < 3) {
  }
  bs->CloseEvent(c);
  bs->CloseEvent(d);
  show_order();
}


/* RFLAGS.IF after each service called with interrupts off (cli) at TPL_APPLICATION: EDK2's services that take a lock
   (CoreAcquireLock raises the TPL, CoreReleaseLock -> CoreRestoreTpl executes STI below TPL_HIGH_LEVEL) return with
   IF set, those that take none leave it clear. Every value is taken right after the call and printed at the end. */
static EFI_GUID if_test_guid = {0x6d1a3c57, 0x2b0e, 0x4f7c, {0x9a, 0x41, 0x5e, 0x13, 0x88, 0xc2, 0x07, 0xd4}};
static EFI_GUID if_missing_guid = {0x0b7f9e21, 0x4c3d, 0x4a95, {0x86, 0x0e, 0x71, 0x2a, 0x5c, 0x33, 0x9f, 0x10}};
static EFI_RUNTIME_SERVICES *rs;
static EFI_SYSTEM_TABLE *sys;
static const char *ifs_name[64];
static EFI_STATUS ifs_status[64];
static int ifs_flag[64];
static UINTN ifs_n;

static void ifs_record(const char *name, EFI_STATUS s, int f) {
  if (ifs_n < 64) {
    ifs_name[ifs_n] = name;
    ifs_status[ifs_n] = s;
    ifs_flag[ifs_n] = f;
    ifs_n++;
  }
}

static int if_now(void) {
  UINT64 f;
  __asm__ __volatile__("pushfq; popq %0" : "=r"(f) : : "memory");
  return (int)((f >> 9) & 1);
}

#define CLI() __asm__ __volatile__("cli" : : : "memory")
#define IFS(name, call) do { CLI(); EFI_STATUS s_ = (call); int f_ = if_now(); ifs_record(name, s_, f_); } while (0)
#define IFS_VOID(name, call) do { CLI(); (call); int f_ = if_now(); ifs_record(name, EFI_SUCCESS, f_); } while (0)

static void EFIAPI ifs_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; }

static void if_services(EFI_HANDLE image) {
  void *pool = 0, *iface = 0;
  EFI_PHYSICAL_ADDRESS pages = 0;
  UINTN size = 0, key = 0, dsize = 0, count = 0;
  UINT32 dver = 0, crc = 0;
  UINT64 mono = 0;
  EFI_HANDLE *handles = 0, h = 0;
  EFI_GUID **guids = 0;
  EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *info = 0;
  EFI_EVENT ev = 0, ev2 = 0, plain = 0;
  void *reg = 0;
  static UINT8 src[16], dst[16];
  static int dummy_iface;
  CHAR16 vname[4] = {0};
  UINT32 attr = 0;
  UINT64 qmax = 0, qrem = 0, qvar = 0;
  EFI_TIME tm;
  IFS("AllocatePool", bs->AllocatePool(EfiLoaderData, 64, &pool));
  IFS("AllocatePool-bad-type", bs->AllocatePool((EFI_MEMORY_TYPE)0x1000, 64, &pool));
  IFS("AllocatePool-null-buffer", bs->AllocatePool(EfiLoaderData, 64, NULL));
  IFS("FreePool", bs->FreePool(pool));
  IFS("AllocatePages", bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, &pages));
  IFS("FreePages", bs->FreePages(pages, 1));
  IFS("FreePages-not-allocated", bs->FreePages(pages, 1));
  IFS("GetMemoryMap-too-small", bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver));
  IFS("GetMemoryMap-null-size", bs->GetMemoryMap(NULL, NULL, &key, &dsize, &dver));
  IFS("FreePool-null", bs->FreePool(NULL));
  IFS("HandleProtocol", bs->HandleProtocol(image, &loaded_image_guid, &iface));
  IFS("HandleProtocol-null-handle", bs->HandleProtocol(NULL, &loaded_image_guid, &iface));
  IFS("HandleProtocol-null-protocol", bs->HandleProtocol(image, NULL, &iface));
  IFS("LocateProtocol", bs->LocateProtocol(&loaded_image_guid, NULL, &iface));
  IFS("LocateProtocol-not-found", bs->LocateProtocol(&if_missing_guid, NULL, &iface));
  size = 0;
  IFS("LocateHandle-too-small", bs->LocateHandle(ByProtocol, &loaded_image_guid, NULL, &size, NULL));
  IFS("LocateHandleBuffer", bs->LocateHandleBuffer(ByProtocol, &loaded_image_guid, NULL, &count, &handles));
  IFS("FreePool-handles", bs->FreePool(handles));
  IFS("ProtocolsPerHandle", bs->ProtocolsPerHandle(image, &guids, &count));
  IFS("FreePool-guids", bs->FreePool(guids));
  IFS("OpenProtocol", bs->OpenProtocol(image, &loaded_image_guid, &iface, image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL));
  IFS("OpenProtocolInformation", bs->OpenProtocolInformation(image, &loaded_image_guid, &info, &count));
  IFS("FreePool-info", bs->FreePool(info));
  IFS("CloseProtocol", bs->CloseProtocol(image, &loaded_image_guid, image, NULL));
  IFS("InstallProtocolInterface", bs->InstallProtocolInterface(&h, &if_test_guid, EFI_NATIVE_INTERFACE, &dummy_iface));
  IFS("ReinstallProtocolInterface", bs->ReinstallProtocolInterface(h, &if_test_guid, &dummy_iface, &dummy_iface));
  IFS("UninstallProtocolInterface", bs->UninstallProtocolInterface(h, &if_test_guid, &dummy_iface));
  IFS("CreateEvent", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ifs_notify, NULL, &ev));
  IFS("RegisterProtocolNotify", bs->RegisterProtocolNotify(&if_test_guid, ev, &reg));
  IFS("CheckEvent-notify-signal", bs->CheckEvent(ev));
  IFS("SignalEvent-null", bs->SignalEvent(NULL));
  IFS("CreateEvent-bad-tpl", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_HIGH_LEVEL, ifs_notify, NULL, &ev2));
  IFS("CloseEvent", bs->CloseEvent(ev));
  bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &plain);
  IFS("CheckEvent-plain-not-signalled", bs->CheckEvent(plain));
  IFS("SetTimer-cancel", bs->SetTimer(plain, TimerCancel, 0));
  IFS("SignalEvent-plain", bs->SignalEvent(plain));
  IFS("CheckEvent-plain-signalled", bs->CheckEvent(plain));
  IFS("CloseEvent-plain", bs->CloseEvent(plain));
  IFS("InstallConfigurationTable", bs->InstallConfigurationTable(&if_test_guid, &dummy_iface));
  IFS("InstallConfigurationTable-remove", bs->InstallConfigurationTable(&if_test_guid, NULL));
  IFS("InstallConfigurationTable-remove-missing", bs->InstallConfigurationTable(&if_test_guid, NULL));
  IFS("ConnectController", bs->ConnectController(image, NULL, NULL, FALSE));
  IFS("SetWatchdogTimer", bs->SetWatchdogTimer(0, 0x10000, 0, NULL));
  IFS("GetNextMonotonicCount", bs->GetNextMonotonicCount(&mono));
  IFS("CalculateCrc32", bs->CalculateCrc32(src, sizeof src, &crc));
  IFS_VOID("CopyMem", bs->CopyMem(dst, src, sizeof src));
  IFS_VOID("SetMem", bs->SetMem(dst, sizeof dst, 0x5a));
  IFS("Stall", bs->Stall(10));
  size = sizeof dst;
  IFS("GetVariable-not-found", rs->GetVariable(L"EfiemuNoSuchVar", &if_test_guid, &attr, &size, dst));
  IFS("GetNextVariableName-null-size", rs->GetNextVariableName(NULL, vname, &if_test_guid));
  IFS("SetVariable-delete-missing", rs->SetVariable(L"EfiemuNoSuchVar", &if_test_guid, 0, 0, NULL));
  IFS("QueryVariableInfo", rs->QueryVariableInfo(EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS, &qmax,
                                                  &qrem, &qvar));
  IFS("GetTime", rs->GetTime(&tm, NULL));
  IFS("GetNextHighMonotonicCount", rs->GetNextHighMonotonicCount(&crc));
  IFS("ConOut.OutputString-empty", sys->ConOut->OutputString(sys->ConOut, L""));
  IFS("ConIn.ReadKeyStroke", sys->ConIn->ReadKeyStroke(sys->ConIn, (EFI_INPUT_KEY *)dst));
  __asm__ __volatile__("sti" : : : "memory");
  for (UINTN i = 0; i < ifs_n; i++) {
    rt_printf("ifsvc %s %s if %d\n", ifs_name[i], rt_status_name(ifs_status[i]), ifs_flag[i]);
  }
}

/* RFLAGS.IF after protocol functions, each called after the caller's cli: OVMF's drivers that raise and restore the
   TPL (gBS->RaiseTPL / RestoreTPL, EfiAcquireLock) or call a Boot Service that takes a lock (AllocatePool) return
   with IF set; the others leave it clear. "ifproto NAME STATUS if F", or "ifproto PROTOCOL none" when absent. */
static EFI_GUID ifp_blockio = EFI_BLOCK_IO_PROTOCOL_GUID;
static EFI_GUID ifp_diskio = EFI_DISK_IO_PROTOCOL_GUID;
static EFI_GUID ifp_fs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID ifp_fileinfo = EFI_FILE_INFO_ID;
static EFI_GUID ifp_gop = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
static EFI_GUID ifp_serial = EFI_SERIAL_IO_PROTOCOL_GUID;
static EFI_GUID ifp_rng = EFI_RNG_PROTOCOL_GUID;
static EFI_GUID ifp_pciio = EFI_PCI_IO_PROTOCOL_GUID;
static UINT8 ifp_buf[4096] __attribute__((aligned(4096)));

#define IFP(name, call) do { CLI(); EFI_STATUS s_ = (call); int f_ = if_now(); \
    __asm__ __volatile__("sti" : : : "memory"); \
    rt_printf("ifproto %s %s if %d\n", name, rt_status_name(s_), f_); } while (0)

static void if_protocols(EFI_HANDLE image) {
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  EFI_HANDLE dev = li ? li->DeviceHandle : 0;
  EFI_BLOCK_IO *bio = 0;
  if (dev && bs->HandleProtocol(dev, &ifp_blockio, (void **)&bio) == EFI_SUCCESS && bio) {
    UINT32 mid = bio->Media->MediaId;
    UINTN bsz = bio->Media->BlockSize;
    IFP("BlockIo.ReadBlocks", bio->ReadBlocks(bio, mid, 0, bsz, ifp_buf));
    IFP("BlockIo.ReadBlocks-bad-size", bio->ReadBlocks(bio, mid, 0, 1, ifp_buf));
    IFP("BlockIo.ReadBlocks-other-media", bio->ReadBlocks(bio, mid + 1, 0, bsz, ifp_buf));
    IFP("BlockIo.ReadBlocks-past-end", bio->ReadBlocks(bio, mid, bio->Media->LastBlock + 1, bsz, ifp_buf));
    IFP("BlockIo.ReadBlocks-zero", bio->ReadBlocks(bio, mid, 0, 0, ifp_buf));
    IFP("BlockIo.FlushBlocks", bio->FlushBlocks(bio));
    IFP("BlockIo.Reset", bio->Reset(bio, FALSE));
  } else {
    rt_printf("ifproto BlockIo none\n");
  }
  /* the whole disk's BlockIo (AtaBus on OVMF: its checks come before the TPL is raised) */
  EFI_HANDLE *all = 0;
  UINTN nall = 0;
  EFI_BLOCK_IO *disk = 0;
  if (bs->LocateHandleBuffer(ByProtocol, &ifp_blockio, NULL, &nall, &all) == EFI_SUCCESS) {
    for (UINTN i = 0; i < nall && !disk; i++) {
      EFI_BLOCK_IO *b = 0;
      if (bs->HandleProtocol(all[i], &ifp_blockio, (void **)&b) == EFI_SUCCESS && b && !b->Media->LogicalPartition
          && b->Media->MediaPresent) {
        disk = b;
      }
    }
    bs->FreePool(all);
  }
  if (disk) {
    UINT32 mid = disk->Media->MediaId;
    UINTN bsz = disk->Media->BlockSize;
    IFP("BlockIo-disk.ReadBlocks", disk->ReadBlocks(disk, mid, 0, bsz, ifp_buf));
    IFP("BlockIo-disk.ReadBlocks-bad-size", disk->ReadBlocks(disk, mid, 0, 1, ifp_buf));
    IFP("BlockIo-disk.ReadBlocks-other-media", disk->ReadBlocks(disk, mid + 1, 0, bsz, ifp_buf));
    IFP("BlockIo-disk.ReadBlocks-zero", disk->ReadBlocks(disk, mid, 0, 0, ifp_buf));
    IFP("BlockIo-disk.FlushBlocks", disk->FlushBlocks(disk));
    IFP("BlockIo-disk.Reset", disk->Reset(disk, FALSE));
  } else {
    rt_printf("ifproto BlockIo-disk none\n");
  }
  EFI_DISK_IO *dio = 0;
  if (dev && bio && bs->HandleProtocol(dev, &ifp_diskio, (void **)&dio) == EFI_SUCCESS && dio) {
    UINT32 mid = bio->Media->MediaId;
    IFP("DiskIo.ReadDisk", dio->ReadDisk(dio, mid, 0, 16, ifp_buf));
    IFP("DiskIo.ReadDisk-other-media", dio->ReadDisk(dio, mid + 1, 0, 16, ifp_buf));
    IFP("DiskIo.ReadDisk-past-end", dio->ReadDisk(dio, mid, (bio->Media->LastBlock + 2) * bio->Media->BlockSize, 16,
                                                  ifp_buf));
    IFP("DiskIo.ReadDisk-zero", dio->ReadDisk(dio, mid, 0, 0, ifp_buf));
  } else {
    rt_printf("ifproto DiskIo none\n");
  }
  EFI_FILE_IO_INTERFACE *fs = 0;
  if (dev && bs->HandleProtocol(dev, &ifp_fs, (void **)&fs) == EFI_SUCCESS && fs) {
    EFI_FILE_HANDLE root = 0, f = 0, g = 0;
    IFP("Fs.OpenVolume", fs->OpenVolume(fs, &root));
    IFP("File.Open", root->Open(root, &f, L"timer-tick.efi", EFI_FILE_MODE_READ, 0));
    IFP("File.Open-not-found", root->Open(root, &g, L"no-such-file.efi", EFI_FILE_MODE_READ, 0));
    UINTN n = 16;
    UINT64 pos = 0;
    IFP("File.Read", f->Read(f, &n, ifp_buf));
    IFP("File.GetPosition", f->GetPosition(f, &pos));
    IFP("File.SetPosition", f->SetPosition(f, 0));
    n = sizeof ifp_buf;
    IFP("File.GetInfo", f->GetInfo(f, &ifp_fileinfo, &n, ifp_buf));
    n = 0;
    IFP("File.GetInfo-too-small", f->GetInfo(f, &ifp_fileinfo, &n, ifp_buf));
    IFP("File.Flush", f->Flush(f));
    IFP("File.Close", f->Close(f));
    IFP("File.Close-root", root->Close(root));
  } else {
    rt_printf("ifproto Fs none\n");
  }
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = 0;
  if (bs->LocateProtocol(&ifp_gop, NULL, (void **)&gop) == EFI_SUCCESS && gop) {
    UINTN sz = 0;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = 0;
    IFP("GOP.QueryMode", gop->QueryMode(gop, gop->Mode->Mode, &sz, &info));
    if (info) bs->FreePool(info);
    IFP("GOP.QueryMode-bad-mode", gop->QueryMode(gop, gop->Mode->MaxMode, &sz, &info));
    EFI_GRAPHICS_OUTPUT_BLT_PIXEL px = {0, 0, 0, 0};
    IFP("GOP.Blt", gop->Blt(gop, &px, EfiBltVideoToBltBuffer, 0, 0, 0, 0, 1, 1, 0));
    IFP("GOP.Blt-bad-operation", gop->Blt(gop, &px, EfiGraphicsOutputBltOperationMax, 0, 0, 0, 0, 1, 1, 0));
    IFP("GOP.Blt-zero", gop->Blt(gop, &px, EfiBltVideoToBltBuffer, 0, 0, 0, 0, 0, 0, 0));
  } else {
    rt_printf("ifproto GOP none\n");
  }
  EFI_SERIAL_IO_PROTOCOL *sio = 0;
  if (bs->LocateProtocol(&ifp_serial, NULL, (void **)&sio) == EFI_SUCCESS && sio) {
    UINT32 ctl = 0;
    IFP("SerialIo.GetControl", sio->GetControl(sio, &ctl));
    UINTN n = 0;
    IFP("SerialIo.Write-zero", sio->Write(sio, &n, ifp_buf));
    n = 0;
    IFP("SerialIo.Read-zero", sio->Read(sio, &n, ifp_buf));
    n = 1;
    ifp_buf[0] = '\r';
    IFP("SerialIo.Write", sio->Write(sio, &n, ifp_buf));
  } else {
    rt_printf("ifproto SerialIo none\n");
  }
  EFI_RNG_PROTOCOL *rng = 0;
  if (bs->LocateProtocol(&ifp_rng, NULL, (void **)&rng) == EFI_SUCCESS && rng) {
    UINTN sz = 64;
    IFP("Rng.GetInfo", rng->GetInfo(rng, &sz, (EFI_RNG_ALGORITHM *)ifp_buf));
    IFP("Rng.GetRNG", rng->GetRNG(rng, NULL, 16, ifp_buf));
    IFP("Rng.GetRNG-zero", rng->GetRNG(rng, NULL, 0, ifp_buf));
  } else {
    rt_printf("ifproto Rng none\n");
  }
  EFI_PCI_IO_PROTOCOL *pci = 0;
  if (bs->LocateProtocol(&ifp_pciio, NULL, (void **)&pci) == EFI_SUCCESS && pci) {
    UINT32 v = 0;
    UINTN seg = 0, bus = 0, d = 0, fn = 0;
    UINT64 attr = 0;
    void *res = 0;
    IFP("PciIo.Pci.Read", pci->Pci.Read(pci, EfiPciIoWidthUint32, 0, 1, &v));
    IFP("PciIo.GetLocation", pci->GetLocation(pci, &seg, &bus, &d, &fn));
    IFP("PciIo.Attributes-get", pci->Attributes(pci, EfiPciIoAttributeOperationGet, 0, &attr));
    IFP("PciIo.GetBarAttributes-no-bar", pci->GetBarAttributes(pci, 0, &attr, &res));
    if (res) bs->FreePool(res);
    /* the first function whose BAR 0 answers (stdvga on q35) */
    EFI_HANDLE *hs = 0;
    UINTN nh = 0;
    if (bs->LocateHandleBuffer(ByProtocol, &ifp_pciio, NULL, &nh, &hs) == EFI_SUCCESS) {
      for (UINTN i = 0; i < nh; i++) {
        EFI_PCI_IO_PROTOCOL *p = 0;
        bs->HandleProtocol(hs[i], &ifp_pciio, (void **)&p);
        res = 0;
        CLI();
        EFI_STATUS st = p->GetBarAttributes(p, 0, &attr, &res);
        int f = if_now();
        __asm__ __volatile__("sti" : : : "memory");
        if (st == EFI_SUCCESS) {
          rt_printf("ifproto PciIo.GetBarAttributes %s if %d\n", rt_status_name(st), f);
          if (res) bs->FreePool(res);
          break;
        }
      }
      bs->FreePool(hs);
    }
  } else {
    rt_printf("ifproto PciIo none\n");
  }
  SIMPLE_TEXT_OUTPUT_INTERFACE *out = sys->ConOut;
  UINTN cols = 0, rows = 0;
  IFP("ConOut.QueryMode", out->QueryMode(out, out->Mode->Mode, &cols, &rows));
  UINTN attr0 = (UINTN)out->Mode->Attribute;
  IFP("ConOut.SetAttribute", out->SetAttribute(out, attr0));
  IFP("ConOut.SetAttribute-changed", out->SetAttribute(out, attr0 ^ 0x01));
  out->SetAttribute(out, attr0);
  IFP("ConOut.TestString", out->TestString(out, L"a"));
  IFP("ConOut.EnableCursor", out->EnableCursor(out, out->Mode->CursorVisible));
  IFP("ConOut.SetCursorPosition", out->SetCursorPosition(out, 0, out->Mode->CursorRow));
  IFP("ConIn.Reset", sys->ConIn->Reset(sys->ConIn, FALSE));
}

/* IF after the protocol functions if-protocols does not reach: the PCI root bridge, the other PciIo functions (on the
   stdvga function: its BAR 0 is the GOP framebuffer), DiskInfo, ConInEx SetState/RegisterKeyNotify/
   UnregisterKeyNotify, the Shell's StdOut file and the DXE services, each after the caller's cli. */
static EFI_GUID ifp_rootbridge = EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_GUID;
static EFI_GUID ifp_diskinfo = {0xd432a67f, 0x14dc, 0x484b, {0xb3, 0xbb, 0x3f, 0x02, 0x91, 0x84, 0x93, 0x27}};
static EFI_GUID ifp_conin_ex = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
static EFI_GUID ifp_shell_params = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
static EFI_GUID ifp_dxe_services = {0x05ad34ba, 0x6f02, 0x4214, {0x95, 0x2e, 0x4d, 0xa0, 0x39, 0x8e, 0x2b, 0xb9}};

#define IFP2(name, call) do { CLI(); EFI_STATUS s_ = (call); int f_ = if_now(); \
    __asm__ __volatile__("sti" : : : "memory"); \
    rt_printf("ifproto2 %s %s if %d\n", name, rt_status_name(s_), f_); } while (0)

typedef EFI_STATUS (EFIAPI *disk_info_fn)(void *This, void *Data, UINT32 *Size);
typedef EFI_STATUS (EFIAPI *disk_info_sense_fn)(void *This, void *Data, UINT32 *Size, UINT8 *Count);
typedef EFI_STATUS (EFIAPI *disk_info_ide_fn)(void *This, UINT32 *Channel, UINT32 *Device);
typedef struct {
  EFI_GUID Interface;
  disk_info_fn Inquiry;
  disk_info_fn Identify;
  disk_info_sense_fn SenseData;
  disk_info_ide_fn WhichIde;
} ifp_disk_info;

typedef EFI_STATUS (EFIAPI *dxe_descriptor_fn)(UINT64 Base, void *Descriptor);
typedef EFI_STATUS (EFIAPI *dxe_map_fn)(UINTN *Count, void **Map);

static EFI_STATUS EFIAPI ifp_key_notify(EFI_KEY_DATA *k) { (void)k; return EFI_SUCCESS; }

static EFI_PCI_IO_PROTOCOL *ifp_vga(void) {
  EFI_HANDLE *hs = 0;
  UINTN nh = 0;
  EFI_PCI_IO_PROTOCOL *vga = 0;
  if (bs->LocateHandleBuffer(ByProtocol, &ifp_pciio, NULL, &nh, &hs) == EFI_SUCCESS) {
    for (UINTN i = 0; i < nh && !vga; i++) {
      EFI_PCI_IO_PROTOCOL *p = 0;
      UINTN seg = 0, bus = 0, d = 0, fn = 0;
      bs->HandleProtocol(hs[i], &ifp_pciio, (void **)&p);
      if (p && p->GetLocation(p, &seg, &bus, &d, &fn) == EFI_SUCCESS && bus == 0 && d == 1 && fn == 0) vga = p;
    }
    bs->FreePool(hs);
  }
  return vga;
}

static void if_protocols2(EFI_HANDLE image) {
  EFI_PCI_IO_PROTOCOL *pci = ifp_vga();
  if (pci) {
    UINT32 v = 0, w = 0;
    UINT64 r = 0, off = 0, len = 0x1000;
    UINT8 line = 0;
    void *buf = 0, *mapping = 0;
    UINTN bytes = 4096;
    EFI_PHYSICAL_ADDRESS dev = 0;
    IFP2("PciIo.Mem.Read", pci->Mem.Read(pci, EfiPciIoWidthUint32, 0, 0x100, 1, &v));
    IFP2("PciIo.Mem.Write", pci->Mem.Write(pci, EfiPciIoWidthUint32, 0, 0x100, 1, &v));
    IFP2("PciIo.Io.Read-no-bar", pci->Io.Read(pci, EfiPciIoWidthUint8, 0, 0, 1, &w));
    pci->Pci.Read(pci, EfiPciIoWidthUint8, 0x3C, 1, &line);
    IFP2("PciIo.Pci.Write", pci->Pci.Write(pci, EfiPciIoWidthUint8, 0x3C, 1, &line));
    IFP2("PciIo.PollMem", pci->PollMem(pci, EfiPciIoWidthUint32, 0, 0x100, 0, 0, 0, &r));
    IFP2("PciIo.CopyMem", pci->CopyMem(pci, EfiPciIoWidthUint32, 0, 0x200, 0, 0x100, 1));
    IFP2("PciIo.Flush", pci->Flush(pci));
    IFP2("PciIo.SetBarAttributes", pci->SetBarAttributes(pci, 0, 0, &off, &len));
    IFP2("PciIo.AllocateBuffer", pci->AllocateBuffer(pci, AllocateAnyPages, EfiBootServicesData, 1, &buf, 0));
    IFP2("PciIo.Map", pci->Map(pci, EfiPciIoOperationBusMasterCommonBuffer, buf, &bytes, &dev, &mapping));
    IFP2("PciIo.Unmap", pci->Unmap(pci, mapping));
    IFP2("PciIo.FreeBuffer", pci->FreeBuffer(pci, 1, buf));
    /* errors: PciBusDxe's own checks, then the root bridge's (which PciBusDxe reports as a status code) */
    IFP2("PciIo.Mem.Read-bad-bar", pci->Mem.Read(pci, EfiPciIoWidthUint32, 1, 0, 1, &v));
    IFP2("PciIo.PollMem-timeout", pci->PollMem(pci, EfiPciIoWidthUint32, 0, 0x100, 0xFFFFFFFF, v ^ 1, 1000, &r));
    IFP2("PciIo.PollMem-result-null", pci->PollMem(pci, EfiPciIoWidthUint32, 0, 0x100, 0, 1, 0, NULL));
    IFP2("PciIo.AllocateBuffer-bad-type", pci->AllocateBuffer(pci, AllocateAnyPages, EfiLoaderData, 1, &buf, 0));
    IFP2("PciIo.AllocateBuffer-bad-attributes", pci->AllocateBuffer(pci, AllocateAnyPages, EfiBootServicesData, 1,
                                                                    &buf, 1));
    IFP2("PciIo.FreeBuffer-again", pci->FreeBuffer(pci, 1, buf));
    /* the root bridge's refusals of reads, writes and copies (misaligned; Pci: Buffer NULL) vs PciBusDxe's (range) */
    IFP2("PciIo.Mem.Read-misaligned", pci->Mem.Read(pci, EfiPciIoWidthUint32, 0, 0x102, 1, &v));
    IFP2("PciIo.Mem.Write-misaligned", pci->Mem.Write(pci, EfiPciIoWidthUint16, 0, 0x101, 1, &v));
    IFP2("PciIo.Pci.Read-misaligned", pci->Pci.Read(pci, EfiPciIoWidthUint16, 0x3D, 1, &w));
    IFP2("PciIo.Pci.Read-null-buffer", pci->Pci.Read(pci, EfiPciIoWidthUint8, 0x3C, 1, NULL));
    IFP2("PciIo.Pci.Write-beyond", pci->Pci.Write(pci, EfiPciIoWidthUint32, 0xFFC, 2, &v));
    IFP2("PciIo.CopyMem-misaligned", pci->CopyMem(pci, EfiPciIoWidthUint32, 0, 0x202, 0, 0x100, 1));
    IFP2("PciIo.CopyMem-beyond", pci->CopyMem(pci, EfiPciIoWidthUint32, 0, 0xFFFFFF00, 0, 0x100, 1));
  } else {
    rt_printf("ifproto2 PciIo none\n");
  }
  EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = 0;
  bs->LocateProtocol(&ifp_gop, NULL, (void **)&gop);
  if (pci && gop && bs->LocateProtocol(&ifp_rootbridge, NULL, (void **)&rb) == EFI_SUCCESS && rb) {
    UINT64 fb = gop->Mode->FrameBufferBase;
    UINT32 v = 0;
    UINT8 port = 0;
    UINT64 r = 0, attrs = 0, supports = 0;
    void *res = 0, *buf = 0, *mapping = 0;
    UINTN bytes = 4096;
    EFI_PHYSICAL_ADDRESS dev = 0;
    IFP2("PciRootBridgeIo.Pci.Read", rb->Pci.Read(rb, EfiPciIoWidthUint32, (1ULL << 16), 1, &v));
    IFP2("PciRootBridgeIo.Mem.Read", rb->Mem.Read(rb, EfiPciIoWidthUint32, fb + 0x100, 1, &v));
    IFP2("PciRootBridgeIo.Mem.Write", rb->Mem.Write(rb, EfiPciIoWidthUint32, fb + 0x100, 1, &v));
    IFP2("PciRootBridgeIo.Io.Read", rb->Io.Read(rb, EfiPciIoWidthUint8, 0x6040, 1, &port));
    IFP2("PciRootBridgeIo.PollMem", rb->PollMem(rb, EfiPciIoWidthUint32, fb + 0x100, 0, 0, 0, &r));
    IFP2("PciRootBridgeIo.CopyMem", rb->CopyMem(rb, EfiPciIoWidthUint32, fb + 0x200, fb + 0x100, 1));
    IFP2("PciRootBridgeIo.Flush", rb->Flush(rb));
    IFP2("PciRootBridgeIo.GetAttributes", rb->GetAttributes(rb, &supports, &attrs));
    IFP2("PciRootBridgeIo.SetAttributes", rb->SetAttributes(rb, attrs, NULL, NULL));
    IFP2("PciRootBridgeIo.Configuration", rb->Configuration(rb, &res));
    IFP2("PciRootBridgeIo.AllocateBuffer", rb->AllocateBuffer(rb, AllocateAnyPages, EfiBootServicesData, 1, &buf, 0));
    IFP2("PciRootBridgeIo.Map", rb->Map(rb, EfiPciOperationBusMasterCommonBuffer, buf, &bytes, &dev, &mapping));
    IFP2("PciRootBridgeIo.Unmap", rb->Unmap(rb, mapping));
    IFP2("PciRootBridgeIo.FreeBuffer", rb->FreeBuffer(rb, 1, buf));
    IFP2("PciRootBridgeIo.PollMem-timeout", rb->PollMem(rb, EfiPciIoWidthUint32, fb + 0x100, 0xFFFFFFFF, v ^ 1, 1000,
                                                        &r));
    IFP2("PciRootBridgeIo.AllocateBuffer-bad-type", rb->AllocateBuffer(rb, AllocateAnyPages, EfiLoaderData, 1, &buf,
                                                                       0));
    IFP2("PciRootBridgeIo.FreeBuffer-again", rb->FreeBuffer(rb, 1, buf));
  } else {
    rt_printf("ifproto2 PciRootBridgeIo none\n");
  }
  EFI_HANDLE *hs = 0;
  UINTN nh = 0;
  ifp_disk_info *di = 0;
  if (bs->LocateHandleBuffer(ByProtocol, &ifp_diskinfo, NULL, &nh, &hs) == EFI_SUCCESS) {
    bs->HandleProtocol(hs[0], &ifp_diskinfo, (void **)&di);
    bs->FreePool(hs);
  }
  if (di) {
    UINT32 size = 512, ch = 0, devn = 0;
    UINT8 count = 0;
    IFP2("DiskInfo.Identify", di->Identify(di, ifp_buf, &size));
    size = 0;
    IFP2("DiskInfo.Identify-too-small", di->Identify(di, ifp_buf, &size));
    size = 512;
    IFP2("DiskInfo.Inquiry", di->Inquiry(di, ifp_buf, &size));
    size = 512;
    IFP2("DiskInfo.SenseData", di->SenseData(di, ifp_buf, &size, &count));
    IFP2("DiskInfo.WhichIde", di->WhichIde(di, &ch, &devn));
  } else {
    rt_printf("ifproto2 DiskInfo none\n");
  }
  EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *ex = 0;
  if (bs->HandleProtocol(sys->ConsoleInHandle, &ifp_conin_ex, (void **)&ex) == EFI_SUCCESS && ex) {
    EFI_KEY_TOGGLE_STATE state = EFI_TOGGLE_STATE_VALID;
    EFI_KEY_DATA key;
    void *handle = 0;
    for (UINTN i = 0; i < sizeof key; i++) ((volatile UINT8 *)&key)[i] = 0;
    key.Key.UnicodeChar = 'q';
    IFP2("ConInEx.SetState", ex->SetState(ex, &state));
    IFP2("ConInEx.SetState-null", ex->SetState(ex, NULL));
    IFP2("ConInEx.RegisterKeyNotify", ex->RegisterKeyNotify(ex, &key, ifp_key_notify, &handle));
    IFP2("ConInEx.RegisterKeyNotify-null", ex->RegisterKeyNotify(ex, NULL, ifp_key_notify, &handle));
    IFP2("ConInEx.UnregisterKeyNotify", ex->UnregisterKeyNotify(ex, handle));
    IFP2("ConInEx.UnregisterKeyNotify-again", ex->UnregisterKeyNotify(ex, handle));
  } else {
    rt_printf("ifproto2 ConInEx none\n");
  }
  EFI_SHELL_PARAMETERS_PROTOCOL *sp = 0;
  if (bs->HandleProtocol(image, &ifp_shell_params, (void **)&sp) == EFI_SUCCESS && sp && sp->StdOut) {
    EFI_FILE_HANDLE f = (EFI_FILE_HANDLE)sp->StdOut;
    UINTN n = 2;
    UINT64 pos = 0;
    ifp_buf[0] = '\r';
    ifp_buf[1] = 0;
    ifp_buf[2] = 0;
    ifp_buf[3] = 0;
    IFP2("Shell.StdOut.Write", f->Write(f, &n, ifp_buf));
    IFP2("Shell.StdOut.GetPosition", f->GetPosition(f, &pos));
    IFP2("Shell.StdOut.Flush", f->Flush(f));
  } else {
    rt_printf("ifproto2 Shell none\n");
  }
  void *dxe = 0;
  for (UINTN i = 0; i < sys->NumberOfTableEntries; i++) {
    const UINT8 *a = (const UINT8 *)&sys->ConfigurationTable[i].VendorGuid, *b = (const UINT8 *)&ifp_dxe_services;
    UINTN k = 0;
    while (k < sizeof(EFI_GUID) && a[k] == b[k]) k++;
    if (k == sizeof(EFI_GUID)) {
      dxe = sys->ConfigurationTable[i].VendorTable;
    }
  }
  if (dxe) {
    void **slot = (void **)((UINT8 *)dxe + 24);
    dxe_descriptor_fn get_mem = (dxe_descriptor_fn)slot[4];
    dxe_map_fn mem_map = (dxe_map_fn)slot[6];
    dxe_descriptor_fn get_io = (dxe_descriptor_fn)slot[11];
    dxe_map_fn io_map = (dxe_map_fn)slot[12];
    UINTN count = 0;
    void *map = 0;
    IFP2("DxeServices.GetMemorySpaceDescriptor", get_mem((UINT64)(UINTN)ifp_buf, ifp_buf + 1024));
    IFP2("DxeServices.GetMemorySpaceDescriptor-null", get_mem((UINT64)(UINTN)ifp_buf, NULL));
    IFP2("DxeServices.GetMemorySpaceMap", mem_map(&count, &map));
    if (map) bs->FreePool(map);
    map = 0;
    IFP2("DxeServices.GetMemorySpaceMap-null", mem_map(NULL, &map));
    IFP2("DxeServices.GetIoSpaceDescriptor", get_io(0x6040, ifp_buf + 1024));
    IFP2("DxeServices.GetIoSpaceMap", io_map(&count, &map));
    if (map) bs->FreePool(map);
  } else {
    rt_printf("ifproto2 DxeServices none\n");
  }
}

/* A PCI poll across timer ticks: a TPL_CALLBACK periodic timer of one tick counts the ticks and at the second writes
   a value into the framebuffer that PollMem (root bridge at the address, then PciIo at BAR 0 of the stdvga
   function) waits for with a 1 s Delay. OVMF's poll spins with interrupts on, so the notification runs inside it and
   the poll returns EFI_SUCCESS at that tick, seeing the value. */
static volatile UINT32 *poll_at;
static volatile UINTN poll_ticks;
static volatile UINT32 poll_value;
static void EFIAPI poll_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  if (++poll_ticks == 2 && poll_at) *poll_at = poll_value;
}

static void poll_case(const char *name, EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb, EFI_PCI_IO_PROTOCOL *pci, UINT64 fb,
                      UINT32 value) {
  EFI_EVENT e = 0;
  UINT64 r = 0;
  poll_at = (volatile UINT32 *)(UINTN)(fb + 0x300);
  *poll_at = 0;
  poll_value = value;
  poll_ticks = 0;
  bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, poll_notify, NULL, &e);
  bs->SetTimer(e, TimerPeriodic, 100000);
  EFI_STATUS s = rb ? rb->PollMem(rb, EfiPciIoWidthUint32, fb + 0x300, 0xFFFFFFFF, value, 10000000, &r)
                    : pci->PollMem(pci, EfiPciIoWidthUint32, 0, 0x300, 0xFFFFFFFF, value, 10000000, &r);
  UINTN at = poll_ticks;
  bs->CloseEvent(e);
  rt_printf("poll-tick %s %s result 0x%lx ticks %lu\n", name, rt_status_name(s), (unsigned long)r, (unsigned long)at);
  /* with interrupts off the ticks stay masked: no notification, a timeout */
  poll_ticks = 0;
  *poll_at = 0;
  bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, poll_notify, NULL, &e);
  bs->SetTimer(e, TimerPeriodic, 100000);
  CLI();
  s = rb ? rb->PollMem(rb, EfiPciIoWidthUint32, fb + 0x300, 0xFFFFFFFF, value, 300000, &r)
         : pci->PollMem(pci, EfiPciIoWidthUint32, 0, 0x300, 0xFFFFFFFF, value, 300000, &r);
  at = poll_ticks;
  int f = if_now();
  __asm__ __volatile__("sti" : : : "memory");
  bs->CloseEvent(e);
  rt_printf("poll-tick %s-cli %s result 0x%lx ticks %lu if %d\n", name, rt_status_name(s), (unsigned long)r,
            (unsigned long)at, f);
}

static void poll_tick(void) {
  EFI_PCI_IO_PROTOCOL *pci = ifp_vga();
  EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb = 0;
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = 0;
  bs->LocateProtocol(&ifp_gop, NULL, (void **)&gop);
  bs->LocateProtocol(&ifp_rootbridge, NULL, (void **)&rb);
  if (!pci || !rb || !gop) {
    rt_printf("poll-tick none\n");
    return;
  }
  poll_case("PciRootBridgeIo.PollMem", rb, 0, gop->Mode->FrameBufferBase, 0x00A5A5A5);
  poll_case("PciIo.PollMem", 0, pci, gop->Mode->FrameBufferBase, 0x005A5A5A);
}

/* POPF and IRETQ setting IF have no one-instruction shadow (Intel SDM vol. 3A §6.8.3 names STI and MOV SS / POP SS
   only): a pending tick is taken before the next instruction, so the first load after them sees its notification. */
static UINT64 pi_per_tick;

/* Waits for a tick reading the TSC meanwhile, so that virtual time moves also where instructions are not counted. */
static void pi_wait_edge(void) {
  UINTN c = tick_count;
  while (tick_count == c) {
    rt_rdtsc();
  }
}

static UINTN pi_prepare(void) {
  pi_wait_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < pi_per_tick / 2) {
  }
  UINTN before = tick_count;
  CLI();
  UINT64 r0 = rt_rdtsc();
  while (rt_rdtsc() - r0 < pi_per_tick * 2) {
  }
  return before;
}

static void popf_iretq(void) {
  EFI_EVENT t = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  pi_wait_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
    rt_rdtsc();
  }
  UINTN before, during;
  pi_per_tick = (rt_rdtsc() - t0) / 4;
  UINT64 first, after_jump;
  before = pi_prepare();
  during = tick_count;
  __asm__ __volatile__("sti\n\tnop\n\tmovq %2, %0\n\tjmp 4f\n4:\n\tmovq %2, %1"
                       : "=&r"(first), "=&r"(after_jump) : "m"(tick_count) : "memory");
  rt_printf("popf-iretq sti during %lu first %lu after-jump %lu\n", (unsigned long)(during - before),
            (unsigned long)(first - before), (unsigned long)(after_jump - before));
  before = pi_prepare();
  during = tick_count;
  __asm__ __volatile__("pushfq\n\torq $0x200, (%%rsp)\n\tpopfq\n\tmovq %2, %0\n\tjmp 1f\n1:\n\tmovq %2, %1"
                       : "=&r"(first), "=&r"(after_jump) : "m"(tick_count) : "memory", "cc");
  rt_printf("popf-iretq popf during %lu first %lu after-jump %lu\n", (unsigned long)(during - before),
            (unsigned long)(first - before), (unsigned long)(after_jump - before));
  before = pi_prepare();
  during = tick_count;
  __asm__ __volatile__("movq %%rsp, %%rax\n\t"
                       "xorl %%ecx, %%ecx\n\tmovw %%ss, %%cx\n\tpushq %%rcx\n\t"
                       "pushq %%rax\n\t"
                       "pushfq\n\torq $0x200, (%%rsp)\n\t"
                       "xorl %%ecx, %%ecx\n\tmovw %%cs, %%cx\n\tpushq %%rcx\n\t"
                       "leaq 2f(%%rip), %%rcx\n\tpushq %%rcx\n\t"
                       "iretq\n"
                       "2:\n\tmovq %2, %0\n\tjmp 3f\n3:\n\tmovq %2, %1"
                       : "=&r"(first), "=&r"(after_jump) : "m"(tick_count) : "rax", "rcx", "memory", "cc");
  rt_printf("popf-iretq iretq during %lu first %lu after-jump %lu\n", (unsigned long)(during - before),
            (unsigned long)(first - before), (unsigned long)(after_jump - before));
  bs->CloseEvent(t);
}

/* A tick that comes while the caller has interrupts off (cli) stays pending; a service that takes no lock
   (CalculateCrc32) returns with IF still clear and the tick still pending, one that takes a lock (AllocatePool)
   returns with IF set and the tick taken: the TPL_NOTIFY tick counter moved once when it returns. */
static void if_tick(void) {
  EFI_EVENT t = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  UINT64 per_tick = (rt_rdtsc() - t0) / 4;
  wait_tick_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < per_tick / 2) {
  }
  UINTN before = tick_count;
  UINT32 crc = 0;
  void *p = 0;
  CLI();
  UINT64 r0 = rt_rdtsc();
  while (rt_rdtsc() - r0 < per_tick * 2) {
  }
  UINTN during = tick_count;
  bs->CalculateCrc32(&crc, sizeof crc, &crc);
  int if_crc = if_now();
  UINTN after_crc = tick_count;
  bs->AllocatePool(EfiLoaderData, 16, &p);
  int if_pool = if_now();
  UINTN after_pool = tick_count;
  bs->FreePool(p);
  rt_printf("if-tick during %lu crc32 %lu if %d pool %lu if %d\n", (unsigned long)(during - before),
            (unsigned long)(after_crc - before), if_crc, (unsigned long)(after_pool - before), if_pool);
  bs->CloseEvent(t);
}

/* A tick pending under the caller's cli is taken where a service releases its lock (EDK2 CoreReleaseLock ->
   CoreRestoreTpl -> STI), inside the service: the TPL_CALLBACK notification it runs reads the caller's OUT variable,
   which EDK2's CoreGetMemoryMap writes (*MemoryMapSize) only after its locks are released, and HandleProtocol
   (*Interface) and AllocatePool (*Buffer) before. "unwritten": the notification saw the value the caller set before
   the call; "written": the value the service returned. */
static volatile UINT64 *rel_watch;
static volatile UINT64 rel_seen;
static volatile UINTN rel_calls;
static void EFIAPI rel_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  if (rel_watch) {
    rel_seen = *rel_watch;
    rel_watch = 0;
    UINT64 m = 0;
    bs->GetNextMonotonicCount(&m);
    rel_calls++;
  }
}

static UINT64 rel_per_tick;

/* Half a tick after a tick: watch *watch, cli, spin two ticks (one pending); returns the calls count before. */
static UINTN rel_prepare(volatile UINT64 *watch) {
  wait_tick_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < rel_per_tick / 2) {
  }
  rel_seen = 0x5eed;
  UINTN before = rel_calls;
  rel_watch = watch;
  CLI();
  UINT64 r0 = rt_rdtsc();
  while (rt_rdtsc() - r0 < rel_per_tick * 2) {
  }
  return before;
}

static void rel_show(const char *what, EFI_STATUS s, UINTN before, UINTN during, UINT64 initial, UINT64 result) {
  int f = if_now();
  UINTN after = rel_calls;
  __asm__ __volatile__("sti" : : : "memory");
  rt_printf("release-notify %s %s during %lu after %lu if %d seen %s\n", what, rt_status_name(s),
            (unsigned long)(during - before), (unsigned long)(after - before), f,
            rel_seen == initial ? "unwritten" : rel_seen == result ? "written" : "other");
}

static void release_notify(EFI_HANDLE image) {
  EFI_EVENT t = 0, r = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  SHOW("create-release", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, rel_notify, NULL, &r));
  SHOW("set-release", bs->SetTimer(r, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  rel_per_tick = (rt_rdtsc() - t0) / 4;
  UINTN key = 0, dsize = 0;
  UINT32 dver = 0;
  volatile UINT64 size = 0;
  UINTN before = rel_prepare(&size);
  UINTN during = rel_calls;
  EFI_STATUS s = bs->GetMemoryMap((UINTN *)&size, NULL, &key, &dsize, &dver);
  rel_show("GetMemoryMap", s, before, during, 0, size);
  volatile UINT64 iface = 0;
  before = rel_prepare(&iface);
  during = rel_calls;
  s = bs->HandleProtocol(image, &loaded_image_guid, (void **)&iface);
  rel_show("HandleProtocol", s, before, during, 0, iface);
  volatile UINT64 pool = 0;
  before = rel_prepare(&pool);
  during = rel_calls;
  s = bs->AllocatePool(EfiLoaderData, 32, (void **)&pool);
  rel_show("AllocatePool", s, before, during, 0, pool);
  bs->FreePool((void *)pool);
  /* CreateEvent allocates the event from pool (gMemoryLock) before it writes *Event; CloseEvent unlinks the event
     under the event lock (a plain event: nothing to watch, "unwritten") */
  volatile UINT64 ev = 0;
  before = rel_prepare(&ev);
  during = rel_calls;
  s = bs->CreateEvent(0, TPL_CALLBACK, NULL, NULL, (EFI_EVENT *)&ev);
  rel_show("CreateEvent", s, before, during, 0, ev);
  volatile UINT64 none = 0;
  before = rel_prepare(&none);
  during = rel_calls;
  s = bs->CloseEvent((EFI_EVENT)ev);
  rel_show("CloseEvent", s, before, during, 0, 1);
  bs->CloseEvent(r);
  bs->CloseEvent(t);
}

/* A tick inside a lock-taking service (no cli): the application calls GetMemoryMap(size 0) in a loop with interrupts
   on; EDK2 takes a tick that comes while the call holds its locks (the GCD and memory locks, TPL_NOTIFY) and runs the
   TPL_CALLBACK notifications at the lock release: after *DescriptorSize is written (under the GCD lock), before
   *MemoryMapSize (after the release). Both are cleared before each call; the notification tells for each tick whether
   it came before the call wrote anything, in its release, or after it returned. */
static volatile UINT64 cost_size, cost_dsize;
static volatile UINTN cost_before, cost_release, cost_after;
static void EFIAPI cost_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  if (cost_dsize == 0) cost_before = cost_before + 1;
  else if (cost_size == 0) cost_release = cost_release + 1;
  else cost_after = cost_after + 1;
}

static void cost_tick(void) {
  EFI_EVENT t = 0;
  SHOW("create-cost", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, cost_notify, NULL, &t));
  SHOW("set-cost", bs->SetTimer(t, TimerPeriodic, 0));
  UINTN key = 0;
  UINT32 dver = 0;
  while (cost_before + cost_release + cost_after < 3) {
    cost_size = 0;
    cost_dsize = 0;
    bs->GetMemoryMap((UINTN *)&cost_size, NULL, &key, (UINTN *)&cost_dsize, &dver);
  }
  bs->CloseEvent(t);
  rt_printf("cost-tick in-release %s\n", cost_release > 0 ? "some" : "none");
}

/* Ticks inside an event service's fixed cost (interrupts on): SignalEvent(E) or RaiseTPL(TPL_CALLBACK) + RestoreTPL
   called in a loop until a periodic TPL_CALLBACK timer's notification ran once. EDK2 takes such a tick in the service's lock release
   (the trace says so); the guest sees the same either way: E's notification before the timer's. */
static volatile UINTN ce_ticks;
static char ce_log[64];
static volatile UINTN ce_len;
static void ce_put(char ch) { if (ce_len + 1 < sizeof ce_log) { ce_log[ce_len] = ch; ce_len = ce_len + 1; ce_log[ce_len] = 0; } }
static void EFIAPI ce_timer(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; ce_ticks = ce_ticks + 1; ce_put('T'); }
static void EFIAPI ce_event(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; }

/* which: 0 SignalEvent, 1 RaiseTPL + RestoreTPL (one case each: the loop takes about 180 000 calls, and
   the trace keeps the last 100 000 entries) */
static void cost_tick_events(int which) {
  EFI_EVENT t = 0, e = 0, s = 0;
  SHOW("ce-create", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ce_timer, NULL, &t));
  SHOW("ce-create-e", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ce_event, NULL, &e));
  SHOW("ce-create-s", bs->CreateEvent(EVT_TIMER, TPL_CALLBACK, NULL, NULL, &s));
  SHOW("ce-set", bs->SetTimer(t, TimerPeriodic, 0));
  ce_ticks = 0;
  if (which == 0) {
    while (ce_ticks < 1) bs->SignalEvent(e);
  } else {
    while (ce_ticks < 1) { EFI_TPL old = bs->RaiseTPL(TPL_CALLBACK); bs->RestoreTPL(old); }
  }
  bs->CloseEvent(t);
  bs->CloseEvent(e);
  bs->CloseEvent(s);
  rt_printf("cost-tick-events done %s\n", ce_log);
}

/* Ticks inside SetTimer's, CreateEvent's and CloseEvent's fixed cost (interrupts on): SetTimer(S, TimerRelative,
   100 s) on a timer without notification, or CreateEvent + CloseEvent of a plain event, called in a loop until a
   periodic TPL_CALLBACK timer's notification ran three times. EDK2 takes such a tick in the service's lock release
   (CoreSetTimer's mEfiTimerLock, CoreCreateEventInternal's and CoreCloseEvent's event lock: CoreReleaseEventLock ->
   CoreRestoreTpl -> STI); the guest sees the same either way, the trace says where. Three ticks so that their phases
   in the loop differ (the timer's notification shifts the next one). */
static void cost_tick_timer_services(int which) {
  EFI_EVENT t = 0, s = 0;
  SHOW("ct-create", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ce_timer, NULL, &t));
  SHOW("ct-create-s", bs->CreateEvent(EVT_TIMER, TPL_CALLBACK, NULL, NULL, &s));
  SHOW("ct-set", bs->SetTimer(t, TimerPeriodic, 0));
  ce_ticks = 0;
  if (which == 0) {
    while (ce_ticks < 3) bs->SetTimer(s, TimerRelative, 1000000000ULL);
  } else {
    while (ce_ticks < 3) {
      EFI_EVENT x = 0;
      bs->CreateEvent(0, TPL_CALLBACK, NULL, NULL, &x);
      bs->CloseEvent(x);
    }
  }
  bs->CloseEvent(t);
  bs->CloseEvent(s);
  rt_printf("cost-tick-timers done %s\n", ce_log);
}

/* A tick pending under the caller's cli, taken where an event service releases its lock: EDK2's CoreRestoreTpl sets
   IF while it dispatches the TPL of the notification the service queued (STI before each level's notifications), so
   the tick's timer check queues the timer's TPL_CALLBACK notification after that one (SignalEvent: "ET"; CheckEvent
   of an EVT_NOTIFY_WAIT event: "WT"); CoreSetTimer computes the trigger time from mEfiSystemTime before the tick is
   taken (in CoreCurrentSystemTime's own lock release, or at the timer lock's), so a 100 ns timer set then is due at
   that tick and signalled before SetTimer returns. */
static char ro_log[16];
static volatile UINTN ro_len;
static void ro_add(char c) {
  if (ro_len < sizeof ro_log - 1) {
    ro_log[ro_len] = c;
    ro_len = ro_len + 1;
    ro_log[ro_len] = 0;
  }
}
static void EFIAPI ro_t(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; ro_add('T'); }
static void EFIAPI ro_e(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; ro_add('E'); }
static void EFIAPI ro_w(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; ro_add('W'); }

static void release_order(void) {
  EFI_EVENT t = 0, tt = 0, e = 0, w = 0, st = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  rel_per_tick = (rt_rdtsc() - t0) / 4;
  SHOW("create-T", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ro_t, NULL, &tt));
  SHOW("set-T", bs->SetTimer(tt, TimerPeriodic, 0));
  SHOW("create-E", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ro_e, NULL, &e));
  SHOW("create-W", bs->CreateEvent(EVT_NOTIFY_WAIT, TPL_CALLBACK, ro_w, NULL, &w));
  SHOW("create-S", bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &st));
  rel_prepare(0);
  ro_len = 0;
  ro_log[0] = 0;
  EFI_STATUS s = bs->SignalEvent(e);
  __asm__ __volatile__("sti" : : : "memory");
  rt_printf("release-order signal %s log %s\n", rt_status_name(s), ro_log);
  rel_prepare(0);
  ro_len = 0;
  ro_log[0] = 0;
  s = bs->CheckEvent(w);
  __asm__ __volatile__("sti" : : : "memory");
  rt_printf("release-order check %s log %s\n", rt_status_name(s), ro_log);
  rel_prepare(0);
  ro_len = 0;
  ro_log[0] = 0;
  s = bs->SetTimer(st, TimerRelative, 1);
  EFI_STATUS c = bs->CheckEvent(st);
  __asm__ __volatile__("sti" : : : "memory");
  rt_printf("release-order settimer %s check %s log %s\n", rt_status_name(s), rt_status_name(c), ro_log);
  bs->CloseEvent(st);
  bs->CloseEvent(w);
  bs->CloseEvent(e);
  bs->CloseEvent(tt);
  bs->CloseEvent(t);
}

/* A tick inside an event service (no cli): CheckEvent(W) in a loop with interrupts on, W an EVT_NOTIFY_WAIT event, a
   TPL_CALLBACK timer notified at every tick that signals W. EDK2's CoreCheckEvent queues W's notification under the
   event lock and releases it (CoreRestoreTpl: the notifications run, a tick that came while the lock held the TPL is
   taken there, and the timer's notification signals W) before it looks at W's signal count, so a tick inside the
   call makes that very call return EFI_SUCCESS. The loop notes, for each tick whose notification ran during a call
   (the count changed across it), what that call returned. */
static EFI_EVENT ce_wait;
static volatile UINTN ce_ticks;
static void EFIAPI ce_wait_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; }
static void EFIAPI ce_timer_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  ce_ticks = ce_ticks + 1;
  bs->SignalEvent(ce_wait);
}

static void cost_tick_event(void) {
  EFI_EVENT t = 0;
  SHOW("create-wait", bs->CreateEvent(EVT_NOTIFY_WAIT, TPL_CALLBACK, ce_wait_notify, NULL, &ce_wait));
  SHOW("create-timer", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, ce_timer_notify, NULL, &t));
  SHOW("set-timer", bs->SetTimer(t, TimerPeriodic, 0));
  UINTN success = 0, not_ready = 0;
  while (success + not_ready < 3) {
    UINTN before = ce_ticks;
    EFI_STATUS s = bs->CheckEvent(ce_wait);
    UINTN after = ce_ticks;
    if (after != before) {
      if (s == EFI_SUCCESS) success++;
      else not_ready++;
    }
  }
  bs->CloseEvent(t);
  bs->CloseEvent(ce_wait);
  rt_printf("cost-tick-event in-call success %s not-ready %s\n", success ? "some" : "none",
            not_ready ? "some" : "none");
}

/* Ticks inside Stall: OVMF's Stall busy-waits on the ACPI PM timer with interrupts as the caller left them (on), so a
   timer tick that falls inside it is taken at its own time and a notification it runs reads the TSC there. A
   TPL_NOTIFY timer notified at every tick records the TSC; Stall(40 ms) begins half a tick after a tick, so four ticks
   fall inside, two in each half. */
static UINT64 stall_tsc[16];
static volatile UINTN stall_n;
static void EFIAPI stall_notify(EFI_EVENT e, void *ctx) {
  (void)e; (void)ctx;
  if (stall_n < 16) stall_tsc[stall_n] = rt_rdtsc();
  stall_n = stall_n + 1;
  tick_count++;
}

static void stall_ticks(void) {
  EFI_EVENT t = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, stall_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  UINT64 per_tick = (rt_rdtsc() - t0) / 4;
  wait_tick_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < per_tick / 2) {
  }
  UINTN first = stall_n;
  UINT64 begin = rt_rdtsc();
  bs->Stall(40000);
  UINT64 end = rt_rdtsc();
  UINTN last = stall_n;
  bs->CloseEvent(t);
  /* counted in windows of the measured tick period from the Stall's start (ticks at 0.5, 1.5, 2.5 and 3.5 periods),
     not against its end, which a loaded host running QEMU may overshoot */
  UINTN in4 = 0, in2 = 0, after_end = 0;
  for (UINTN i = first; i < last && i < 16; i++) {
    if (stall_tsc[i] > begin && stall_tsc[i] < begin + 4 * per_tick) in4++;
    if (stall_tsc[i] > begin && stall_tsc[i] < begin + 2 * per_tick) in2++;
    if (stall_tsc[i] >= end) after_end++;
  }
  rt_printf("stall-ticks in-4-periods %lu in-2-periods %lu after-return %lu\n", (unsigned long)in4,
            (unsigned long)in2, (unsigned long)after_end);
}

/* The guest's own STI with a tick pending: the CPU takes the interrupt after the instruction that follows STI (its
   one-instruction shadow, Intel SDM vol. 3A §6.8.3), so the first load after "sti; nop" already sees the tick's
   notification, as does a load after the next jump. */
static void sti_shadow(void) {
  EFI_EVENT t = 0;
  SHOW("create-tick-counter", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tick_notify, NULL, &t));
  SHOW("set-tick-counter", bs->SetTimer(t, TimerPeriodic, 0));
  wait_tick_edge();
  UINT64 t0 = rt_rdtsc();
  UINTN c0 = tick_count;
  while (tick_count < c0 + 4) {
  }
  UINT64 per_tick = (rt_rdtsc() - t0) / 4;
  wait_tick_edge();
  UINT64 edge = rt_rdtsc();
  while (rt_rdtsc() - edge < per_tick / 2) {
  }
  UINTN before = tick_count;
  CLI();
  UINT64 r0 = rt_rdtsc();
  while (rt_rdtsc() - r0 < per_tick * 2) {
  }
  UINTN during = tick_count;
  UINT64 first, after_jump;
  __asm__ __volatile__("sti\n\tnop\n\tmovq %2, %0\n\tjmp 1f\n1:\n\tmovq %2, %1"
                       : "=&r"(first), "=&r"(after_jump) : "m"(tick_count) : "memory");
  rt_printf("sti-shadow during %lu after-shadow %lu after-jump %lu\n", (unsigned long)(during - before),
            (unsigned long)(first - before), (unsigned long)(after_jump - before));
  bs->CloseEvent(t);
}

static void raise_restore(void) {
  EFI_EVENT e = periodic();
  EFI_TPL old = bs->RaiseTPL(TPL_NOTIFY);
  spin_rounds(35000000ULL); /* 35 ms on efiemu: three ticks at least */
  UINTN raised = counter;
  bs->RestoreTPL(old);
  UINTN restored = counter;
  rt_printf("raised-spin counter %lu\n", (unsigned long)raised);
  rt_printf("restored counter %lu\n", (unsigned long)restored);
  SHOW("close-periodic", bs->CloseEvent(e));
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  bs = st->BootServices;
  rs = st->RuntimeServices;
  sys = st;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  const CHAR16 *opts = li ? (const CHAR16 *)li->LoadOptions : 0;
  /* the UEFI Shell passes its whole command line ("fs0:\timer-tick.efi one-shot"): the case is the last word */
  for (const CHAR16 *p = opts; p && *p; p++) {
    if (*p == ' ' && p[1] != 0) opts = p + 1;
  }
  rt_printf("timer-tick start\n");
  if (rt_wide_eq(opts, "spin-periodic")) {
    spin_periodic();
  } else if (rt_wide_eq(opts, "one-shot")) {
    one_shot();
  } else if (rt_wide_eq(opts, "tpl-order")) {
    tpl_order();
  } else if (rt_wide_eq(opts, "tpl-nested")) {
    tpl_nested();
  } else if (rt_wide_eq(opts, "raise-restore")) {
    raise_restore();
  } else if (rt_wide_eq(opts, "spin-raised")) {
    periodic();
    bs->RaiseTPL(TPL_NOTIFY);
    spin_on_counter("spin-raised-done");
  } else if (rt_wide_eq(opts, "if-tpl")) {
    if_tpl();
  } else if (rt_wide_eq(opts, "sti-shadow")) {
    sti_shadow();
  } else if (rt_wide_eq(opts, "stall-ticks")) {
    stall_ticks();
  } else if (rt_wide_eq(opts, "if-tick")) {
    if_tick();
  } else if (rt_wide_eq(opts, "popf-iretq")) {
    popf_iretq();
  } else if (rt_wide_eq(opts, "if-protocols")) {
    if_protocols(image);
  } else if (rt_wide_eq(opts, "if-protocols2")) {
    if_protocols2(image);
  } else if (rt_wide_eq(opts, "poll-tick")) {
    poll_tick();
  } else if (rt_wide_eq(opts, "cost-tick")) {
    cost_tick();
  } else if (rt_wide_eq(opts, "cost-tick-signal")) {
    cost_tick_events(0);
  } else if (rt_wide_eq(opts, "cost-tick-restore")) {
    cost_tick_events(1);
  } else if (rt_wide_eq(opts, "cost-tick-settimer")) {
    cost_tick_timer_services(0);
  } else if (rt_wide_eq(opts, "cost-tick-create-close")) {
    cost_tick_timer_services(1);
  } else if (rt_wide_eq(opts, "cost-tick-event")) {
    cost_tick_event();
  } else if (rt_wide_eq(opts, "release-order")) {
    release_order();
  } else if (rt_wide_eq(opts, "release-notify")) {
    release_notify(image);
  } else if (rt_wide_eq(opts, "if-services")) {
    if_services(image);
  } else if (rt_wide_eq(opts, "phase")) {
    phase();
  } else if (rt_wide_eq(opts, "masked-high")) {
    masked_high();
  } else if (rt_wide_eq(opts, "nested-signal")) {
    nested_signal();
  } else if (rt_wide_eq(opts, "nested-tick")) {
    nested_tick();
  } else if (rt_wide_eq(opts, "spin-calls")) {
    EFI_EVENT e = periodic();
    UINT64 calls = 0;
    void *li2 = 0;
    while (counter < 3) {
      bs->HandleProtocol(image, &loaded_image_guid, &li2);
      calls++;
    }
    rt_printf("spin-calls-done counter %lu calls-positive %d\n", (unsigned long)counter, calls > 0);
    SHOW("close-periodic", bs->CloseEvent(e));
  } else if (rt_wide_eq(opts, "spin-cli")) {
    periodic();
    __asm__ __volatile__("cli");
    spin_on_counter("spin-cli-done");
  } else {
    rt_printf("unknown case\n");
    return EFI_INVALID_PARAMETER;
  }
  rt_printf("timer-tick end\n");
  return EFI_SUCCESS;
}
