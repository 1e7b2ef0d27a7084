/*
 * svc-events: events, timers, TPL (UEFI 2.10 §7.1), the protocol handler services (§7.3) and the
 * ExitBootServices event groups (§7.4.6), with EDK2's statuses. EventServicesPayloadTest checks the lines printed
 * here ("name STATUS value") and the service trace.
 */
#include "efiemu_rt.h"

static EFI_GUID before_ebs_guid = {0x8BE0E274, 0x3970, 0x4B44, {0x80, 0xC5, 0x1A, 0xB9, 0x50, 0x2F, 0x3B, 0xFC}};
static EFI_GUID my_group = {0x11111111, 0x2222, 0x3333, {0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}};
static EFI_GUID proto_a = {0xAAAAAAAA, 0x0001, 0x0002, {1, 2, 3, 4, 5, 6, 7, 8}};
static EFI_GUID proto_b = {0xBBBBBBBB, 0x0001, 0x0002, {1, 2, 3, 4, 5, 6, 7, 8}};
static EFI_GUID proto_c = {0xCCCCCCCC, 0x0001, 0x0002, {1, 2, 3, 4, 5, 6, 7, 8}};
static EFI_GUID unknown = {0xDDDDDDDD, 0x0001, 0x0002, {1, 2, 3, 4, 5, 6, 7, 8}};
static EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static UINT8 map_buffer[64 * 1024] __attribute__((aligned(8)));

static volatile int notified, group_a, group_b, before_ebs, at_ebs, tpl_seen;
static EFI_BOOT_SERVICES *g_bs;

static void EFIAPI count_notify(EFI_EVENT e, void *ctx) { (*(volatile int *)ctx)++; }
static void EFIAPI tpl_notify(EFI_EVENT e, void *ctx) {
  /* RaiseTPL returns the TPL the notification runs at */
  EFI_TPL t = g_bs->RaiseTPL(TPL_HIGH_LEVEL);
  g_bs->RestoreTPL(t);
  tpl_seen = (int)t;
}
static void EFIAPI ebs_notify(EFI_EVENT e, void *ctx) { at_ebs++; }

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

static void events(EFI_BOOT_SERVICES *bs) {
  EFI_EVENT ev = 0, t = 0, pt = 0, ga = 0, gb = 0, tn = 0;
  SHOW("create-signal", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&notified, &ev));
  SHOW("signal", bs->SignalEvent(ev));
  rt_printf("notified-after-signal %d\n", notified);
  SHOW("create-null-out", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, 0, NULL));
  SHOW("create-no-function", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, NULL, 0, &t));
  SHOW("create-bad-type", bs->CreateEvent(0x12345, TPL_CALLBACK, count_notify, 0, &t));
  SHOW("create-bad-tpl", bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_HIGH_LEVEL, count_notify, 0, &t));

  EFI_TPL old = bs->RaiseTPL(TPL_NOTIFY);
  rt_printf("raise-returned %lu\n", (unsigned long)old);
  bs->SignalEvent(ev);
  rt_printf("notified-while-raised %d\n", notified);
  bs->RestoreTPL(old);
  rt_printf("notified-after-restore %d\n", notified);
  SHOW("check-notify-signal", bs->CheckEvent(ev));
  SHOW("close", bs->CloseEvent(ev));
  SHOW("close-again", bs->CloseEvent(ev));

  EFI_EVENT tp = 0;
  bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_NOTIFY, tpl_notify, 0, &tp);
  bs->SignalEvent(tp);
  rt_printf("notify-ran-at-tpl %d\n", tpl_seen);
  bs->CloseEvent(tp);

  /* a plain timer: signalled at the first 10 ms tick at or after its trigger time (Stall advances virtual time; a 10 ms
     stall passes exactly one tick) */
  SHOW("create-timer", bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &t));
  SHOW("set-timer-relative", bs->SetTimer(t, TimerRelative, 10000));   /* 1 ms */
  SHOW("check-before", bs->CheckEvent(t));
  bs->Stall(10000);
  SHOW("check-after-stall", bs->CheckEvent(t));
  SHOW("check-cleared", bs->CheckEvent(t));
  SHOW("set-timer-bad-type", bs->SetTimer(t, (EFI_TIMER_DELAY)7, 0));
  SHOW("set-timer-not-a-timer", bs->SetTimer(g_bs, TimerRelative, 0));

  /* a periodic timer with a notification function: one signal per tick (its 1 ms period is shorter than a tick) */
  notified = 0;
  bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&notified, &pt);
  bs->SetTimer(pt, TimerPeriodic, 10000);
  bs->Stall(10000);
  rt_printf("periodic-after-one-tick %d\n", notified);
  bs->Stall(10000);
  rt_printf("periodic-after-two-ticks %d\n", notified);
  bs->SetTimer(pt, TimerCancel, 0);
  bs->Stall(5000);
  rt_printf("periodic-after-cancel %d\n", notified);
  bs->CloseEvent(pt);

  /* WaitForEvent blocks until the timer fires: virtual time jumps to it */
  UINTN index = 99;
  bs->SetTimer(t, TimerRelative, 50000);                                /* 5 ms */
  SHOW("wait-timer", bs->WaitForEvent(1, &t, &index));
  rt_printf("wait-index %lu\n", (unsigned long)index);
  SHOW("wait-zero-events", bs->WaitForEvent(0, &t, &index));
  bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&notified, &tn);
  EFI_EVENT two[2] = {t, tn};
  bs->SetTimer(t, TimerRelative, 10000);
  SHOW("wait-notify-signal", bs->WaitForEvent(2, two, &index));
  old = bs->RaiseTPL(TPL_CALLBACK);
  SHOW("wait-at-callback", bs->WaitForEvent(1, &t, &index));
  bs->RestoreTPL(old);
  SHOW("wait-wild-array", bs->WaitForEvent(1, (EFI_EVENT *)0xFFC00000, &index));
  bs->CloseEvent(tn);
  bs->CloseEvent(t);

  /* event groups */
  SHOW("create-group-a", bs->CreateEventEx(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&group_a, &my_group, &ga));
  bs->CreateEventEx(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&group_b, &my_group, &gb);
  bs->SignalEvent(ga);
  rt_printf("group %d %d\n", group_a, group_b);
  SHOW("create-ex-ebs-type-with-group",
       bs->CreateEventEx(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_CALLBACK, ebs_notify, 0, &my_group, &t));
}

static UINT64 iface_a, iface_b, iface_c, iface_a2;

static void protocols(EFI_HANDLE image, EFI_BOOT_SERVICES *bs) {
  EFI_HANDLE h = NULL, h2 = NULL, buf[8];
  void *p = 0;
  SHOW("install", bs->InstallProtocolInterface(&h, &proto_a, EFI_NATIVE_INTERFACE, &iface_a));
  SHOW("install-duplicate", bs->InstallProtocolInterface(&h, &proto_a, EFI_NATIVE_INTERFACE, &iface_a));
  SHOW("install-null-handle", bs->InstallProtocolInterface(NULL, &proto_a, EFI_NATIVE_INTERFACE, &iface_a));
  SHOW("install-pe-interface", bs->InstallProtocolInterface(&h2, &proto_a, 1, &iface_a));
  SHOW("locate", bs->LocateProtocol(&proto_a, NULL, &p));
  rt_printf("locate-is-a %d\n", p == &iface_a);
  SHOW("locate-unknown", bs->LocateProtocol(&unknown, NULL, &p));
  SHOW("locate-gop", bs->LocateProtocol(&gop_guid, NULL, &p));
  SHOW("locate-wild-guid", bs->LocateProtocol((EFI_GUID *)0xFFC00000, NULL, &p));

  UINTN size = 0;
  SHOW("locate-handle-small", bs->LocateHandle(ByProtocol, &proto_a, NULL, &size, NULL));
  rt_printf("locate-handle-needs %lu\n", (unsigned long)size);
  size = sizeof(buf);
  SHOW("locate-handle", bs->LocateHandle(ByProtocol, &proto_a, NULL, &size, buf));
  rt_printf("locate-handle-found %d size %lu\n", buf[0] == h, (unsigned long)size);
  size = sizeof(buf);
  SHOW("locate-handle-unknown", bs->LocateHandle(ByProtocol, &unknown, NULL, &size, buf));
  size = 0;
  SHOW("locate-handle-all-small", bs->LocateHandle(AllHandles, NULL, NULL, &size, NULL));
  rt_printf("all-handles-bytes %lu\n", (unsigned long)size);

  UINTN n = 0;
  EFI_HANDLE *hb = 0;
  SHOW("locate-handle-buffer", bs->LocateHandleBuffer(ByProtocol, &proto_a, NULL, &n, &hb));
  rt_printf("handle-buffer %lu %d\n", (unsigned long)n, hb && hb[0] == h);
  SHOW("free-handle-buffer", bs->FreePool(hb));
  SHOW("locate-handle-buffer-unknown", bs->LocateHandleBuffer(ByProtocol, &unknown, NULL, &n, &hb));

  EFI_GUID **guids = 0;
  UINTN count = 0;
  SHOW("protocols-per-handle", bs->ProtocolsPerHandle(h, &guids, &count));
  rt_printf("protocols %lu %d\n", (unsigned long)count, count == 1 && guids[0]->Data1 == 0xAAAAAAAA);
  bs->FreePool(guids);
  SHOW("protocols-per-bad-handle", bs->ProtocolsPerHandle((EFI_HANDLE)0x1234, &guids, &count));

  /* notify on install */
  EFI_EVENT ev = 0;
  void *reg = 0;
  notified = 0;
  bs->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&notified, &ev);
  SHOW("register-notify", bs->RegisterProtocolNotify(&proto_b, ev, &reg));
  SHOW("install-multiple", bs->InstallMultipleProtocolInterfaces(&h2, &proto_b, &iface_b, &proto_c, &iface_c, NULL));
  rt_printf("notify-on-install %d\n", notified);
  SHOW("locate-by-registration", bs->LocateProtocol(&proto_b, reg, &p));
  rt_printf("registration-is-b %d\n", p == &iface_b);
  SHOW("locate-by-registration-again", bs->LocateProtocol(&proto_b, reg, &p));
  SHOW("install-multiple-duplicate", bs->InstallMultipleProtocolInterfaces(&h2, &proto_b, &iface_b, NULL));

  /* open / information / close */
  SHOW("open-get", bs->OpenProtocol(h2, &proto_c, &p, image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL));
  EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *info = 0;
  SHOW("open-info", bs->OpenProtocolInformation(h2, &proto_c, &info, &count));
  rt_printf("open-info %lu %d %u\n", (unsigned long)count, count == 1 && info[0].AgentHandle == image,
            count ? info[0].Attributes : 0);
  bs->FreePool(info);
  SHOW("open-info-missing", bs->OpenProtocolInformation(h2, &proto_a, &info, &count));
  SHOW("close-protocol", bs->CloseProtocol(h2, &proto_c, image, NULL));
  SHOW("close-protocol-again", bs->CloseProtocol(h2, &proto_c, image, NULL));

  SHOW("reinstall", bs->ReinstallProtocolInterface(h, &proto_a, &iface_a, &iface_a2));
  bs->LocateProtocol(&proto_a, NULL, &p);
  rt_printf("reinstalled-is-a2 %d\n", p == &iface_a2);
  SHOW("reinstall-wrong-old", bs->ReinstallProtocolInterface(h, &proto_a, &iface_a, &iface_a2));
  SHOW("uninstall-multiple", bs->UninstallMultipleProtocolInterfaces(h2, &proto_b, &iface_b, &proto_c, &iface_c, NULL));
  SHOW("uninstall", bs->UninstallProtocolInterface(h, &proto_a, &iface_a2));
  SHOW("uninstall-gone", bs->UninstallProtocolInterface(h, &proto_a, &iface_a2));

  EFI_DEVICE_PATH *dp = (EFI_DEVICE_PATH *)map_buffer;
  map_buffer[0] = 0x7F; map_buffer[1] = 0xFF; map_buffer[2] = 4; map_buffer[3] = 0;
  EFI_HANDLE dev = 0;
  SHOW("locate-device-path-no-esp", bs->LocateDevicePath(&sfs_guid, &dp, &dev));
  SHOW("connect-image", bs->ConnectController(image, NULL, NULL, TRUE));
  SHOW("disconnect-image", bs->DisconnectController(image, NULL, NULL));
  bs->CloseEvent(ev);
}

static void exit_boot_services(EFI_HANDLE image, EFI_BOOT_SERVICES *bs) {
  EFI_EVENT b = 0, e = 0;
  bs->CreateEventEx(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, count_notify, (void *)&before_ebs, &before_ebs_guid, &b);
  bs->CreateEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_NOTIFY, ebs_notify, 0, &e);
  UINTN size = sizeof(map_buffer), key = 0, dsz = 0;
  UINT32 dver = 0;
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  EFI_STATUS s1 = bs->ExitBootServices(image, key + 1);
  int before1 = before_ebs, at1 = at_ebs;
  size = sizeof(map_buffer);
  bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map_buffer, &key, &dsz, &dver);
  EFI_STATUS s2 = bs->ExitBootServices(image, key);
  rt_console_gone();
  rt_printf("ebs-stale %s before %d at %d\n", rt_status_name(s1), before1, at1);
  rt_printf("ebs %s before %d at %d\n", rt_status_name(s2), before_ebs, at_ebs);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  g_bs = st->BootServices;
  events(g_bs);
  protocols(image, g_bs);
  exit_boot_services(image, g_bs);
  return EFI_SUCCESS;
}
