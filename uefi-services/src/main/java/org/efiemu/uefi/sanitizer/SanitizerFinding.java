package org.efiemu.uefi.sanitizer;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * Guest writes the memory-ownership sanitizer flagged, aggregated: one finding per kind, owner, contiguous byte
 * range and writing instruction, so a memset over 64 KiB of firmware memory is one finding with a length of 64 KiB.
 *
 * @param kind firmware corruption or unallocated use
 * @param rip the writing instruction's address
 * @param address first byte written
 * @param length bytes written (contiguous)
 * @param ownerType memory type of the memory written, by spec name ({@code EfiBootServicesData}), or {@code no RAM}
 * @param owner who owns it: {@code platform firmware}, a firmware structure ({@code firmware 'application stack'}),
 *     an allocation ({@code #3 AllocatePages(...) by firmware}), {@code free} or {@code no RAM}
 * @param afterExitBootServices true when the writes happened after ExitBootServices succeeded
 * @param afterCall number of service calls the trace held at the first of these writes (places the finding in the
 *     trace stream: it happened after call #afterCall and before #afterCall+1)
 * @param writes number of guest stores this finding aggregates
 */
@JsonPropertyOrder({"kind", "rip", "address", "length", "ownerType", "owner", "afterExitBootServices", "afterCall", "writes"})
public record SanitizerFinding(FindingKind kind, long rip, long address, long length, String ownerType, String owner,
        boolean afterExitBootServices, long afterCall, long writes) {

    public SanitizerFinding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(ownerType, "ownerType");
        Objects.requireNonNull(owner, "owner");
        if (length <= 0) {
            throw new IllegalArgumentException(String.format("SanitizerFinding at 0x%X: length %d must be > 0", address, length));
        }
    }

    /** Exclusive end of the bytes written. */
    public long end() {
        return address + length;
    }

    /** True when {@code [a, a + len)} overlaps the bytes of this finding. */
    public boolean overlaps(long a, long len) {
        return a < end() && address < a + len;
    }

    @Override
    public String toString() {
        return String.format("%s: 0x%X+0x%X in %s (%s) by RIP 0x%X, %d write%s, after call #%d%s", kind, address, length,
                ownerType, owner, rip, writes, writes == 1 ? "" : "s", afterCall,
                afterExitBootServices ? ", after ExitBootServices" : "");
    }
}
