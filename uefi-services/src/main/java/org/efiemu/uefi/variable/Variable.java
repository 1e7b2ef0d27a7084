package org.efiemu.uefi.variable;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * One UEFI variable: name, vendor GUID, attributes (without {@code APPEND_WRITE}) and data. Immutable; the data
 * array is copied in and out.
 */
public record Variable(String name, Guid vendor, int attributes, byte[] data) {

    public Variable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vendor, "vendor");
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Size of the name in bytes as UTF-16 with its terminating NUL ({@code StrSize}). */
    public int nameSize() {
        return (name.length() + 1) * 2;
    }

    /**
     * Bytes this variable occupies in a store: header, name and data, the next header 4-byte aligned (EDK2
     * {@code HEADER_ALIGN}); 60 + name + data rounded up reproduces OVMF 2022.11's QueryVariableInfo remaining
     * storage byte for byte.
     */
    long storeSize(int headerSize) {
        return align4(headerSize + nameSize() + data.length);
    }

    static long align4(long n) {
        return (n + 3) & ~3L;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Variable v && v.name.equals(name) && v.vendor.equals(vendor)
                && v.attributes == attributes && Arrays.equals(v.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, vendor, attributes, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        String hex = HexFormat.of().formatHex(data, 0, Math.min(data.length, 16));
        return String.format("%s-%s (%s, %d bytes: %s%s)", vendor, name, VariableAttributes.nameOf(attributes),
                data.length, hex, data.length > 16 ? "..." : "");
    }
}
