package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Objects;

/**
 * Memory the strategy obtained: from a service ({@code AllocatePages}, {@code AllocatePool}) or by its own placement
 * (a static pool in the image, {@code mem_lower}).
 *
 * @param label      what the memory is for ("memory map buffer", "command line")
 * @param service    how it was obtained, spec-named ({@code AllocatePages(AllocateMaxAddress, ...)} or {@code static})
 * @param memoryType the memory type name ({@code EfiLoaderData})
 * @param callSite   where in the guest the request was made (symbol+offset or RIP)
 */
public record Allocation(
        String label,
        String service,
        String memoryType,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long base,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long size,
        String callSite) {
    public Allocation {
        Objects.requireNonNull(label, "Allocation.label");
        Objects.requireNonNull(service, "Allocation.service");
        Objects.requireNonNull(memoryType, "Allocation.memoryType");
        callSite = callSite == null ? "" : callSite;
    }

    @Override
    public String toString() {
        return label + " " + Hex.of(base) + "+" + Hex.of(size) + " " + memoryType + " via " + service;
    }
}
