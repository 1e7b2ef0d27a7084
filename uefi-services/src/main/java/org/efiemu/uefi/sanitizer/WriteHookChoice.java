package org.efiemu.uefi.sanitizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Whether the sanitizer's write hook should exist before a machine's first run
 * ({@link MemorySanitizer#attach(org.efiemu.uefi.UefiMachine, SanitizerListener, boolean)}), chosen per payload from
 * what the last machines of that payload did on the same reused engine: with it once {@link #ON} of the last
 * {@link #WINDOW} machines (at least {@link #WINDOW} seen) had a write watched ({@link MemorySanitizer#watchedAWrite()}),
 * without it again when no more than {@link #OFF} of them did (between the two the choice stays as it was).
 *
 * <p>Only the cost depends on the choice, never what a machine observes (a write hook changes how Unicorn 2.0.1
 * translates loads and stores, not what they do; the runs whose positions it would change are rerun per instruction
 * by the scenario runner). On an engine that keeps translated code between machines, code translated with the hook is
 * kept only for machines that have it before their first run: for a payload whose machines mostly watch a write (a
 * strategy writing firmware memory, such as GRUB's mem_lower on machines whose low memory is boot-services data),
 * starting with it keeps the code; for one whose machines rarely do, starting without it keeps every load and store
 * on Unicorn's inline path.
 *
 * <p>One instance per reused engine; one thread at a time.
 */
public final class WriteHookChoice {
    /** Machines of a payload the choice looks back on. */
    public static final int WINDOW = 8;
    /** Machines of the window that watched a write from which the hook is taken. */
    public static final int ON = 5;
    /** Machines of the window that watched a write up to which the hook is dropped. */
    public static final int OFF = 2;
    /** Payloads remembered at most (a hint only: forgetting costs a few machines without the hook). */
    private static final int PAYLOADS = 64;

    /** Per payload: the last {@link #WINDOW} outcomes as bits (1: a write was watched), machines seen, the choice. */
    private final Map<Object, long[]> history = new HashMap<>();
    /**
     * The payload asked about last (the same object, machine after machine, in a hunt) and its history: found without
     * hashing the key, which for a strategy may hash its payload's bytes. Null when none.
     */
    private Object lastPayload;
    private long[] lastHistory;

    /** Whether the next machine of {@code payload} should start with the sanitizer's write hook. */
    public boolean startWithWriteHook(Object payload) {
        long[] h = historyOf(payload);
        return h != null && h[2] != 0;
    }

    private long[] historyOf(Object payload) {
        if (payload == lastPayload && lastPayload != null) {
            return lastHistory;
        }
        long[] h = history.get(payload);
        if (h != null) {
            lastPayload = payload;
            lastHistory = h;
        }
        return h;
    }

    /** A machine of {@code payload} ran: {@code watchedAWrite} is {@link MemorySanitizer#watchedAWrite()}. */
    public void ran(Object payload, boolean watchedAWrite) {
        long[] h = historyOf(payload);
        if (h == null) {
            if (history.size() >= PAYLOADS) {
                history.clear();
            }
            h = new long[3];
            history.put(payload, h);
            lastPayload = payload;
            lastHistory = h;
        }
        h[0] = ((h[0] << 1) | (watchedAWrite ? 1 : 0)) & ((1L << WINDOW) - 1);
        h[1]++;
        int watched = Long.bitCount(h[0]);
        if (h[1] >= WINDOW && watched >= ON) {
            h[2] = 1;
        } else if (watched <= OFF) {
            h[2] = 0;
        }
    }
}
