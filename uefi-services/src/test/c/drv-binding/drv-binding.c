/*
 * drv-binding: a UEFI driver (EFI_BOOT_SERVICE_DRIVER) following the UEFI driver model (UEFI 2.10 §11.1). Its entry
 * point installs two EFI_DRIVER_BINDING_PROTOCOL instances: "lo" (Version 0x10) on its image handle and "hi" (Version
 * 0x20) on a new handle. Both drive controllers carrying the drv-app test protocol, by name: lo takes A, B, D (and F,
 * H: F makes its Supported fault, H makes it spin, for the bad-input runs); hi takes B and D, and makes one child
 * handle per controller it starts, opened BY_CHILD_CONTROLLER. Every Supported/Start/Stop/Unload prints one "drv"
 * line, so the order the firmware calls them in is visible (DriverBindingPayloadTest, DriverBindingOvmfLiveTest).
 * With LoadOptions "fail" its entry point returns EFI_ABORTED at once.
 */
#include "efiemu_rt.h"
#include "drv-binding.h"

static EFI_GUID test_guid = DRV_TEST_PROTOCOL_GUID;
static EFI_GUID child_guid = DRV_CHILD_PROTOCOL_GUID;
static EFI_GUID binding_guid = EFI_DRIVER_BINDING_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

static EFI_DRIVER_BINDING_PROTOCOL lo, hi;
static DRV_TEST_IF children[26];
static EFI_HANDLE child_handles[26];

static const char *who(EFI_DRIVER_BINDING_PROTOCOL *This) {
  return This == &lo ? "lo" : "hi";
}

/* the controller's name, '-' when it has no test protocol */
static char name_of(EFI_HANDLE controller) {
  DRV_TEST_IF *t = 0;
  EFI_STATUS s = rt_bs->OpenProtocol(controller, &test_guid, (void **)&t, 0, 0, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
  return EFI_ERROR(s) || !t ? '-' : (char)t->name;
}

static int takes(EFI_DRIVER_BINDING_PROTOCOL *This, char n) {
  if (This == &hi) return n == 'B' || n == 'D';
  return n == 'A' || n == 'B' || n == 'D' || n == 'F' || n == 'H';
}

static EFI_STATUS EFIAPI supported(EFI_DRIVER_BINDING_PROTOCOL *This, EFI_HANDLE controller, EFI_DEVICE_PATH *rest) {
  char n = name_of(controller);
  EFI_STATUS s = EFI_UNSUPPORTED;
  if (takes(This, n)) {
    if (n == 'F') {
      rt_printf("drv %s supported F faults\n", who(This));
      *(volatile UINT64 *)0x0000DEAD00000000ULL = 1; /* far outside RAM */
    }
    if (n == 'H') {
      rt_printf("drv %s supported H spins\n", who(This));
      for (volatile int forever = 1; forever;) {
      }
    }
    DRV_TEST_IF *t = 0;
    s = rt_bs->OpenProtocol(controller, &test_guid, (void **)&t, This->DriverBindingHandle, controller,
                            EFI_OPEN_PROTOCOL_BY_DRIVER);
    if (!EFI_ERROR(s)) {
      rt_bs->CloseProtocol(controller, &test_guid, This->DriverBindingHandle, controller);
    }
  }
  const char *tag = n != '-' ? "" : controller == lo.DriverBindingHandle ? " (driver image)"
                   : controller == hi.DriverBindingHandle ? " (hi's handle)" : " (other)";
  rt_printf("drv %s supported %c%s rest-null %d %s\n", who(This), n, tag, rest == 0, rt_status_name(s));
  return s;
}

static EFI_STATUS EFIAPI start(EFI_DRIVER_BINDING_PROTOCOL *This, EFI_HANDLE controller, EFI_DEVICE_PATH *rest) {
  DRV_TEST_IF *t = 0;
  char n = name_of(controller);
  EFI_STATUS s = rt_bs->OpenProtocol(controller, &test_guid, (void **)&t, This->DriverBindingHandle, controller,
                                     EFI_OPEN_PROTOCOL_BY_DRIVER);
  int made = 0;
  if (!EFI_ERROR(s) && This == &hi && n >= 'A' && n <= 'Z') {
    int i = n - 'A';
    children[i].name = n - 'A' + 'a';
    child_handles[i] = 0;
    EFI_STATUS c = rt_bs->InstallProtocolInterface(&child_handles[i], &child_guid, EFI_NATIVE_INTERFACE, &children[i]);
    if (!EFI_ERROR(c)) {
      c = rt_bs->OpenProtocol(controller, &test_guid, (void **)&t, This->DriverBindingHandle, child_handles[i],
                              EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
      made = !EFI_ERROR(c);
    }
  }
  rt_printf("drv %s start %c children %d %s\n", who(This), n, made, rt_status_name(s));
  return s;
}

static EFI_STATUS EFIAPI stop(EFI_DRIVER_BINDING_PROTOCOL *This, EFI_HANDLE controller, UINTN count,
                              EFI_HANDLE *buffer) {
  char n = name_of(controller);
  EFI_STATUS s = EFI_SUCCESS;
  if (count > 0) {
    for (UINTN k = 0; k < count; k++) {
      DRV_TEST_IF *c = 0;
      EFI_STATUS g = rt_bs->OpenProtocol(buffer[k], &child_guid, (void **)&c, 0, 0, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
      rt_printf("drv %s stop %c child %c\n", who(This), n, EFI_ERROR(g) || !c ? '?' : (char)c->name);
      rt_bs->CloseProtocol(controller, &test_guid, This->DriverBindingHandle, buffer[k]);
      if (!EFI_ERROR(g)) {
        s = rt_bs->UninstallProtocolInterface(buffer[k], &child_guid, c);
      }
    }
    rt_printf("drv %s stop %c children %lu %s\n", who(This), n, (unsigned long)count, rt_status_name(s));
    return s;
  }
  s = rt_bs->CloseProtocol(controller, &test_guid, This->DriverBindingHandle, controller);
  rt_printf("drv %s stop %c %s\n", who(This), n, rt_status_name(s));
  return s;
}

/* LoadedImage.Unload: disconnect from every controller, then uninstall both bindings */
static EFI_STATUS EFIAPI unload(EFI_HANDLE image) {
  UINTN count = 0;
  EFI_HANDLE *list = 0;
  int stopped = 0;
  if (!EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &test_guid, 0, &count, &list))) {
    for (UINTN i = 0; i < count; i++) {
      stopped += !EFI_ERROR(rt_bs->DisconnectController(list[i], lo.DriverBindingHandle, 0));
      stopped += !EFI_ERROR(rt_bs->DisconnectController(list[i], hi.DriverBindingHandle, 0));
    }
    rt_bs->FreePool(list);
  }
  EFI_STATUS a = rt_bs->UninstallMultipleProtocolInterfaces(hi.DriverBindingHandle, &binding_guid, &hi, NULL);
  EFI_STATUS b = rt_bs->UninstallMultipleProtocolInterfaces(lo.DriverBindingHandle, &binding_guid, &lo, NULL);
  rt_printf("drv unload stopped %d hi %s lo %s\n", stopped, rt_status_name(a), rt_status_name(b));
  return EFI_ERROR(a) ? a : b;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_LOADED_IMAGE *li = 0;
  rt_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  if (rt_wide_eq((CHAR16 *)li->LoadOptions, "fail")) {
    rt_printf("drv entry fails as asked\n");
    return EFI_ABORTED; /* StartImage unloads a driver whose entry point returns an error */
  }
  li->Unload = unload;
  lo.Supported = supported;
  lo.Start = start;
  lo.Stop = stop;
  lo.Version = 0x10;
  lo.ImageHandle = image;
  lo.DriverBindingHandle = image;
  hi = lo;
  hi.Version = 0x20;
  hi.DriverBindingHandle = 0;
  EFI_STATUS s = rt_bs->InstallMultipleProtocolInterfaces(&lo.DriverBindingHandle, &binding_guid, &lo, NULL);
  EFI_STATUS t = rt_bs->InstallMultipleProtocolInterfaces(&hi.DriverBindingHandle, &binding_guid, &hi, NULL);
  rt_printf("drv entry lo %s hi %s code %u data %u\n", rt_status_name(s), rt_status_name(t), li->ImageCodeType,
            li->ImageDataType);
  return EFI_ERROR(s) ? s : t;
}
