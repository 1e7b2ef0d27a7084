package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import java.util.List;
import org.efiemu.uefi.debug.MemoryMapView;
import org.efiemu.uefi.debug.UefiDebugSession;

/**
 * {@code map}: the memory map at this stop with the owner of each allocated range, then what changed since the last
 * stop; {@code map changes}: only the changes (large real-machine maps have hundreds of descriptors).
 */
final class MapCommand implements Command {
    @Override
    public String usage() {
        return "map [changes]  -- the memory map with owners, and what changed since the last stop";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String a = arguments.trim();
        if (!a.isEmpty() && !a.equals("changes")) throw new IllegalArgumentException("map '" + a + "': " + usage());
        var m = session.machine();
        if (a.isEmpty()) MemoryMapView.withOwners(session.memoryMap(), m.memoryMap().liveAllocations(), m.images()).forEach(out::println);
        List<String> changes = MemoryMapView.changes(session.memoryMapAtPreviousStop(), session.memoryMap());
        out.println(changes.isEmpty() ? "no change since the last stop" : "changed since the last stop:");
        changes.forEach(c -> out.println("  " + c));
    }
}
