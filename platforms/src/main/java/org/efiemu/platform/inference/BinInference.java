package org.efiemu.platform.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.efiemu.uefi.memory.PlacementRules;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Finds a real map's memory-type bins and writes the {@code edk2-topdown} placement they imply.
 *
 * <p>EDK2's DXE core ({@code MdeModulePkg/Core/Dxe/Mem/Page.c}, {@code CoreAddMemoryDescriptor}) allocates one bin per
 * {@code MemoryTypeInformation} entry with AllocateAnyPages on its first call, so the bins sit stacked, one per type,
 * at the top of the initial DXE region, and {@code mDefaultMaximumAddress} becomes the lowest bin base - 1
 * ({@code FindFreePages} then tries the type's bin, the default region, and only then anything). The OS-visible map
 * reports a bin's free pages under the bin's type, so a bin shows up as one descriptor of a special type. The bin
 * stack is therefore the highest run, below 4 GiB, of contiguous write-back descriptors of the special types
 * (Reserved, RT_Code, RT_Data, ACPI Reclaim, ACPI NVS), read from its top down until a type repeats; a run of fewer
 * than {@link #MIN_BINS} descriptors is a single firmware allocation, not a stack.
 */
public final class BinInference {

    /** The fewest descriptors a run needs to count as a bin stack. */
    public static final int MIN_BINS = 3;
    /** The special types EDK2's default MemoryTypeInformation lists (OVMF, the Dell and IBM maps): five. */
    public static final int SPECIAL_TYPES = 5;
    private static final long FOUR_GIB = 0x1_0000_0000L;
    private static final long WB = 0x8;
    private static final Set<Integer> SPECIAL = Set.of(MemoryType.EfiReservedMemoryType.value(),
            MemoryType.EfiRuntimeServicesCode.value(), MemoryType.EfiRuntimeServicesData.value(),
            MemoryType.EfiACPIReclaimMemory.value(), MemoryType.EfiACPIMemoryNVS.value());

    private BinInference() {}

    /** The bin descriptors of {@code map}, ascending by address, or empty when the map shows no stack. */
    public static Optional<List<MemoryDescriptor>> findBinStack(List<MemoryDescriptor> map) {
        List<List<MemoryDescriptor>> runs = runs(map);
        if (runs.isEmpty()) {
            return Optional.empty();
        }
        List<MemoryDescriptor> highest = runs.get(runs.size() - 1);
        List<MemoryDescriptor> stack = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = highest.size() - 1; i >= 0 && seen.add(highest.get(i).type()); i--) {
            stack.add(0, highest.get(i));
        }
        return stack.size() >= MIN_BINS ? Optional.of(List.copyOf(stack)) : Optional.empty();
    }

    /** How many runs of {@link #MIN_BINS} or more special descriptors lie below 4 GiB (the stack is the highest). */
    public static int runCount(List<MemoryDescriptor> map) {
        return runs(map).size();
    }

    /** The bin descriptors of {@code map}; {@link IllegalStateException} naming {@code mapName} when there is no stack. */
    public static List<MemoryDescriptor> binStack(List<MemoryDescriptor> map, String mapName) {
        return findBinStack(map).orElseThrow(() -> new IllegalStateException(mapName + ": no run of " + MIN_BINS
                + " or more contiguous write-back descriptors of special types below 4 GiB; expected EDK2's memory-type"
                + " bin stack"));
    }

    private static List<List<MemoryDescriptor>> runs(List<MemoryDescriptor> map) {
        List<MemoryDescriptor> low = map.stream().filter(d -> d.end() <= FOUR_GIB)
                .sorted(Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList();
        List<List<MemoryDescriptor>> runs = new ArrayList<>();
        List<MemoryDescriptor> run = new ArrayList<>();
        for (MemoryDescriptor d : low) {
            boolean special = SPECIAL.contains(d.type()) && (d.attribute() & WB) != 0;
            boolean contiguous = !run.isEmpty() && run.get(run.size() - 1).end() == d.physicalStart();
            if (!special || !contiguous) {
                if (run.size() >= MIN_BINS) {
                    runs.add(run);
                }
                run = new ArrayList<>();
            }
            if (special) {
                run.add(d);
            }
        }
        if (run.size() >= MIN_BINS) {
            runs.add(run);
        }
        return runs;
    }

    /**
     * {@code edk2-topdown bins=... default-max=<lowest bin base - 1>}, validated by {@link PlacementRules#create}. Each
     * bin is the whole descriptor: its free part is unknown, so the map keeps it wholly used.
     */
    public static PlacementSpec placement(List<MemoryDescriptor> bins) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("bins", bins.stream().map(BinInference::binText).collect(Collectors.joining(",")));
        params.put("default-max", hex(bins.get(0).physicalStart() - 1));
        PlacementSpec spec = new PlacementSpec(PlacementRules.EDK2_TOPDOWN, params);
        PlacementRules.create(spec);
        return spec;
    }

    /** The {@code source: inferred:} lines that document {@link #placement}. */
    public static List<String> sources(List<MemoryDescriptor> bins, String where) {
        return List.of(
                "inferred: placement bins = the memory-type bin stack " + where + ", "
                        + bins.stream().map(BinInference::binText).collect(Collectors.joining(", "))
                        + " (EDK2 CoreAddMemoryDescriptor allocates one bin per MemoryTypeInformation type, stacked at"
                        + " the top of the initial DXE region; found as the highest run below 4 GiB of contiguous"
                        + " write-back descriptors of the special types, read down from its top until a type repeats)",
                "inferred: the bins' free parts are unknown (a map taken by an OS reports a bin's free pages under the"
                        + " bin's type), so each bin is kept wholly used: a request of a bin's type goes to the default"
                        + " region",
                "inferred: default-max = lowest bin base - 1 = " + hex(bins.get(0).physicalStart() - 1)
                        + " (EDK2 mDefaultMaximumAddress): AllocateAnyPages and AllocatePool take the default region"
                        + " below 4 GiB top-down first and reach RAM above 4 GiB only once everything below is used");
    }

    /** {@code EfiRuntimeServicesCode@0xB86A0000+0x100}: a bin as the {@code bins=} parameter writes it. */
    public static String binText(MemoryDescriptor d) {
        return MemoryType.nameOf(d.type()) + "@" + hex(d.physicalStart()) + "+0x"
                + Long.toHexString(d.numberOfPages()).toUpperCase();
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase();
    }
}
