package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/** The buffer the strategy handed to {@code GetMemoryMap} (UEFI 2.10 §7.2): its address and size in bytes. */
public record MapBuffer(@JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long address, @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long size) {
}
