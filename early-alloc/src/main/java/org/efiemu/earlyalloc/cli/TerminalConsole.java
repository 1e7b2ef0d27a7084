package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.debug.console.DebugConsole;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

/**
 * {@code efiemu debug} at a terminal: the {@link DebugConsole} behind a JLine line reader — line editing, history
 * (kept in {@code ~/.efiemu_history} unless told otherwise), completion of commands and, after {@code break}, of
 * service names; Enter on an empty line repeats the last {@code step}/{@code next}; Ctrl-C while the guest runs stops it
 * and returns to the prompt (the session and its {@code back} history survive), Ctrl-C at the prompt clears the line,
 * Ctrl-D ends the session.
 */
final class TerminalConsole {
    private final UefiDebugSession session;
    private final DebugConsole console;
    private final Terminal terminal;
    private final Path history;

    TerminalConsole(UefiDebugSession session, DebugConsole console, Terminal terminal, Path history) {
        this.session = session;
        this.console = console;
        this.terminal = terminal;
        this.history = history;
    }

    /** Reads and runs commands until {@code quit}, Ctrl-D or the end of the input. */
    void run() {
        LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).appName("efiemu")
                .completer(completer(console.commandWords(), List.copyOf(session.machine().services().serviceNames())));
        if (history != null) {
            builder.variable(LineReader.HISTORY_FILE, history);
        }
        LineReader reader = builder.build();
        // Ctrl-C while a command runs the guest: stop it where it is (Debugger.requestInterrupt, any thread)
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> session.debugger().requestInterrupt());
        try {
            while (true) {
                String line;
                try {
                    line = reader.readLine(DebugConsole.PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt: a fresh line
                } catch (EndOfFileException e) {
                    break;
                }
                if (!console.typed(line)) {
                    break;
                }
            }
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                PrintWriter w = terminal.writer();
                w.println("note: history not saved: " + e.getMessage());
                w.flush();
            }
        }
    }

    /** Commands as the first word; service names after {@code break} (and {@code b}). */
    static Completer completer(List<String> commands, List<String> services) {
        return (reader, line, candidates) -> {
            if (line.wordIndex() == 0) {
                commands.forEach(c -> candidates.add(new Candidate(c)));
            } else if (line.wordIndex() == 1 && (line.words().get(0).equals("break") || line.words().get(0).equals("b"))) {
                services.forEach(s -> candidates.add(new Candidate(s)));
            }
        };
    }
}
