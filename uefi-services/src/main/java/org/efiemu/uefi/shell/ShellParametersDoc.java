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
            + "EFI_UNSUPPORTED: the Shell's line editor is not modelled). systemd-stub takes Argv[1..] as the kernel command line\n"
            + "when it finds the protocol, so a UKI started as by the Shell gets OVMF's command line (`LoaderDiffTest`).\n"
            + "`ShellParametersOvmfLiveTest` compares Argv and StdOut with the real Shell.\n"
            + "\n";
    }
}
