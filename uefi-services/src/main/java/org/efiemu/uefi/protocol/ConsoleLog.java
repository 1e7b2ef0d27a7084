package org.efiemu.uefi.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the guest wrote to its consoles, in order, with the source of each piece. {@link #text()} is the
 * whole stream as a user would have seen it on a screen followed by a serial terminal.
 */
public final class ConsoleLog implements ConsoleListener {
    /** One write. */
    public record Chunk(Source source, String text) {}

    private final List<Chunk> chunks = new ArrayList<>();

    @Override
    public void text(Source source, String text) {
        if (!chunks.isEmpty() && chunks.get(chunks.size() - 1).source() == source) {
            Chunk last = chunks.remove(chunks.size() - 1);
            chunks.add(new Chunk(source, last.text() + text));
        } else {
            chunks.add(new Chunk(source, text));
        }
    }

    public List<Chunk> chunks() {
        return List.copyOf(chunks);
    }

    /** All text, all sources, in order. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> sb.append(c.text()));
        return sb.toString();
    }

    /** Text of one source. */
    public String text(Source source) {
        StringBuilder sb = new StringBuilder();
        chunks.stream().filter(c -> c.source() == source).forEach(c -> sb.append(c.text()));
        return sb.toString();
    }
}
