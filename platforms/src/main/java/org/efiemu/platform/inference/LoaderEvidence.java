package org.efiemu.platform.inference;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Where a map's OS loader got its memory, checked against a bin stack: a map printed late (after GRUB, shim, a kernel's
 * EFI stub) keeps the loader's EfiLoaderCode/EfiLoaderData, and on EDK2 firmware every such range lies below the
 * bins (AllocateAnyPages and AllocatePool take the default region [0, lowest bin base - 1] first) while RAM above
 * 4 GiB stays EfiConventionalMemory. That is the evidence the inferred {@code default-max} rests on.
 *
 * @param loader the map's EfiLoaderCode/EfiLoaderData descriptors, in map order
 * @param binBase the lowest bin base
 * @param aboveBins the loader descriptors that end above {@code binBase}
 * @param highRamTouched the RAM descriptors at or above 4 GiB that are not EfiConventionalMemory
 */
public record LoaderEvidence(List<MemoryDescriptor> loader, long binBase, List<MemoryDescriptor> aboveBins,
        List<MemoryDescriptor> highRamTouched) {

    private static final long FOUR_GIB = 0x1_0000_0000L;

    public LoaderEvidence {
        loader = List.copyOf(loader);
        aboveBins = List.copyOf(aboveBins);
        highRamTouched = List.copyOf(highRamTouched);
    }

    /** What the loader ranges say about {@code default-max}. */
    public enum Verdict {
        /** No loader ranges: the map says nothing either way. */
        NONE,
        /** Every loader range below the bins, RAM above 4 GiB untouched. */
        SUPPORTS,
        /** A loader range above the bins, or allocated RAM above 4 GiB. */
        CONTRADICTS
    }

    /** Examines {@code map} (as printed, loader ranges still in it) against the bin stack based at {@code binBase}. */
    public static LoaderEvidence of(List<MemoryDescriptor> map, long binBase) {
        List<MemoryDescriptor> loader = map.stream().filter(LoaderEvidence::isLoader).toList();
        List<MemoryDescriptor> above = loader.stream().filter(d -> Long.compareUnsigned(d.end(), binBase) > 0).toList();
        List<MemoryDescriptor> high = map.stream().filter(d -> Long.compareUnsigned(d.physicalStart(), FOUR_GIB) >= 0)
                .filter(d -> !PlatformProfile.isDeviceRange(d) && d.type() != MemoryType.EfiReservedMemoryType.value()
                        && d.type() != MemoryType.EfiConventionalMemory.value()
                        && d.type() != MemoryType.EfiPersistentMemory.value()
                        && d.type() != MemoryType.EfiUnusableMemory.value())
                .toList();
        return new LoaderEvidence(loader, binBase, above, high);
    }

    public static boolean isLoader(MemoryDescriptor d) {
        return d.type() == MemoryType.EfiLoaderCode.value() || d.type() == MemoryType.EfiLoaderData.value();
    }

    public Verdict verdict() {
        if (!aboveBins.isEmpty() || !highRamTouched.isEmpty()) {
            return Verdict.CONTRADICTS;
        }
        return loader.isEmpty() ? Verdict.NONE : Verdict.SUPPORTS;
    }

    public long loaderPages() {
        return loader.stream().mapToLong(MemoryDescriptor::numberOfPages).sum();
    }

    /** The {@code n} largest loader ranges as {@code 0xS-0xL}, joined with " and ". */
    public String largest(int n) {
        return loader.stream().sorted(Comparator.comparingLong(MemoryDescriptor::numberOfPages).reversed()).limit(n)
                .map(LoaderEvidence::range).collect(Collectors.joining(" and "));
    }

    /** One sentence for a note: what the loader ranges say and why. */
    public String describe() {
        return switch (verdict()) {
            case NONE -> "the map holds no EfiLoaderCode/EfiLoaderData to check default-max against";
            case SUPPORTS -> "all " + loader.size() + " EfiLoaderCode/EfiLoaderData ranges lie below the bins at "
                    + BinInference.hex(binBase) + " (largest " + largest(2) + ") and RAM above 4 GiB is untouched,"
                    + " as default-max predicts";
            case CONTRADICTS -> (aboveBins.isEmpty() ? "" : aboveBins.size() + " EfiLoaderCode/EfiLoaderData range(s)"
                    + " lie above the bins at " + BinInference.hex(binBase) + " ("
                    + aboveBins.stream().limit(3).map(LoaderEvidence::range).collect(Collectors.joining(", ")) + ")")
                    + (!aboveBins.isEmpty() && !highRamTouched.isEmpty() ? " and " : "")
                    + (highRamTouched.isEmpty() ? "" : highRamTouched.size() + " range(s) above 4 GiB are allocated ("
                    + highRamTouched.stream().limit(3).map(d -> MemoryType.nameOf(d.type()) + " " + range(d))
                            .collect(Collectors.joining(", ")) + ")")
                    + ": this firmware did not keep allocations below its bins";
        };
    }

    static String range(MemoryDescriptor d) {
        return BinInference.hex(d.physicalStart()) + "-" + BinInference.hex(d.last());
    }
}
