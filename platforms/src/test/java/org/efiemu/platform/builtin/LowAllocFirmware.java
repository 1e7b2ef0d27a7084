package org.efiemu.platform.builtin;

import java.util.LinkedHashMap;
import java.util.Map;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.memory.PlacementRules;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * The lowalloc-firmware built-in: the captured {@code ovmf-q35-2g} machine (map, bins, identity) with a placement rule
 * that serves AllocatePages and AllocatePool below 1 MiB first ({@code low-first}, quirk {@code low-alloc-first}).
 * Above 1 MiB it places exactly as the captured OVMF does: its bins and {@code default-max} are copied.
 */
final class LowAllocFirmware {

    static final String BASE = "ovmf-q35-2g";

    private LowAllocFirmware() {}

    static PlatformProfile build() {
        PlatformProfile ovmf = ProfileRegistry.builtIn(BASE);
        Map<String, String> params = new LinkedHashMap<>(ovmf.placement().params());
        PlacementSpec placement = new PlacementSpec(PlacementRules.LOW_FIRST, params);
        PlacementRules.create(placement);
        PlatformProfile.Builder b = ovmf.toBuilder()
                .name("lowalloc-firmware")
                .description("OVMF q35 2 GiB (captured " + BASE + ") whose AllocatePages/AllocatePool serve memory"
                        + " below 1 MiB first")
                .clearSources()
                .source("synthesised by BuiltinSynthesis (platforms/src/test/java) from the built-in " + BASE
                        + " profile: its memory map, identity and placement bins/default-max unchanged; its sources:");
        ovmf.sources().forEach(s -> b.source(BASE + ": " + s));
        return b.source("inferred: placement low-first (low-limit 0xFFFFF) and quirk low-alloc-first: firmware that hands"
                        + " out the free memory below 1 MiB (0x1000-0x9FFFF here) before anything else, the behaviour"
                        + " that breaks boot loaders which expect the low 1 MiB to stay free for real-mode trampolines;"
                        + " no captured firmware is known to do this, it is a test machine")
                .placement(placement)
                .clearQuirks()
                .quirk("low-alloc-first")
                .build();
    }
}
