package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Objects;

/**
 * A guest access the emulator flagged: a write into firmware-owned memory, or use of memory nobody allocated.
 *
 * @param ownerType memory type name of the descriptor that owns {@code address} ({@code EfiBootServicesData})
 * @param ownerKind its owner family
 * @param where     {@code rip} as a code location ({@code image.efi+0x1A2B} inside the payload image, else hex)
 */
public record Violation(
        ReasonKind kind,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long rip,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long address,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long length,
        String ownerType,
        OwnerKind ownerKind,
        String where) {
    /** A violation whose RIP is shown as a plain address. */
    public Violation(ReasonKind kind, long rip, long address, long length, String ownerType, OwnerKind ownerKind) {
        this(kind, rip, address, length, ownerType, ownerKind, Hex.of(rip));
    }

    public Violation {
        Objects.requireNonNull(kind, "Violation.kind");
        Objects.requireNonNull(ownerType, "Violation.ownerType");
        Objects.requireNonNull(ownerKind, "Violation.ownerKind");
        if (length <= 0) {
            throw new IllegalArgumentException("Violation at " + Hex.of(address) + ": length must be > 0, got " + length);
        }
    }

    @Override
    public String toString() {
        return kind.title() + ": RIP " + (where != null ? where : Hex.of(rip)) + " wrote " + Hex.of(address) + "+" + Hex.of(length) + " owned by " + ownerType;
    }
}
