package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Objects;

/**
 * Where the real-mode trampoline (which must live below 1 MiB) was placed.
 *
 * @param source how the address was chosen, e.g. {@code AllocatePages(AllocateMaxAddress, EfiLoaderCode, 16, 0xFFFFF)}
 */
public record Trampoline(@JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long address, @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long size, String source) {
    public Trampoline {
        Objects.requireNonNull(source, "Trampoline.source");
    }
}
