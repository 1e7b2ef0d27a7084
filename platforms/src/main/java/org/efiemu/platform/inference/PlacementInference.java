package org.efiemu.platform.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * The placement rule a real map implies, and how sure that is: the memory-type bin stack ({@link BinInference}) gives
 * {@code bins=} and {@code default-max=} (EDK2 {@code CoreAddMemoryDescriptor}, {@code FindFreePages}), and the map's
 * own loader ranges ({@link LoaderEvidence}) say whether the firmware really kept allocations below them.
 *
 * <p>Confidence, from the evidence only:
 * <ul>
 * <li>{@code high}: a stack of 4 or 5 distinct special types, and loader ranges that all lie below it with RAM above
 *     4 GiB untouched;</li>
 * <li>{@code medium}: a stack of 4 or 5 types without loader ranges to check, or a stack of 3 with supporting loader
 *     ranges;</li>
 * <li>{@code low}: a stack of 3 types and nothing to check it against, loader ranges that contradict it, or types that
 *     came from E820 kinds (which fold several UEFI types into one).</li>
 * </ul>
 * More than one candidate run below 4 GiB lowers the confidence by one step (the highest is taken, as EDK2 stacks the
 * bins at the top of its first region).
 */
public final class PlacementInference {

    private PlacementInference() {}

    /** How sure an inferred placement is. */
    public enum Confidence {
        LOW, MEDIUM, HIGH;

        Confidence lower() {
            return this == HIGH ? MEDIUM : LOW;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What was inferred.
     *
     * @param bins the bin descriptors, ascending; empty when the map shows no stack
     * @param placement the implied rule ({@code edk2-topdown} with bins and default-max, or plain {@code edk2-topdown})
     * @param confidence how sure; empty when nothing was inferred
     * @param note one sentence for the import's notes: what was found, what it means, how sure and why
     * @param sources the {@code source: inferred:} lines for the profile (empty when nothing was inferred)
     */
    public record Result(List<MemoryDescriptor> bins, PlacementSpec placement, Optional<Confidence> confidence,
            String note, List<String> sources) {
        public Result {
            bins = List.copyOf(bins);
            sources = List.copyOf(sources);
        }

        public boolean inferred() {
            return !bins.isEmpty();
        }
    }

    /**
     * Infers the placement of {@code map}.
     *
     * @param asPrinted the map as the dump printed it (loader ranges not yet returned), for the evidence
     * @param map the map the profile keeps (the bins are read from it)
     * @param typesFromE820 true when the UEFI types were inferred from E820 kinds
     */
    public static Result infer(List<MemoryDescriptor> asPrinted, List<MemoryDescriptor> map, boolean typesFromE820) {
        Optional<List<MemoryDescriptor>> found = BinInference.findBinStack(map);
        if (found.isEmpty()) {
            return new Result(List.of(), PlacementSpec.EDK2_TOPDOWN, Optional.empty(),
                    "placement not inferred: no run of " + BinInference.MIN_BINS + " or more contiguous write-back"
                            + " descriptors of the special types (Reserved, RT_Code, RT_Data, ACPI Reclaim, ACPI NVS)"
                            + " below 4 GiB, so no memory-type bins and no default-max: plain edk2-topdown places"
                            + " AllocateAnyPages and AllocatePool at the top of all RAM; if the firmware kept them below"
                            + " 4 GiB, give --placement 'edk2-topdown default-max=0x...'",
                    List.of());
        }
        List<MemoryDescriptor> bins = found.get();
        long base = bins.get(0).physicalStart();
        LoaderEvidence evidence = LoaderEvidence.of(asPrinted, base);
        int runs = BinInference.runCount(map);
        List<String> why = new ArrayList<>();
        Confidence c;
        boolean full = bins.size() >= 4;
        why.add(bins.size() + " of the " + BinInference.SPECIAL_TYPES + " special types stacked");
        why.add(evidence.describe());
        switch (evidence.verdict()) {
            case SUPPORTS -> c = full ? Confidence.HIGH : Confidence.MEDIUM;
            case NONE -> c = full ? Confidence.MEDIUM : Confidence.LOW;
            default -> c = Confidence.LOW;
        }
        if (runs > 1) {
            c = c.lower();
            why.add(runs + " candidate runs below 4 GiB, the highest taken");
        }
        if (typesFromE820) {
            c = Confidence.LOW;
            why.add("the types came from E820 kinds, which fold several UEFI types into one");
        }
        long last = bins.get(bins.size() - 1).last();
        String note = "placement inferred: bins from a run of " + bins.size() + " contiguous "
                + bins.stream().map(d -> MemoryType.nameOf(d.type())).collect(Collectors.joining("/"))
                + " descriptors below 4 GiB at " + BinInference.hex(base) + "-" + BinInference.hex(last)
                + ", default-max " + BinInference.hex(base - 1) + " (AllocateAnyPages and AllocatePool land just below"
                + " the bins, under 4 GiB); confidence " + c + ": " + String.join("; ", why)
                + " (--placement SPEC overrides)";
        List<String> sources = new ArrayList<>(BinInference.sources(bins, "below 4 GiB"));
        sources.add("inferred: confidence " + c + ": " + String.join("; ", why));
        return new Result(bins, BinInference.placement(bins), Optional.of(c), note, sources);
    }
}
