/*
 * robust-limits: a guest that pushes firmware limits. LoadOptions select the case:
 *   handles   InstallProtocolInterface on new handles until the firmware says no (must be EFI_OUT_OF_RESOURCES,
 *             never a crash), then one more install to show the firmware still answers
 *   watchdog  SetWatchdogTimer(2^64-1) must not expire at once: a Stall after it returns normally
 *   spin      writes jmp $ (EB FE) over the Stall stub and calls it: the guest spins inside firmware code
 *   serial    writes 1 MiB to COM1, byte by byte
 *   conout    writes 3 MiB to ConOut in 1 KiB strings
 *   reenter   the watchdog disabled, a periodic timer whose notify function waits in Stall for longer than the
 *             period, forever
 *   pool      AllocatePool of 4000 bytes until the firmware says no, then returns
 *   outptr    AllocatePages with its OUT pointer (Memory) aimed at the system table's header, then returns
 *   freefw    FreePages of the page holding the Boot Services table, then returns
 *   setmem    allocates 64 MiB and SetMem's all of it, forever (few instructions, much host work per call)
 * RobustLimitsPayloadTest checks the printed lines.
 */
#include "efiemu_rt.h"

static EFI_GUID proto = {0x0BADF00D, 0x0001, 0x0002, {1, 2, 3, 4, 5, 6, 7, 8}};

static volatile UINTN notifies;
static EFI_BOOT_SERVICES *g_bs;

static void EFIAPI slow_notify(EFI_EVENT e, void *ctx) {
  notifies++;
  g_bs->Stall(50000); /* 50 ms: the 10 ms timer is due again while this runs */
}

static inline void outb(UINT16 port, UINT8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

static int option_is(EFI_LOADED_IMAGE *li, const char *want) {
  CHAR16 *o = (CHAR16 *)li->LoadOptions;
  UINTN n = li->LoadOptionsSize / 2, i = 0;
  for (; want[i]; i++) if (i >= n || o[i] != (CHAR16)want[i]) return 0;
  return i == n || o[i] == 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_GUID lip = LOADED_IMAGE_PROTOCOL;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &lip, (void **)&li);
  if (option_is(li, "handles")) {
    UINTN made = 0;
    EFI_STATUS s = EFI_SUCCESS;
    for (; made < 1000000; made++) {
      EFI_HANDLE h = 0;
      s = bs->InstallProtocolInterface(&h, &proto, EFI_NATIVE_INTERFACE, (void *)(UINTN)(made + 1));
      if (EFI_ERROR(s)) break;
    }
    rt_printf("handles %lu then %s\n", (unsigned long)made, rt_status_name(s));
    EFI_HANDLE h = 0;
    rt_printf("again %s\n", rt_status_name(bs->InstallProtocolInterface(&h, &proto, EFI_NATIVE_INTERFACE, 0)));
  } else if (option_is(li, "watchdog")) {
    rt_printf("watchdog %s\n", rt_status_name(bs->SetWatchdogTimer(~(UINTN)0, 0x10000, 0, 0)));
    rt_printf("stall %s\n", rt_status_name(bs->Stall(1000)));
  }
  else if (option_is(li, "spin")) {
    volatile UINT8 *stub = (volatile UINT8 *)(UINTN)bs->Stall;
    stub[0] = 0xEB;
    stub[1] = 0xFE;
    rt_printf("spinning\n");
    bs->Stall(1);
    rt_printf("never printed\n");
  } else if (option_is(li, "serial")) {
    for (UINTN i = 0; i < (1u << 20); i++) outb(0x3F8, (UINT8)('a' + i % 26));
    rt_printf("serial done\n");
  } else if (option_is(li, "conout")) {
    static CHAR16 line[1025];
    for (UINTN i = 0; i < 1024; i++) line[i] = (CHAR16)('A' + i % 26);
    line[1024] = 0;
    for (UINTN i = 0; i < 3072; i++) st->ConOut->OutputString(st->ConOut, line);
    rt_printf("conout done\n");
  } else if (option_is(li, "reenter")) {
    g_bs = bs;
    EFI_EVENT t = 0;
    bs->SetWatchdogTimer(0, 0, 0, 0);
    rt_printf("create %s\n", rt_status_name(bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, slow_notify, 0, &t)));
    rt_printf("timer %s\n", rt_status_name(bs->SetTimer(t, TimerPeriodic, 100000)));
    for (;;) bs->Stall(1000);
  } else if (option_is(li, "pool")) {
    UINTN n = 0;
    EFI_STATUS s;
    void *p;
    while (!EFI_ERROR((s = bs->AllocatePool(EfiLoaderData, 4000, &p)))) n++;
    rt_printf("pool %lu then %s\n", (unsigned long)n, rt_status_name(s));
  }
  else if (option_is(li, "outptr")) {
    EFI_PHYSICAL_ADDRESS *into = (EFI_PHYSICAL_ADDRESS *)(UINTN)&st->Hdr.Signature;
    rt_printf("outptr %s at 0x%lx\n", rt_status_name(bs->AllocatePages(AllocateAnyPages, EfiLoaderData, 1, into)),
              (unsigned long)(UINTN)into);
  } else if (option_is(li, "freefw")) {
    EFI_PHYSICAL_ADDRESS page = (EFI_PHYSICAL_ADDRESS)(UINTN)bs & ~(EFI_PHYSICAL_ADDRESS)0xFFF;
    rt_printf("freefw 0x%lx\n", (unsigned long)page);
    rt_printf("freefw %s\n", rt_status_name(bs->FreePages(page, 1)));
  }
  else if (option_is(li, "setmem")) {
    EFI_PHYSICAL_ADDRESS buf = 0;
    EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, (64u << 20) / 4096, &buf);
    rt_printf("setmem %s\n", rt_status_name(s));
    if (EFI_ERROR(s)) return s;
    for (UINT8 v = 0;; v++) bs->SetMem((void *)(UINTN)buf, 64u << 20, v);
  }
  return EFI_SUCCESS;
}
