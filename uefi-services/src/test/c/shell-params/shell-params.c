/*
 * shell-params: what an application started by the UEFI Shell finds on its image handle (UEFI Shell Specification
 * 2.2 §2.5): EFI_SHELL_PARAMETERS_PROTOCOL with Argc/Argv split from the command line (quotes grouped, ^ escapes),
 * and a StdOut file handle whose Write prints on the console. Prints "shell-params none <status>" when the protocol is
 * not there (a boot manager's start). With an argument "read-stdin" it then reads two lines from StdIn (the Shell's
 * line editor over ConIn: keys typed up to Enter) and prints each with its status and size, and a read into a
 * one-CHAR16 buffer. ShellParametersPayloadTest and ShellParametersOvmfLiveTest check the lines.
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
  int read_stdin = 0;
  for (UINTN i = 1; i < sp->Argc; i++) {
    const CHAR16 *a = sp->Argv[i];
    const char *want = "read-stdin";
    UINTN k = 0;
    while (want[k] && a[k] == (CHAR16)want[k]) k++;
    if (!want[k] && !a[k]) read_stdin = 1;
  }
  if (read_stdin) {
    static CHAR16 line[64];
    UINTN small = 2;
    EFI_STATUS r0 = sp->StdIn->Read(sp->StdIn, &small, line);
    rt_printf("shell-params stdin-small %s size %lu\n", rt_status_name(r0), (unsigned long)small);
    for (int n = 0; n < 2; n++) {
      UINTN sz = sizeof line;
      EFI_STATUS r = sp->StdIn->Read(sp->StdIn, &sz, line);
      rt_printf("shell-params stdin %s size %lu [", rt_status_name(r), (unsigned long)sz);
      for (UINTN i = 0; i < sz / 2; i++) rt_printf("%c", (char)line[i]);
      rt_printf("]\n");
    }
  }
  return EFI_SUCCESS;
}
