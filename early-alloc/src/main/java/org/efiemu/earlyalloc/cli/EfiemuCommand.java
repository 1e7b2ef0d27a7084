package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.efiemu.platform.cli.ProfileCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu}: the top-level command. Subcommands {@code matrix}, {@code run}, {@code profile} (from the platforms
 * module) and {@code bench}. Errors in the user's input (unknown platform, unreadable payload, malformed PE, bad
 * descriptor) end with one line on stderr and exit status {@value #EXIT_USAGE}, no stack trace.
 */
@Command(name = "efiemu", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {EfiemuCommand.EXIT_0, EfiemuCommand.EXIT_1, EfiemuCommand.EXIT_2},
        description = "Runs real x86-64 UEFI boot code on emulated machines, judges early-allocator strategies and debugs them.",
        subcommands = {MatrixCommand.class, RunCommand.class, ProfileCommand.class, BenchCommand.class, DebugCommand.class,
            HuntCommand.class, ReportCommand.class, DiffCommand.class})
public final class EfiemuCommand implements Runnable {
    static final String EXIT_0 = "0:the command succeeded (run: the guest ended normally)";
    static final String EXIT_1 = "1:the guest faulted, broke a rule or hit a limit; or an internal error";
    static final String EXIT_2 = "2:usage or input error (bad option, number out of range, unreadable or malformed file)";

    /** Exit status for bad input (picocli's usage-error status). */
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: one of " + spec.subcommands().keySet()
                + " (see efiemu --help)");
    }

    /** The configured command line: error handling maps input errors to one line and exit status 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new EfiemuCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + oneLine(e));
            commandLine.getErr().flush();
            return isInputError(e) ? EXIT_USAGE : 1;
        });
        return cl;
    }

    /** True for errors caused by what the user gave (files, names, formats), as opposed to efiemu bugs. */
    static boolean isInputError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof org.efiemu.platform.ProfileFormatException || e instanceof org.efiemu.core.pe.PeFormatException
                || e.getCause() instanceof org.efiemu.core.pe.PeFormatException;
    }

    /** The message of an error as one line, with the cause's message when it adds something. */
    static String oneLine(Throwable e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof NoSuchFileException) {
            msg = "file not found: " + msg;
        }
        if (t.getMessage() == null && !isInputError(e)) {
            msg = "internal error (" + t.getClass().getSimpleName() + ")";
        } else if (!isInputError(e)) {
            msg = "internal error: " + msg;
        }
        return msg.replace('\n', ' ').replace('\r', ' ');
    }
}
