package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.efiemu.core.debug.gdb.GdbServer;
import org.efiemu.uefi.debug.console.GdbMonitor;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.debug.console.DebugConsole;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu debug}: a UEFI-aware debugger over one payload on one platform, stopped at the image's entry point.
 * Interactive at a terminal; {@code --commands FILE} runs a script and echoes each command with its output (the same
 * script gives the same transcript, for CI); {@code --gdb PORT} serves the GDB remote stub on 127.0.0.1 instead.
 * Exit status 0, 1 when a scripted command failed, 2 for bad input.
 */
@Command(name = "debug", mixinStandardHelpOptions = true,
        description = "Debug an EFI application on a platform: service breakpoints, watchpoints, step, back.")
public final class DebugCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestOptions guest;

    @Mixin
    PresentationOptions present;

    @Option(names = "--commands", paramLabel = "FILE", description = "run the commands in FILE, echoing each, then end")
    Path commands;

    @Option(names = "--gdb", paramLabel = "PORT", description = "serve the GDB remote protocol on 127.0.0.1:PORT")
    Integer gdbPort;

    @Option(names = "--history", paramLabel = "FILE", description = "command history at a terminal (default: ~/.efiemu_history)")
    Path historyFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (commands != null && gdbPort != null) {
            throw new IllegalArgumentException("--commands and --gdb: give one of them");
        }
        if (gdbPort != null && (gdbPort < 0 || gdbPort > 65535)) {
            throw new IllegalArgumentException("--gdb " + gdbPort + ": expected a TCP port 0..65535");
        }
        guest.validate();
        guest.checkLoadOptions();
        PlatformProfile profile = guest.profile();
        org.efiemu.earlyalloc.Platforms.Described described = org.efiemu.earlyalloc.Platforms.describe(profile);
        described.note().ifPresent(n -> out.println("note: " + n));
        UefiMachineBuilder b = UefiMachine.builder(described.description()).instructionBudget(guest.budget)
                .instructionCounting(guest.instructionCounting());
        guest.applyPayloadAndDisks(b); // each replay opens the images afresh: the same bytes every time
        guest.loadAddress().ifPresent(b::loadAddress);
        if (guest.timeLimit != null) b.wallClockLimit(guest.timeLimit(java.time.Duration.ZERO));
        Path esp = guest.espFolder();
        if (esp != null) b.esp(esp, false); // a replayed run must see the same files: never writable
        guest.payloadEspPath().ifPresent(b::filePath);
        if (guest.loadOptions != null) b.loadOptions(guest.loadOptions);
        b.shellParameters(guest.shellParameters);
        if (present.screenshotDir != null) {
            throw new IllegalArgumentException("--screenshot " + present.screenshotDir + ": screenshots are taken at the "
                    + "end of 'efiemu run'; in the debugger the run has no fixed end");
        }
        present.apply(b);
        // the guest's console output as it is printed, once (replays after `back` do not print it again)
        try (UefiDebugSession session = UefiDebugSession.start(b, (source, text) -> {
            out.print(text);
            out.flush();
        })) {
            if (gdbPort != null) {
                try (GdbServer server = new GdbServer(new GdbMonitor(session), gdbPort)) {
                    out.printf("GDB remote stub on %s:%d (gdb -ex 'target remote %s:%d'); stopped at %s (*0x%X)%n",
                            server.address().getHostAddress(), server.port(), server.address().getHostAddress(),
                            server.port(), session.entryStop().where(), session.entryStop().rip());
                    out.flush();
                    out.println("gdb session ended: " + server.serveSessions()); // extended-remote: one gdb after another
                }
                return 0;
            }
            out.printf("%s on %s, stopped at the entry point %s%n", guest.payloadName(), profile.name(),
                    session.entryStop().where());
            DebugConsole console = new DebugConsole(session, out, commands != null);
            if (commands != null) {
                try (Reader r = Files.newBufferedReader(existing(commands, "--commands"), StandardCharsets.UTF_8)) {
                    console.run(r);
                }
                return console.errors() == 0 ? 0 : 1;
            }
            if (System.console() == null) { // input from a pipe: read lines as they come, prompt printed
                console.run(new InputStreamReader(System.in, Charset.defaultCharset()));
                return 0;
            }
            try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
                Path history = historyFile != null ? historyFile : Path.of(System.getProperty("user.home"), ".efiemu_history");
                new TerminalConsole(session, new DebugConsole(session, terminal.writer(), false), terminal, history).run();
            }
            return 0;
        }
    }

    private static Path existing(Path p, String what) throws IOException {
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, what + " file does not exist");
        return p;
    }
}
