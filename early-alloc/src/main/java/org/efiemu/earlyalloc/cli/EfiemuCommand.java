package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
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
        description = "Runs real x86-64 UEFI boot code on emulated machines, judges early-allocator strategies and debugs them.")
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

    /** The subcommands by name, in the order {@code --help} lists them. */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("matrix", MatrixCommand.class);
        m.put("run", RunCommand.class);
        m.put("profile", ProfileCommand.class);
        m.put("bench", BenchCommand.class);
        m.put("debug", DebugCommand.class);
        m.put("hunt", HuntCommand.class);
        m.put("report", ReportCommand.class);
        m.put("diff", DiffCommand.class);
        return Collections.unmodifiableMap(m);
    }

    /** The configured command line with every subcommand: error handling maps input errors to one line and exit 2. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: when the first argument names a subcommand, only that subcommand's model is
     * built (picocli reads the annotations of every command it is given, about a third of a short run's start-up);
     * otherwise all of them, so {@code --help}, {@code --version} and a mistyped command behave as before.
     */
    public static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new EfiemuCommand());
        Class<?> only = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        if (only != null) {
            cl.addSubcommand(args[0], only);
        } else {
            SUBCOMMANDS.forEach(cl::addSubcommand);
        }
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
