package org.efiemu.uefi.shell;

/** The UEFI Shell parameters' section of docs/services.md (appended by {@code ServicesDoc}). */
public final class ShellParametersDoc {
    private ShellParametersDoc() {
    }

    /** The Markdown section, ending with a blank line. */
    public static String render() {
        return ""
            + "## UEFI Shell parameters (UEFI Shell Specification 2.2 §2.5)\n"
            + "\n"
            + "`UefiMachineBuilder.shellParameters(true)` / `--shell-parameters` (run, debug), always in `efiemu diff` (its QEMU +\n"
            + "OVMF side starts the image from the UEFI Shell): EFI_SHELL_PARAMETERS_PROTOCOL on the image handle with Argv split\n"
            + "from the LoadOptions as the Shell splits its command line (blanks separate, quotes group and go, `^` escapes;\n"
            + "`ShellCommandLine`) and StdIn/StdOut/StdErr file handles (StdOut/StdErr Write print on ConOut/StdErr; StdIn's Read is\n"
            + "the Shell's line editor over ConIn, EDK2 `FileInterfaceStdInRead` (`ShellLineEditor`): it waits for ConIn's keys, the\n"
            + "scripted keys of `--keys`/`UefiMachineBuilder.keys` (virtual time jumps to each, as WaitForEvent on WaitForKey\n"
            + "does; with no key to come the run stops as a wait forever), takes printable keys at the cursor (insert mode),\n"
            + "Backspace, Delete, Left/Right/Home/End, Insert and Escape, and returns the line at Enter (UCS-2 without\n"
            + "terminator, `*BufferSize` its bytes; a buffer under two CHAR16 is EFI_BUFFER_TOO_SMALL with 4); the console log\n"
            + "gets the line and a newline at Enter (the Shell redraws the row as keys edit it); tab completion, the command\n"
            + "history and scrolling are not modelled; `ShellStdInPayloadTest`, efiemu only: QEMU's side has no scripted\n"
            + "keys). systemd-stub takes Argv[1..] as the kernel command line\n"
            + "when it finds the protocol, so a UKI started as by the Shell gets OVMF's command line (`LoaderDiffTest`).\n"
            + "`ShellParametersOvmfLiveTest` compares Argv and StdOut with the real Shell.\n"
            + "\n";
    }
}
