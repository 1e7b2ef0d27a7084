package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.debug.StopKind;
import org.efiemu.core.debug.gdb.GdbLibrary;
import org.efiemu.core.debug.gdb.GdbTarget;
import org.efiemu.uefi.debug.DebugStop;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.image.LoadedImage;

/**
 * A {@link UefiDebugSession} as the GDB stub's target: gdb's runs go through the session (so service breakpoints
 * stop before the call, as in the console), {@code monitor CMD} runs the console's own commands (same text), the
 * application's load offset answers {@code qOffsets} and the other images form the library list; {@code bs} goes
 * back one instruction (replaying from the start to the instruction before), {@code bc} back to the state before the
 * previous service call (the granularity of {@code back}).
 */
public final class GdbMonitor implements GdbTarget {
    private final UefiDebugSession session;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    public GdbMonitor(UefiDebugSession session) {
        this.session = session;
        commands.put("break", new BreakCommand());
        commands.put("delete", new DeleteCommand());
        commands.put("info", new InfoCommand());
        commands.put("back", new BackCommand());
        commands.put("allocs", new AllocsCommand());
        commands.put("map", new MapCommand());
        commands.put("trace", new TraceCommand());
        commands.put("where", new WhereCommand());
        commands.put("disas", new DisasCommand());
        commands.put("x", new ExamineCommand());
        commands.put("sanitizer", new SanitizerCommand());
    }

    @Override
    public Debugger debugger() {
        return session.debugger();
    }

    @Override
    public StopEvent resume(boolean step) {
        DebugStop s = step ? session.step() : session.cont();
        StopEvent e = session.lastEvent();
        if (e != null) return e;
        return new StopEvent(StopKind.HOST_CALL, s.rip(), s.description(), null, null, null, null);
    }

    @Override
    public String monitor(String command) {
        String c = command.trim();
        int space = c.indexOf(' ');
        String verb = space < 0 ? c : c.substring(0, space);
        String args = space < 0 ? "" : c.substring(space + 1);
        if (verb.equals("help") || verb.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            commands.values().forEach(x -> sb.append("monitor ").append(x.usage()).append('\n'));
            return sb.toString();
        }
        Command x = commands.get(verb);
        if (x == null) {
            throw new IllegalArgumentException("unknown monitor command '" + verb + "'"
                    + org.efiemu.core.util.NearestName.hint(verb, commands.keySet()) + " (monitor help lists them)");
        }
        StringWriter w = new StringWriter();
        try (PrintWriter out = new PrintWriter(w)) {
            x.run(session, args, out);
        }
        if (verb.equals("back")) {
            w.write("(registers changed: run 'maintenance flush register-cache' so gdb reads them again)\n");
        }
        return w.toString();
    }

    @Override
    public OptionalLong mainOffset() {
        LoadedImage main = session.machine().image();
        return OptionalLong.of(main.base() - main.pe().imageBase());
    }

    @Override
    public boolean listsLibraries() {
        return true; // LoadImage may load more images during the run
    }

    @Override
    public List<GdbLibrary> libraries() {
        LoadedImage main = session.machine().image();
        return session.machine().images().images().stream().filter(i -> i != main && !i.pe().sections().isEmpty())
                .map(i -> new GdbLibrary(i.name(), i.base() + i.pe().sections().get(0).virtualAddress())).toList();
    }

    @Override
    public boolean reversible() {
        return true;
    }

    @Override
    public StopEvent reverse(boolean step) {
        DebugStop s = step ? session.backTo(session.instructions() - 1) : session.reverseContinue();
        return new StopEvent(StopKind.BACK, s.rip(), s.description(), null, null, null, null);
    }
}
