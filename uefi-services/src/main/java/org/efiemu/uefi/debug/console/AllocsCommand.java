package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.debug.MemoryMapView;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code allocs [all]}: the application's live page allocations and pool blocks with their call sites ({@code all}: the firmware's too). */
final class AllocsCommand implements Command {
    @Override
    public String usage() {
        return "allocs [all]  -- live page allocations and pool blocks with their call sites (all: the firmware's too)";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String a = arguments.trim();
        if (!a.isEmpty() && !a.equals("all")) throw new IllegalArgumentException("allocs '" + a + "': " + usage());
        var m = session.machine();
        List<String> lines = new ArrayList<>(MemoryMapView.allocations(m.memoryMap().liveAllocations(), m.images(),
                a.equals("all")));
        lines.addAll(MemoryMapView.poolBlocks(m.livePool(), m.images(), a.equals("all")));
        if (lines.isEmpty()) out.println("no live allocations" + (a.isEmpty() ? " by the application" : ""));
        lines.forEach(out::println);
    }
}
