package org.efiemu.platform.random;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Makes a machine simpler while a property stays true: fewer quirks, fewer descriptors, plainer types, smaller and
 * rounder sizes. Greedy and deterministic: from the current machine it tries a fixed list of one-step simplifications in
 * order ({@link #candidates}), takes the first for which the property holds, and goes on from the same position in the
 * new machine's list, until a whole round of the list finds nothing or the evaluation budget is spent.
 *
 * <p>The steps, in list order: put the map in address order (dropping {@code unsorted-map}); {@code low-first} becomes
 * {@code edk2-topdown} (dropping {@code low-alloc-first}); drop the placement's bins and default-max; drop
 * default-max; retype runs of descriptors at once (the whole map, halves, ... sixteenths) to EfiConventionalMemory, to
 * alternating EfiConventionalMemory/EfiBootServicesData, to EfiBootServicesData; remove runs of descriptors (halves,
 * quarters, ... single ones, leaving holes); merge two contiguous
 * descriptors into one of either type; make a descriptor EfiConventionalMemory, then EfiBootServicesData; halve a
 * descriptor; round its end down and its start up to 1 MiB, then to 64 KiB. After each step bins that no longer lie in
 * RAM are dropped and {@code page0-not-ram} follows the map. Candidates that are not a valid profile are skipped
 * without evaluating the property.
 *
 * <p>Evaluations can run in parallel ({@link Tester#firstTrue}); the result and the evaluation count are those of the
 * sequential search whatever the parallelism, so a shrink depends only on the start machine, the property and the budget.
 */
public final class MachineShrinker {

    private static final long PAGE = MemoryDescriptor.PAGE_SIZE;
    private static final int CONV = MemoryType.EfiConventionalMemory.value();
    private static final int BS_DATA = MemoryType.EfiBootServicesData.value();

    /** Evaluates candidates; may evaluate several at once. */
    public interface Tester {
        /**
         * The index of the first candidate (in list order) for which the property holds, or -1. Must give the same
         * answer as testing them one by one in order.
         */
        int firstTrue(List<PlatformProfile> candidates);

        /** A tester that evaluates one candidate at a time. */
        static Tester sequential(Predicate<PlatformProfile> property) {
            Objects.requireNonNull(property, "property");
            return candidates -> {
                for (int i = 0; i < candidates.size(); i++) {
                    if (property.test(candidates.get(i))) {
                        return i;
                    }
                }
                return -1;
            };
        }
    }

    /**
     * The outcome of a shrink.
     *
     * @param machine     the simplest machine found (the start machine when nothing simpler keeps the property)
     * @param steps       simplifications taken
     * @param evaluations property evaluations, counted as a one-at-a-time search would count them
     * @param exhausted   true when the budget ended the search before a round without progress
     */
    public record Result(PlatformProfile machine, int steps, int evaluations, boolean exhausted) {}

    private MachineShrinker() {}

    /** Shrinks one evaluation at a time. */
    public static Result shrink(PlatformProfile start, Predicate<PlatformProfile> property, int maxEvaluations) {
        return shrink(start, Tester.sequential(property), 1, maxEvaluations);
    }

    /**
     * Shrinks {@code start} while {@code tester} says the property holds.
     *
     * @param batch          candidates handed to the tester at once (the parallelism), >= 1
     * @param maxEvaluations evaluation budget, >= 0
     */
    public static Result shrink(PlatformProfile start, Tester tester, int batch, int maxEvaluations) {
        Objects.requireNonNull(start, "start");
        if (batch < 1 || maxEvaluations < 0) {
            throw new IllegalArgumentException("batch " + batch + " / maxEvaluations " + maxEvaluations
                    + ": expected batch >= 1 and maxEvaluations >= 0");
        }
        PlatformProfile current = start;
        int evaluations = 0;
        int steps = 0;
        int position = 0;
        int sinceProgress = 0;
        List<Function<PlatformProfile, PlatformProfile>> ops = candidates(current);
        while (sinceProgress < ops.size()) {
            if (evaluations >= maxEvaluations) {
                return new Result(current, steps, evaluations, true);
            }
            List<PlatformProfile> trial = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            int considered = 0;
            int limit = Math.min(batch, maxEvaluations - evaluations);
            while (trial.size() < limit && sinceProgress + considered < ops.size()) {
                int i = (position + considered) % ops.size();
                considered++;
                PlatformProfile c = apply(ops.get(i), current);
                if (c != null && !c.equals(current)) {
                    trial.add(c);
                    at.add(i);
                }
            }
            int hit = trial.isEmpty() ? -1 : tester.firstTrue(trial);
            if (hit >= 0) {
                evaluations += hit + 1;
                steps++;
                current = trial.get(hit);
                position = at.get(hit);
                ops = candidates(current);
                position = ops.isEmpty() ? 0 : position % ops.size();
                sinceProgress = 0;
            } else {
                evaluations += trial.size();
                position = ops.isEmpty() ? 0 : (position + considered) % ops.size();
                sinceProgress += considered;
            }
        }
        return new Result(current, steps, evaluations, false);
    }

    /**
     * The valid one-step simplifications of {@code p} in the order the shrink tries them, computed lazily (for property
     * testing libraries that shrink by candidates, e.g. jqwik).
     */
    public static java.util.stream.Stream<PlatformProfile> simplifications(PlatformProfile p) {
        return candidates(p).stream().map(op -> apply(op, p)).filter(c -> c != null && !c.equals(p));
    }

    private static PlatformProfile apply(Function<PlatformProfile, PlatformProfile> op, PlatformProfile p) {
        try {
            PlatformProfile c = op.apply(p);
            return c == null ? null : normalize(c);
        } catch (IllegalArgumentException e) {
            return null; // not a valid profile: skipped, never evaluated
        }
    }

    /** The one-step simplifications of {@code p}, in the order they are tried. */
    static List<Function<PlatformProfile, PlatformProfile>> candidates(PlatformProfile p) {
        List<Function<PlatformProfile, PlatformProfile>> ops = new ArrayList<>();
        int n = p.memoryMap().size();
        ops.add(MachineShrinker::sorted);
        ops.add(MachineShrinker::notLowFirst);
        ops.add(x -> withPlacement(x, new PlacementSpec(x.placement().name(), Map.of())));
        ops.add(x -> {
            Map<String, String> params = new LinkedHashMap<>(x.placement().params());
            return params.remove("default-max") == null ? null : withPlacement(x, new PlacementSpec(x.placement().name(), params));
        });
        // plainer types for many descriptors at once: the whole map, halves, ... down to sixteenths (a map whose
        // descriptor count is what breaks a strategy would otherwise spend the budget before one type became plain)
        for (int k = n; k >= Math.max(2, n / 16); k = k == n ? Integer.highestOneBit(Math.max(1, n / 2)) : k / 2) {
            for (int i = 0; i < n; i += k) {
                int from = i;
                int to = Math.min(n, i + k);
                ops.add(x -> retypedRun(x, from, to, index -> CONV));
                ops.add(x -> retypedRun(x, from, to, index -> index % 2 == 0 ? CONV : BS_DATA));
                ops.add(x -> retypedRun(x, from, to, index -> BS_DATA));
            }
        }
        for (int k = Integer.highestOneBit(Math.max(1, n / 2)); k >= 1; k /= 2) {
            for (int i = 0; i < n; i += k) {
                int from = i;
                int to = Math.min(n, i + k);
                if (to - from < n) {
                    ops.add(x -> removed(x, from, to));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            ops.add(x -> merged(x, index, true));
            ops.add(x -> merged(x, index, false));
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            ops.add(x -> retyped(x, index, CONV));
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            ops.add(x -> retyped(x, index, BS_DATA));
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            ops.add(x -> resized(x, index, d -> d.numberOfPages() / 2 == 0 ? null
                    : new MemoryDescriptor(d.type(), d.physicalStart(), d.numberOfPages() / 2, d.attribute())));
        }
        for (long grain : new long[] {1L << 20, 1L << 16}) {
            for (int i = 0; i < n; i++) {
                int index = i;
                ops.add(x -> resized(x, index, d -> {
                    long end = d.end() & -grain;
                    return end <= d.physicalStart() || end == d.end() ? null
                            : new MemoryDescriptor(d.type(), d.physicalStart(), (end - d.physicalStart()) / PAGE, d.attribute());
                }));
                ops.add(x -> resized(x, index, d -> {
                    long start = (d.physicalStart() + grain - 1) & -grain;
                    return start >= d.end() || start == d.physicalStart() ? null
                            : new MemoryDescriptor(d.type(), start, (d.end() - start) / PAGE, d.attribute());
                }));
            }
        }
        return ops;
    }

    private static PlatformProfile sorted(PlatformProfile p) {
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        map.sort(Comparator.comparingLong(MemoryDescriptor::physicalStart));
        if (map.equals(p.memoryMap()) && !p.hasQuirk("unsorted-map")) {
            return null;
        }
        return p.toBuilder().memoryMap(map).build();
    }

    private static PlatformProfile notLowFirst(PlatformProfile p) {
        if (!p.placement().name().equals("low-first") && !p.hasQuirk("low-alloc-first")) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>(p.placement().params());
        params.remove("low-limit");
        PlatformProfile.Builder b = p.toBuilder().placement(new PlacementSpec("edk2-topdown", params)).clearQuirks();
        p.quirks().stream().filter(q -> !q.equals("low-alloc-first")).forEach(b::quirk);
        return b.build();
    }

    private static PlatformProfile withPlacement(PlatformProfile p, PlacementSpec spec) {
        return spec.equals(p.placement()) ? null : p.toBuilder().placement(spec).build();
    }

    private static PlatformProfile removed(PlatformProfile p, int from, int to) {
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        if (to > map.size()) {
            return null;
        }
        map.subList(from, to).clear();
        return map.isEmpty() ? null : p.toBuilder().memoryMap(map).build();
    }

    /** Descriptor {@code i} and the one that starts where it ends, as one descriptor of {@code i}'s or the other's type. */
    private static PlatformProfile merged(PlatformProfile p, int i, boolean keepFirstType) {
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        if (i >= map.size()) {
            return null;
        }
        MemoryDescriptor a = map.get(i);
        int j = -1;
        for (int k = 0; k < map.size(); k++) {
            if (map.get(k).physicalStart() == a.end()) {
                j = k;
                break;
            }
        }
        if (j < 0) {
            return null;
        }
        MemoryDescriptor b = map.get(j);
        if (PlatformProfile.isDeviceRange(a) != PlatformProfile.isDeviceRange(b)) {
            return null;
        }
        MemoryDescriptor kept = keepFirstType ? a : b;
        map.set(i, new MemoryDescriptor(kept.type(), a.physicalStart(), a.numberOfPages() + b.numberOfPages(), kept.attribute()));
        map.remove(j);
        return p.toBuilder().memoryMap(map).build();
    }

    private static PlatformProfile retyped(PlatformProfile p, int i, int type) {
        if (i >= p.memoryMap().size()) {
            return null;
        }
        MemoryDescriptor d = p.memoryMap().get(i);
        if (d.type() == type || d.type() == CONV || PlatformProfile.isDeviceRange(d)) {
            return null;
        }
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        map.set(i, new MemoryDescriptor(type, d.physicalStart(), d.numberOfPages(), d.attribute() & 0xFFFFFFFFFFFFL));
        return p.toBuilder().memoryMap(map).build();
    }

    /**
     * Descriptors {@code [from, to)} retyped at once, descriptor {@code i} to {@code type(i)} (alternating types keep
     * contiguous neighbours distinct, so a firmware that merges equal neighbours still reports as many descriptors);
     * device ranges and EfiConventionalMemory stay as they are; null when nothing changes.
     */
    private static PlatformProfile retypedRun(PlatformProfile p, int from, int to, java.util.function.IntUnaryOperator type) {
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        boolean changed = false;
        for (int i = from; i < Math.min(to, map.size()); i++) {
            MemoryDescriptor d = map.get(i);
            int t = type.applyAsInt(i);
            if (d.type() == t || d.type() == CONV || PlatformProfile.isDeviceRange(d)) {
                continue;
            }
            map.set(i, new MemoryDescriptor(t, d.physicalStart(), d.numberOfPages(), d.attribute() & 0xFFFFFFFFFFFFL));
            changed = true;
        }
        return changed ? p.toBuilder().memoryMap(map).build() : null;
    }

    private static PlatformProfile resized(PlatformProfile p, int i, Function<MemoryDescriptor, MemoryDescriptor> f) {
        if (i >= p.memoryMap().size()) {
            return null;
        }
        MemoryDescriptor d = f.apply(p.memoryMap().get(i));
        if (d == null) {
            return null;
        }
        List<MemoryDescriptor> map = new ArrayList<>(p.memoryMap());
        map.set(i, d);
        return p.toBuilder().memoryMap(map).build();
    }

    /** Drops bins that no longer lie in RAM; {@code page0-not-ram} and {@code unsorted-map} follow the map. */
    static PlatformProfile normalize(PlatformProfile p) {
        PlacementSpec spec = p.placement();
        String bins = spec.param("bins", null);
        PlatformProfile.Builder b = p.toBuilder();
        if (bins != null) {
            RangeSet<Long> ram = p.ramRanges();
            List<String> kept = new ArrayList<>();
            for (String item : bins.split(",")) {
                long[] range = binRange(item.trim());
                if (range != null && ram.encloses(Range.closedOpen(range[0], range[0] + range[1] * PAGE))) {
                    kept.add(item.trim());
                }
            }
            if (kept.size() != bins.split(",").length) {
                Map<String, String> params = new LinkedHashMap<>(spec.params());
                if (kept.isEmpty()) {
                    params.remove("bins");
                } else {
                    params.put("bins", String.join(",", kept));
                }
                b.placement(new PlacementSpec(spec.name(), params));
            }
        }
        List<MemoryDescriptor> map = p.memoryMap();
        boolean page0 = map.stream().anyMatch(d -> d.physicalStart() == 0);
        boolean inOrder = true;
        for (int i = 1; i < map.size(); i++) {
            if (map.get(i).physicalStart() < map.get(i - 1).physicalStart()) {
                inOrder = false;
            }
        }
        b.clearQuirks();
        for (String q : p.quirks()) {
            if (!q.equals("page0-not-ram") && !q.equals("unsorted-map")) {
                b.quirk(q);
            }
        }
        if (!page0) {
            b.quirk("page0-not-ram");
        }
        if (!inOrder) {
            b.quirk("unsorted-map");
        }
        return b.build();
    }

    /** {base, pages} of a {@code Type@base+pages} bins item, or null when it does not read as one. */
    static long[] binRange(String item) {
        int at = item.indexOf('@');
        int plus = item.indexOf('+', at + 1);
        if (at <= 0 || plus < 0) {
            return null;
        }
        try {
            return new long[] {parse(item.substring(at + 1, plus)), parse(item.substring(plus + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }
}
