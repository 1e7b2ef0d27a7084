package org.efiemu.earlyalloc;

import java.util.Arrays;
import java.util.Objects;
import org.efiemu.core.pe.PeFormatException;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;

/**
 * A strategy ready to run: its descriptor and the EFI payload's bytes (checked to be a PE32+ image when created).
 *
 * @param descriptor  what the strategy is
 * @param payloadName the payload's file name, e.g. {@code mem-lower.efi} (call sites are reported relative to it)
 */
public record Strategy(StrategyDescriptor descriptor, String payloadName, byte[] payloadBytes) {

    public Strategy {
        Objects.requireNonNull(descriptor, "Strategy.descriptor");
        Objects.requireNonNull(payloadName, "Strategy.payloadName");
        payloadBytes = payloadBytes.clone();
        try {
            PeParser.parse(payloadBytes, payloadName);
        } catch (PeFormatException e) {
            throw new IllegalArgumentException("strategy '" + descriptor.name() + "': payload " + payloadName
                    + " is not a valid PE32+ EFI image: " + e.getMessage(), e);
        }
    }

    public String name() {
        return descriptor.name();
    }

    /** The payload file's bytes (a copy). */
    @Override
    public byte[] payloadBytes() {
        return payloadBytes.clone();
    }

    /** Size of the payload file in bytes. */
    public long fileSize() {
        return payloadBytes.length;
    }

    /** The payload's parsed PE headers. */
    public PeImage peImage() {
        try {
            return PeParser.parse(payloadBytes, payloadName);
        } catch (PeFormatException e) {
            throw new IllegalStateException("payload " + payloadName + " was valid when the strategy was made", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Strategy s && s.descriptor.equals(descriptor) && s.payloadName.equals(payloadName)
                && Arrays.equals(s.payloadBytes, payloadBytes);
    }

    /**
     * The descriptor, the payload's name and its length: equal strategies have equal hashes, as {@link #equals} needs,
     * without hashing the payload's bytes (tens of KiB) at every lookup of a map keyed by strategy (a hunt looks its
     * strategy up once per scenario); strategies with the same name and size but other bytes only share a bucket.
     */
    @Override
    public int hashCode() {
        return Objects.hash(descriptor, payloadName, payloadBytes.length);
    }

    @Override
    public String toString() {
        return descriptor.name() + " (" + payloadName + ", " + payloadBytes.length + " bytes)";
    }
}
