package org.efiemu.uefi.spec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a platform's firmware places AllocatePages/AllocatePool searches: a rule name plus its parameters,
 * as written in a platform profile ({@code placement: edk2-topdown bins=EfiACPIMemoryNVS:0x80,...}).
 *
 * <p>The profile only names the rule; {@code org.efiemu.uefi.memory.PlacementRules} turns it into the
 * algorithm. Known names: {@code edk2-topdown} (EDK2 {@code CoreFindFreePages}: highest-ending free range
 * at or below the limit, allocated at its top, with memory-type bins), {@code bottom-up} (lowest free range
 * first, allocated at its bottom), {@code low-first} (firmware that hands out memory below 1 MiB first,
 * then behaves as edk2-topdown).
 *
 * @param name the rule's name
 * @param params the rule's parameters in the order written (kept verbatim, so a profile round-trips)
 */
public record PlacementSpec(String name, Map<String, String> params) {

    public static final PlacementSpec EDK2_TOPDOWN = new PlacementSpec("edk2-topdown", Map.of());

    public PlacementSpec {
        Objects.requireNonNull(name, "name");
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public String param(String key, String dflt) {
        return params.getOrDefault(key, dflt);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name);
        params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }
}
