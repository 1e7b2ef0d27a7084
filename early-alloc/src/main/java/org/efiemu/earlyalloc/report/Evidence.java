package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.ArrayList;
import java.util.List;

/**
 * What backs a {@link Reason}; every field is optional (null when not applicable).
 *
 * @param address     guest physical address involved (e.g. the first byte written)
 * @param length      bytes involved
 * @param owner       who owns the memory at {@code address}, by memory type name ({@code EfiBootServicesData})
 * @param rip         guest instruction pointer of the access or call
 * @param serviceCall the service call as a spec-named trace line
 * @param where       {@code rip} as a code location ({@code image.efi+0x1A2B} inside the payload image, else hex)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Evidence(
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) Long address,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) Long length,
        String owner,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) Long rip,
        String serviceCall,
        String where) {

    /** Evidence whose RIP, if any, is shown as a plain address. */
    public Evidence(Long address, Long length, String owner, Long rip, String serviceCall) {
        this(address, length, owner, rip, serviceCall, rip == null ? null : Hex.of(rip));
    }

    /** Evidence with nothing in it. */
    public static Evidence none() {
        return new Evidence(null, null, null, null, null, null);
    }

    /** True when no field is set. */
    @JsonIgnore
    public boolean isEmpty() {
        return address == null && length == null && owner == null && rip == null && serviceCall == null;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (address != null) {
            parts.add("address " + Hex.of(address));
        }
        if (length != null) {
            parts.add("length " + Hex.of(length));
        }
        if (owner != null) {
            parts.add("owner " + owner);
        }
        if (rip != null) {
            parts.add("RIP " + (where != null ? where : Hex.of(rip)));
        }
        if (serviceCall != null) {
            parts.add("call " + serviceCall);
        }
        return String.join(", ", parts);
    }
}
