package org.efiemu.earlyalloc.diff;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.qemu.QemuOvmf;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.TraceListener;

/**
 * Splits efiemu's console (ConOut, StdErr and COM1 in the order produced, as OVMF mirrors ConOut onto COM1) into lines
 * cleaned as the QEMU side is, and remembers for each line the sequence number of the last service call before it
 * ended, so a diverging line can be shown with the calls around it.
 */
final class LineTracker implements ConsoleListener, TraceListener {
    private final StringBuilder current = new StringBuilder();
    private final List<String> lines = new ArrayList<>();
    private final List<Long> sequences = new ArrayList<>();
    private long lastSequence;

    @Override
    public void text(Source source, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                lines.add(QemuOvmf.clean(current.toString()));
                sequences.add(lastSequence);
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
    }

    @Override
    public void onCall(ServiceCallEvent event) {
        lastSequence = event.sequence();
    }

    /** The complete lines, then an unterminated last one if there is one. */
    List<String> lines() {
        List<String> out = new ArrayList<>(lines);
        String tail = QemuOvmf.clean(current.toString());
        if (!tail.isEmpty()) {
            out.add(tail);
        }
        return out;
    }

    /** For each line of {@link #lines}, the sequence number of the last service call before it ended. */
    List<Long> sequences() {
        List<Long> out = new ArrayList<>(sequences);
        if (out.size() < lines().size()) {
            out.add(lastSequence);
        }
        return out;
    }

    /** The sequence number of the last service call so far. */
    long lastSequence() {
        return lastSequence;
    }

    /** The sequence number of the last service call before line {@code index} ended (0: none yet). */
    long sequenceAt(int index) {
        return index < sequences.size() ? sequences.get(index) : lastSequence;
    }
}
