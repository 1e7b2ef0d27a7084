/*
 * time-wait: waiting on virtual time (UEFI 2.10 §7.1). LoadOptions select the case:
 *   "hlt"         sti; hlt until a plain timer is signalled (CheckEvent), then until a periodic notify timer fired
 *                 three times, then WaitForEvent on a timer, then a busy-wait on RDTSC; returns EFI_SUCCESS
 *   "hlt-forever" sti; hlt with no timer armed: nothing can wake the CPU
 *   "wait-forever" WaitForEvent on an event nothing can signal
 *   "cli-hlt"     cli; hlt: the CPU halts (a hand-off that parks the CPU)
 *   "spin"        a loop that never ends (for the wall-clock limit)
 * TimeWaitPayloadTest checks the printed lines and how each run ends.
 */
#include "efiemu_rt.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static volatile int fired;

static void EFIAPI count_notify(EFI_EVENT e, void *ctx) { (void)e; (void)ctx; fired++; }

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static void hlt_cases(EFI_BOOT_SERVICES *bs) {
  UINT64 flags;
  __asm__ __volatile__("pushfq; popq %0" : "=r"(flags));
  rt_printf("if-at-entry %d\n", (int)((flags >> 9) & 1));

  EFI_EVENT t = 0, p = 0, w = 0;
  SHOW("create-timer", bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &t));
  SHOW("set-timer-10ms", bs->SetTimer(t, TimerRelative, 100000));
  int halts = 0;
  while (bs->CheckEvent(t) != EFI_SUCCESS && halts < 1000) {
    __asm__ __volatile__("sti; hlt");
    halts++;
  }
  rt_printf("timer-signalled-after-hlt %d\n", halts);

  SHOW("create-periodic-notify", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, NULL, &p));
  SHOW("set-periodic-1ms", bs->SetTimer(p, TimerPeriodic, 10000));
  halts = 0;
  while (fired < 3 && halts < 1000) {
    __asm__ __volatile__("sti; hlt");
    halts++;
  }
  rt_printf("notify-fired %d after-hlt %d\n", fired, halts);
  SHOW("cancel-periodic", bs->SetTimer(p, TimerCancel, 0));

  UINTN index = 99;
  SHOW("create-wait-timer", bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &w));
  SHOW("set-wait-timer-5ms", bs->SetTimer(w, TimerRelative, 50000));
  SHOW("wait-for-timer", bs->WaitForEvent(1, &w, &index));
  rt_printf("wait-index %lu\n", (unsigned long)index);

  /* GRUB's grub_millisleep on EFI: a busy-wait reading the TSC (virtual, so as long as the guest runs) */
  UINT64 start = rt_rdtsc();
  UINTN spins = 0;
  while (rt_rdtsc() - start < 20000 && spins < 100000000) spins++;
  rt_printf("busy-wait-done %d\n", spins < 100000000);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  const CHAR16 *opts = li ? (const CHAR16 *)li->LoadOptions : 0;
  if (rt_wide_eq(opts, "hlt")) {
    hlt_cases(bs);
  } else if (rt_wide_eq(opts, "hlt-forever")) {
    rt_printf("halting with no timer\n");
    __asm__ __volatile__("sti; hlt");
    rt_printf("woke up\n");
  } else if (rt_wide_eq(opts, "wait-forever")) {
    EFI_EVENT e = 0;
    UINTN index = 0;
    SHOW("create-plain", bs->CreateEvent(0, 0, NULL, NULL, &e));
    SHOW("wait-forever", bs->WaitForEvent(1, &e, &index));
  } else if (rt_wide_eq(opts, "spin")) {
    rt_printf("spinning\n");
    for (volatile UINT64 i = 0;; i++) {
    }
  } else if (rt_wide_eq(opts, "cli-hlt")) {
    rt_printf("parking the CPU\n");
    __asm__ __volatile__("cli; hlt");
  }
  return EFI_SUCCESS;
}
