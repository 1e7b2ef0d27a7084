package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.memory.Allocation;

/**
 * {@code watch ADDRESS [LENGTH]} or {@code watch #N} (the pages of live allocation N, as {@code allocs} numbers them):
 * stop after the guest writes the range, showing the old and new bytes.
 */
final class WatchCommand implements Command {
    @Override
    public String usage() {
        return "watch ADDRESS [LENGTH] | watch #ALLOCATION  -- stop after the guest writes the range";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String[] w = arguments.trim().split("\\s+");
        if (w[0].isEmpty() || w.length > 2) throw new IllegalArgumentException("watch: " + usage());
        long address;
        long length;
        if (w[0].startsWith("#")) {
            long id = Arguments.number(w[0].substring(1), "allocation");
            Allocation a = session.machine().memoryMap().liveAllocations().stream().filter(x -> x.id() == id).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("watch " + w[0] + ": no live allocation #" + id
                            + " (see allocs all)"));
            address = a.base();
            length = a.end() - a.base();
        } else {
            address = Arguments.number(w[0], "watch address");
            length = w.length > 1 ? Arguments.number(w[1], "watch length") : 1;
        }
        int id = session.watch(address, length);
        out.printf("watchpoint %d on writes to [0x%X, 0x%X)%n", id, address, address + length);
    }
}
