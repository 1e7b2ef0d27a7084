/*
 * shell-params: what an application started by the UEFI Shell finds on its image handle (UEFI Shell Specification
 * 2.2 §2.5): EFI_SHELL_PARAMETERS_PROTOCOL with Argc/Argv split from the command line (quotes grouped, ^ escapes),
 * and a StdOut file handle whose Write prints on the console. Prints "shell-params none <status>" when the protocol is
 * not there (a boot manager's start). ShellParametersPayloadTest and ShellParametersOvmfLiveTest check the lines.
 */
#include "efiemu_rt.h"

typedef struct {
  CHAR16 **Argv;
  UINTN Argc;
  EFI_FILE_HANDLE StdIn;
  EFI_FILE_HANDLE StdOut;
  EFI_FILE_HANDLE StdErr;
} SHELL_PARAMETERS;

static EFI_GUID shell_parameters_guid = {0x752f3136, 0x4e16, 0x4fdc, {0xa2, 0x2a, 0xe5, 0xf4, 0x68, 0x12, 0xf4, 0xca}};

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  SHELL_PARAMETERS *sp = 0;
  EFI_STATUS s = st->BootServices->HandleProtocol(image, &shell_parameters_guid, (void **)&sp);
  if (s != EFI_SUCCESS || !sp) {
    rt_printf("shell-params none %s\n", rt_status_name(s));
    return EFI_SUCCESS;
  }
  rt_printf("shell-params argc %lu\n", (unsigned long)sp->Argc);
  for (UINTN i = 1; i < sp->Argc; i++) {
    rt_printf("shell-params argv %lu [", (unsigned long)i);
    for (CHAR16 *p = sp->Argv[i]; *p; p++) rt_printf("%c", (char)*p);
    rt_printf("]\n");
  }
  rt_printf("shell-params handles %d %d %d\n", sp->StdIn != 0, sp->StdOut != 0, sp->StdErr != 0);
  static CHAR16 msg[] = L"shell-params stdout-write\r\n";
  UINTN size = sizeof msg - sizeof(CHAR16);
  EFI_STATUS w = sp->StdOut->Write(sp->StdOut, &size, msg);
  rt_printf("shell-params stdout %s\n", rt_status_name(w));
  return EFI_SUCCESS;
}
