package org.efiemu.uefi.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits a command line into {@code Argv} as the UEFI Shell does for {@code EFI_SHELL_PARAMETERS_PROTOCOL} (UEFI
 * Shell Specification 2.2 §2.5; EDK2 {@code ShellPkg/Application/Shell/ShellParametersProtocol.c},
 * {@code ParseCommandLineToArgs}/{@code GetNextParameter}): parameters are separated by spaces and tabs, a pair of
 * double quotes groups text with blanks into one parameter and is removed, {@code ^} makes the next character literal
 * (a quote or a blank) and is removed. {@code Argv[0]} is the command as typed (the image's path). Pure.
 */
public final class ShellCommandLine {
    private ShellCommandLine() {
    }

    /** The parameters of {@code commandLine}, in order; empty for a blank line. */
    public static List<String> split(String commandLine) {
        Objects.requireNonNull(commandLine, "commandLine");
        List<String> argv = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inParameter = false;
        boolean quoted = false;
        for (int i = 0; i < commandLine.length(); i++) {
            char ch = commandLine.charAt(i);
            if (ch == '^' && i + 1 < commandLine.length()) {
                cur.append(commandLine.charAt(++i));
                inParameter = true;
            } else if (ch == '"') {
                quoted = !quoted;
                inParameter = true;
            } else if ((ch == ' ' || ch == '\t') && !quoted) {
                if (inParameter) {
                    argv.add(cur.toString());
                    cur.setLength(0);
                    inParameter = false;
                }
            } else {
                cur.append(ch);
                inParameter = true;
            }
        }
        if (inParameter) {
            argv.add(cur.toString());
        }
        return argv;
    }
}
