package org.efiemu.earlyalloc.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Something a scenario put on a platform's memory picture: an allocation, the memory map buffer, the trampoline or a
 * violation, as a byte range with a short label.
 */
record Marker(Kind kind, long start, long length, String label) {
    enum Kind {
        ALLOCATION("alloc", "allocation the strategy got from the firmware"),
        MAP_BUFFER("mapbuf", "memory-map buffer (where GetMemoryMap wrote)"),
        TRAMPOLINE("tramp", "Xen's trampoline (64 KiB below 1 MiB)"),
        VIOLATION("viol", "write into memory the strategy did not own");

        final String css;
        final String meaning;

        Kind(String css, String meaning) {
            this.css = css;
            this.meaning = meaning;
        }
    }

    /** The markers of a scenario in drawing order: allocations, map buffer, trampoline, then violations on top. */
    static List<Marker> of(ScenarioReport s) {
        List<Marker> markers = new ArrayList<>();
        for (Allocation a : s.allocations()) {
            markers.add(new Marker(Kind.ALLOCATION, a.base(), Math.max(1, a.size()), a.label() + " " + Hex.of(a.base())));
        }
        if (s.mapBuffer() != null) {
            markers.add(new Marker(Kind.MAP_BUFFER, s.mapBuffer().address(), Math.max(1, s.mapBuffer().size()),
                    "map buffer " + Hex.of(s.mapBuffer().address())));
        }
        if (s.trampoline() != null) {
            markers.add(new Marker(Kind.TRAMPOLINE, s.trampoline().address(), Math.max(1, s.trampoline().size()),
                    "trampoline " + Hex.of(s.trampoline().address())));
        }
        for (Violation v : s.violations()) {
            markers.add(new Marker(Kind.VIOLATION, v.address(), v.length(),
                    "\u26A0 " + v.kind().title() + " " + Hex.of(v.address()) + " +" + Hex.of(v.length()) + " RIP " + Hex.of(v.rip())));
        }
        return markers;
    }

    /**
     * Lanes for the labels of {@code markers}, given out in order of importance (violations, trampoline, map buffer,
     * allocations) so the labels that matter most are the ones that always get a place; -1 means no label.
     */
    static int[] placeLabels(List<Marker> markers, IntToDoubleFunction from, IntToDoubleFunction to, IntFunction<Lanes> lanesOf) {
        int[] lane = new int[markers.size()];
        Integer[] order = new Integer[markers.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -markers.get(i).kind().ordinal())
                .thenComparingDouble(from::applyAsDouble));
        for (int i : order) {
            lane[i] = lanesOf.apply(i).place(from.applyAsDouble(i), to.applyAsDouble(i));
        }
        return lane;
    }

    /** Tooltip text. */
    String tooltip() {
        return label + " (" + Hex.of(start) + "-" + Hex.of(start + length - 1) + ", " + length + " bytes)";
    }
}
