/*
 * drv-app: loads the drv-binding driver (\drv-binding.efi beside it on its own volume) and drives it through the UEFI
 * driver model (UEFI 2.10 §7.3.12-§7.3.13 ConnectController/DisconnectController, §7.3.9 OpenProtocol EXCLUSIVE,
 * §7.3.3-§7.3.4 Uninstall/ReinstallProtocolInterface of an interface a driver holds, §7.4 LoadImage/StartImage/
 * UnloadImage, §11.1 the Driver Binding Protocol) on controllers A, B and D it makes itself
 * (handles carrying the drv-binding test protocol). Prints one "da" line per step; the driver prints a "drv" line per
 * Supported/Start/Stop, so the order is visible. Load option "fault" (or "spin") adds a controller F (or H) on which
 * the driver's Supported faults (or spins): the run must end with a stop report (efiemu only); "runtime" loads
 * \drv-runtime.efi (the same driver linked as an EFI_RUNTIME_DRIVER) instead.
 */
#include "efiemu_rt.h"
#include "../drv-binding/drv-binding.h"

static EFI_GUID test_guid = DRV_TEST_PROTOCOL_GUID;
static EFI_GUID child_guid = DRV_CHILD_PROTOCOL_GUID;
static EFI_GUID binding_guid = EFI_DRIVER_BINDING_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static UINT8 path_buffer[512] __attribute__((aligned(8)));
static DRV_TEST_IF ifs[26];

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("da %s %s\n", name, rt_status_name(s_)); } while (0)

static EFI_HANDLE controller(char name) {
  EFI_HANDLE h = 0;
  ifs[name - 'A'].name = name;
  rt_bs->InstallProtocolInterface(&h, &test_guid, EFI_NATIVE_INTERFACE, &ifs[name - 'A']);
  return h;
}

/* the driver bindings whose ImageHandle is `image`: how many, and the one that is not on the image handle */
static UINTN bindings_of(EFI_HANDLE image, EFI_HANDLE *other) {
  UINTN count = 0, mine = 0;
  EFI_HANDLE *list = 0;
  if (EFI_ERROR(rt_bs->LocateHandleBuffer(ByProtocol, &binding_guid, 0, &count, &list))) return 0;
  for (UINTN i = 0; i < count; i++) {
    EFI_DRIVER_BINDING_PROTOCOL *b = 0;
    if (!EFI_ERROR(rt_bs->HandleProtocol(list[i], &binding_guid, (void **)&b)) && b->ImageHandle == image) {
      mine++;
      if (list[i] != image && other) *other = list[i];
    }
  }
  rt_bs->FreePool(list);
  return mine;
}

/* open entries on `h`'s test protocol: "agent-is-driver attributes" per entry, and the child of a BY_CHILD entry */
static EFI_HANDLE show_opens(const char *label, EFI_HANDLE h, EFI_HANDLE lo, EFI_HANDLE hi) {
  EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e = 0;
  UINTN n = 0;
  EFI_HANDLE child = 0;
  if (EFI_ERROR(rt_bs->OpenProtocolInformation(h, &test_guid, &e, &n))) return 0;
  rt_printf("da %s opens %lu", label, (unsigned long)n);
  for (UINTN i = 0; i < n; i++) {
    const char *agent = e[i].AgentHandle == lo ? "lo" : e[i].AgentHandle == hi ? "hi" : "other";
    rt_printf(" %s:0x%x", agent, e[i].Attributes);
    if (e[i].Attributes & EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER) child = e[i].ControllerHandle;
  }
  rt_printf("\n");
  rt_bs->FreePool(e);
  return child;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_LOADED_IMAGE *li = 0;
  EFI_DEVICE_PATH *device = 0;
  rt_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
  rt_bs->HandleProtocol(li->DeviceHandle, &device_path_guid, (void **)&device);
  int fault = rt_wide_eq((CHAR16 *)li->LoadOptions, "fault");
  int spin = rt_wide_eq((CHAR16 *)li->LoadOptions, "spin");
  int runtime = rt_wide_eq((CHAR16 *)li->LoadOptions, "runtime");
  rt_printf("da begin\n");
  EFI_HANDLE a = controller('A'), b = controller('B'), d = controller('D');

  EFI_HANDLE drv = 0, hi = 0, none[1] = {0}, failing = 0;
  EFI_LOADED_IMAGE *fli = 0;
  SHOW("load-failing", rt_bs->LoadImage(FALSE, image, rt_file_path(device, runtime ? L"\\drv-runtime.efi" : L"\\drv-binding.efi", path_buffer, sizeof path_buffer), NULL, 0, &failing));
  rt_bs->HandleProtocol(failing, &loaded_image_guid, (void **)&fli);
  fli->LoadOptions = L"fail";
  fli->LoadOptionsSize = sizeof(L"fail");
  SHOW("start-failing", rt_bs->StartImage(failing, NULL, NULL));
  SHOW("failing-unloaded", rt_bs->HandleProtocol(failing, &loaded_image_guid, (void **)&fli));
  SHOW("load", rt_bs->LoadImage(FALSE, image, rt_file_path(device, runtime ? L"\\drv-runtime.efi" : L"\\drv-binding.efi", path_buffer, sizeof path_buffer), NULL, 0, &drv));
  SHOW("start-driver", rt_bs->StartImage(drv, NULL, NULL));
  rt_printf("da bindings %lu\n", (unsigned long)bindings_of(drv, &hi));
  EFI_LOADED_IMAGE *dli = 0;
  SHOW("driver-still-loaded", rt_bs->HandleProtocol(drv, &loaded_image_guid, (void **)&dli));
  rt_printf("da driver unload-set %d\n", dli && dli->Unload != 0);

  SHOW("connect-A", rt_bs->ConnectController(a, NULL, NULL, FALSE));
  show_opens("A", a, drv, hi);
  SHOW("connect-A-again", rt_bs->ConnectController(a, NULL, NULL, FALSE));
  SHOW("connect-B-recursive", rt_bs->ConnectController(b, NULL, NULL, TRUE));
  EFI_HANDLE child = show_opens("B", b, drv, hi);
  DRV_TEST_IF *ci = 0;
  SHOW("child", rt_bs->HandleProtocol(child, &child_guid, (void **)&ci));
  rt_printf("da child name %c\n", ci ? (char)ci->name : '?');
  EFI_HANDLE lo_first[2] = {drv, 0};
  SHOW("connect-D-lo-first", rt_bs->ConnectController(d, lo_first, NULL, FALSE));
  show_opens("D", d, drv, hi);
  SHOW("connect-D-empty-list", rt_bs->ConnectController(d, none, NULL, FALSE));

  DRV_TEST_IF *x = 0;
  SHOW("exclusive-A", rt_bs->OpenProtocol(a, &test_guid, (void **)&x, image, NULL, EFI_OPEN_PROTOCOL_EXCLUSIVE));
  show_opens("A", a, drv, hi);
  SHOW("exclusive-A-again", rt_bs->OpenProtocol(a, &test_guid, (void **)&x, drv, NULL, EFI_OPEN_PROTOCOL_EXCLUSIVE));
  SHOW("close-exclusive-A", rt_bs->CloseProtocol(a, &test_guid, image, NULL));

  SHOW("disconnect-B", rt_bs->DisconnectController(b, NULL, NULL));
  SHOW("child-gone", rt_bs->HandleProtocol(child, &child_guid, (void **)&ci));
  show_opens("B", b, drv, hi);
  SHOW("disconnect-B-again", rt_bs->DisconnectController(b, NULL, NULL));
  SHOW("disconnect-D-by-hi", rt_bs->DisconnectController(d, hi, NULL));
  SHOW("disconnect-D-by-app", rt_bs->DisconnectController(d, image, NULL));
  SHOW("connect-A-for-reinstall", rt_bs->ConnectController(a, NULL, NULL, FALSE));
  SHOW("reinstall-A", rt_bs->ReinstallProtocolInterface(a, &test_guid, &ifs['A' - 'A'], &ifs['A' - 'A']));
  show_opens("A", a, drv, hi);
  SHOW("uninstall-D", rt_bs->UninstallProtocolInterface(d, &test_guid, &ifs['D' - 'A']));
  SHOW("disconnect-D-gone", rt_bs->DisconnectController(d, NULL, NULL));
  SHOW("connect-bad-handle", rt_bs->ConnectController((EFI_HANDLE)path_buffer, NULL, NULL, FALSE));
  SHOW("connect-null", rt_bs->ConnectController(NULL, NULL, NULL, FALSE));

  if (fault || spin) {
    EFI_HANDLE f = controller(fault ? 'F' : 'H');
    SHOW("connect-bad-driver", rt_bs->ConnectController(f, NULL, NULL, FALSE));
  }

  SHOW("unload", rt_bs->UnloadImage(drv));
  rt_printf("da bindings-after %lu\n", (unsigned long)bindings_of(drv, 0));
  SHOW("driver-gone", rt_bs->HandleProtocol(drv, &loaded_image_guid, (void **)&dli));
  SHOW("connect-A-after", rt_bs->ConnectController(a, NULL, NULL, FALSE));
  rt_printf("da end\n");
  return EFI_SUCCESS;
}
