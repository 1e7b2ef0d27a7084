package org.efiemu.uefi.debug.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.core.util.NearestName;
import org.efiemu.uefi.debug.UefiDebugSession;

/**
 * The console front end of a {@link UefiDebugSession}: reads commands line by line, one {@link Command} per verb,
 * and writes to a {@link PrintWriter}. Interactive mode prints a prompt before each line; script mode echoes each
 * command after the prompt so a replayed session reads like a transcript (deterministic: the same script on the
 * same payload and platform gives the same text). A bad command prints one {@code error:} line and the session
 * goes on. {@code quit} ends it; so does the end of the input. Lines starting with {@code #} are skipped; a blank
 * line typed at a terminal repeats the last {@code step} or {@code next} (as gdb does), a blank line in a script is
 * skipped. An unknown command is answered with the nearest known one.
 */
public final class DebugConsole {
    public static final String PROMPT = "(efiemu) ";

    private final UefiDebugSession session;
    private final PrintWriter out;
    private final boolean echo;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private int errors;
    /** The last step/next typed at a terminal, repeated by a blank line; null when the last command was another. */
    private String repeatable;

    /**
     * @param echo true for scripts (echo each command), false at a terminal (print a prompt, the terminal echoes)
     */
    public DebugConsole(UefiDebugSession session, PrintWriter out, boolean echo) {
        this.session = session;
        this.out = out;
        this.echo = echo;
        commands.put("break", new BreakCommand());
        commands.put("watch", new WatchCommand());
        commands.put("delete", new DeleteCommand());
        commands.put("info", new InfoCommand());
        commands.put("continue", new ContinueCommand());
        commands.put("step", new StepCommand());
        commands.put("next", new NextCommand());
        commands.put("finish", new FinishCommand());
        commands.put("back", new BackCommand());
        commands.put("reverse-continue", new ReverseContinueCommand());
        commands.put("regs", new RegsCommand());
        commands.put("x", new ExamineCommand());
        commands.put("disas", new DisasCommand());
        commands.put("map", new MapCommand());
        commands.put("allocs", new AllocsCommand());
        commands.put("trace", new TraceCommand());
        commands.put("where", new WhereCommand());
    }

    private static final Map<String, String> ALIASES = Map.of("b", "break", "c", "continue", "s", "step", "n", "next",
            "bt", "where", "cont", "continue", "stepi", "step", "si", "step", "rc", "reverse-continue");

    /** Reads and runs commands until {@code quit} or the end of {@code in}. */
    public void run(Reader in) {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        try {
            while (true) {
                if (!echo) {
                    out.print(PROMPT);
                    out.flush();
                }
                String line = r.readLine();
                if (line == null) break;
                if (echo) {
                    String cmd = line.strip();
                    if (cmd.isEmpty() || cmd.startsWith("#")) continue;
                    out.println(PROMPT + cmd);
                    if (isQuit(cmd)) break;
                    execute(cmd);
                } else if (!typed(line)) {
                    break;
                }
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading debugger commands", e);
        }
        out.flush();
    }

    /**
     * Runs one line typed at a terminal: a blank line repeats the last {@code step}/{@code next}, a {@code #} line is a
     * comment. Returns false for {@code quit}.
     */
    public boolean typed(String line) {
        String cmd = line.strip();
        if (cmd.startsWith("#")) {
            return true;
        }
        if (cmd.isEmpty()) {
            if (repeatable != null) {
                execute(repeatable);
            }
            return true;
        }
        if (isQuit(cmd)) {
            return false;
        }
        execute(cmd);
        String verb = ALIASES.getOrDefault(verbOf(cmd), verbOf(cmd));
        repeatable = verb.equals("step") || verb.equals("next") ? cmd : null;
        out.flush();
        return true;
    }

    private static boolean isQuit(String cmd) {
        return cmd.equals("quit") || cmd.equals("q") || cmd.equals("exit");
    }

    private static String verbOf(String line) {
        int split = 0;
        while (split < line.length() && Character.isLetter(line.charAt(split))) split++;
        return line.substring(0, split);
    }

    /** What a terminal completes: the commands and their aliases, then {@code help} and {@code quit}. */
    public List<String> commandWords() {
        List<String> words = new ArrayList<>(commands.keySet());
        ALIASES.keySet().stream().sorted().forEach(words::add);
        words.add("help");
        words.add("quit");
        return words;
    }

    /** Runs one command line; a bad command prints one {@code error:} line. */
    public void execute(String line) {
        int split = 0;
        while (split < line.length() && Character.isLetter(line.charAt(split))) split++;
        String verb = line.substring(0, split);
        String args = line.substring(split);
        verb = ALIASES.getOrDefault(verb, verb);
        if (verb.equals("help")) {
            commands.values().forEach(c -> out.println("  " + c.usage()));
            out.println("  quit  -- end the session");
            return;
        }
        Command c = commands.get(verb);
        if (c == null || (!args.isEmpty() && !Character.isWhitespace(args.charAt(0)) && !verb.equals("x"))) {
            errors++;
            String typed = line.split("\\s+")[0];
            String hint = NearestName.hint(typed, commandWords());
            out.println("error: unknown command '" + typed + "'" + (hint.isEmpty() ? ";" : hint) + " commands: " + String.join(", ", commands.keySet()) + ", help, quit");
            return;
        }
        try {
            c.run(session, args, out);
        } catch (IllegalArgumentException | IllegalStateException | org.efiemu.core.memory.GuestMemoryException e) {
            errors++;
            out.println("error: " + e.getMessage().replace('\n', ' '));
        }
    }

    /** Commands that failed so far (a script's exit status). */
    public int errors() {
        return errors;
    }
}
