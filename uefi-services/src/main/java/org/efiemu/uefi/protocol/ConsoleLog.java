package org.efiemu.uefi.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Everything the guest wrote to its consoles, in order, with the source of each piece. {@link #text()} is the
 * whole stream as a user would have seen it on a screen followed by a serial terminal.
 *
 * <p>Memory is bounded whatever the guest writes: the first {@link #HEAD_CHARS} characters and the last
 * {@link #TAIL_CHARS} are kept, the middle is only counted ({@link #omittedChars()}) and shown in {@link #text()} as
 * one marker line. Appending is amortised O(1) per character (a guest writing COM1 byte by byte stays linear).
 */
public final class ConsoleLog implements ConsoleListener {
    /** Characters kept from the start of the output. */
    public static final int HEAD_CHARS = 1 << 20;
    /** Characters kept from the end of the output. */
    public static final int TAIL_CHARS = 1 << 20;

    /** One write. */
    public record Chunk(Source source, String text) {}

    private static final class Piece {
        final Source source;
        final StringBuilder text = new StringBuilder();

        Piece(Source source) {
            this.source = source;
        }
    }

    private final List<Piece> head = new ArrayList<>();
    private final Deque<Piece> tail = new ArrayDeque<>();
    /** {@code head::add} and {@code tail::addLast}, made once (a hunt machine's serial output comes a byte at a time). */
    private final java.util.function.Consumer<Piece> addToHead = head::add;
    private final java.util.function.Consumer<Piece> addToTail = tail::addLast;
    private long headChars;
    private long tailChars;
    private long omitted;
    private long total;

    @Override
    public void text(Source source, String text) {
        total += text.length();
        int at = 0;
        if (headChars < HEAD_CHARS) {
            int n = (int) Math.min(text.length(), HEAD_CHARS - headChars);
            append(head.isEmpty() ? null : head.get(head.size() - 1), source, text, 0, n, addToHead);
            headChars += n;
            at = n;
        }
        if (at == text.length()) {
            return;
        }
        append(tail.peekLast(), source, text, at, text.length(), addToTail);
        tailChars += text.length() - at;
        while (tailChars > TAIL_CHARS) {
            Piece first = tail.peekFirst();
            long excess = tailChars - TAIL_CHARS;
            if (first.text.length() <= excess) {
                tail.pollFirst();
                tailChars -= first.text.length();
                omitted += first.text.length();
            } else {
                first.text.delete(0, (int) excess);
                tailChars -= excess;
                omitted += excess;
            }
        }
    }

    private static void append(Piece last, Source source, String text, int from, int to,
            java.util.function.Consumer<Piece> add) {
        if (last == null || last.source != source) {
            last = new Piece(source);
            add.accept(last);
        }
        last.text.append(text, from, to);
    }

    /** Characters written in the middle of a long output and not kept (0 until the output passes head + tail). */
    public long omittedChars() {
        return omitted;
    }

    /** Characters written in all, kept or not. */
    public long totalChars() {
        return total;
    }

    public List<Chunk> chunks() {
        List<Chunk> out = new ArrayList<>();
        head.forEach(p -> out.add(new Chunk(p.source, p.text.toString())));
        tail.forEach(p -> out.add(new Chunk(p.source, p.text.toString())));
        return out;
    }

    /** All text, all sources, in order (with one marker line where the middle of a long output was not kept). */
    public String text() {
        return text(null);
    }

    /** Text of one source. */
    public String text(Source source) {
        StringBuilder sb = new StringBuilder();
        head.stream().filter(p -> source == null || p.source == source).forEach(p -> sb.append(p.text));
        if (omitted > 0) {
            sb.append(String.format("%n[efiemu: %,d characters of console output not kept]%n", omitted));
        }
        tail.stream().filter(p -> source == null || p.source == source).forEach(p -> sb.append(p.text));
        return sb.toString();
    }
}
