package org.efiemu.earlyalloc.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy lane assignment for labels along an axis: each label goes to the first lane whose last label ends (plus a gap)
 * before it starts, so labels never overlap. Deterministic for the same input order.
 */
final class Lanes {
    private static final double GAP = 8;
    private final List<Double> ends = new ArrayList<>();
    private final int maxLanes;

    Lanes(int maxLanes) {
        this.maxLanes = maxLanes;
    }

    /** The lane for a label spanning [from, to), or -1 when all {@code maxLanes} lanes are taken there. */
    int place(double from, double to) {
        for (int i = 0; i < ends.size(); i++) {
            if (ends.get(i) + GAP <= from) {
                ends.set(i, to);
                return i;
            }
        }
        if (ends.size() < maxLanes) {
            ends.add(to);
            return ends.size() - 1;
        }
        return -1;
    }

    /** Lanes used so far. */
    int used() {
        return ends.size();
    }
}
