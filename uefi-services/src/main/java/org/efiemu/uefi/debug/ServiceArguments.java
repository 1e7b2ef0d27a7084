package org.efiemu.uefi.debug;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.efiemu.uefi.boot.ServiceCall;

/**
 * The arguments of one service call by their UEFI 2.10 prototype names ({@code Type}, {@code MemoryType},
 * {@code Pages}, {@code Memory} for AllocatePages, §7.2), as service-breakpoint conditions see them. For a pointer
 * to an IN/OUT address ({@code AllocatePages}'s {@code Memory}) the name {@code *Memory} gives the value it points
 * to. Services without a known prototype here get {@code Arg1..ArgN}.
 *
 * @param service the spec name
 * @param values argument name to raw value, in prototype order
 */
public record ServiceArguments(String service, Map<String, Long> values) {
    private static final Map<String, List<String>> PROTOTYPES = Map.ofEntries(
            Map.entry("AllocatePages", List.of("Type", "MemoryType", "Pages", "Memory")),
            Map.entry("FreePages", List.of("Memory", "Pages")),
            Map.entry("GetMemoryMap", List.of("MemoryMapSize", "MemoryMap", "MapKey", "DescriptorSize",
                    "DescriptorVersion")),
            Map.entry("AllocatePool", List.of("PoolType", "Size", "Buffer")),
            Map.entry("FreePool", List.of("Buffer")),
            Map.entry("ExitBootServices", List.of("ImageHandle", "MapKey")),
            Map.entry("Stall", List.of("Microseconds")),
            Map.entry("SetWatchdogTimer", List.of("Timeout", "WatchdogCode", "DataSize", "WatchdogData")),
            Map.entry("HandleProtocol", List.of("Handle", "Protocol", "Interface")),
            Map.entry("LocateProtocol", List.of("Protocol", "Registration", "Interface")),
            Map.entry("OpenProtocol", List.of("Handle", "Protocol", "Interface", "AgentHandle", "ControllerHandle",
                    "Attributes")),
            Map.entry("CopyMem", List.of("Destination", "Source", "Length")),
            Map.entry("SetMem", List.of("Buffer", "Size", "Value")),
            Map.entry("GetVariable", List.of("VariableName", "VendorGuid", "Attributes", "DataSize", "Data")),
            Map.entry("SetVariable", List.of("VariableName", "VendorGuid", "Attributes", "DataSize", "Data")),
            Map.entry("ResetSystem", List.of("ResetType", "ResetStatus", "DataSize", "ResetData")));
    /** Pointer arguments whose target (a UINT64/UINTN) conditions may read as {@code *Name}. */
    private static final Map<String, List<String>> DEREFERENCED = Map.of(
            "AllocatePages", List.of("Memory"), "GetMemoryMap", List.of("MemoryMapSize"),
            "FreePages", List.of());

    public ServiceArguments {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The prototype's argument names for {@code service}, or an empty list when it is not known here. */
    public static List<String> names(String service) {
        return PROTOTYPES.getOrDefault(service, List.of());
    }

    /** Decodes {@code call}'s raw arguments (and the UINT64 behind dereferenced pointers that are RAM). */
    public static ServiceArguments of(ServiceCall call, int arity) {
        List<String> names = names(call.service());
        int n = names.isEmpty() ? arity : names.size();
        Map<String, Long> v = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = names.isEmpty() ? "Arg" + (i + 1) : names.get(i);
            long raw = i < 4 || call.isRam(call.context().stackPointer() + 40 + 8L * (i - 4), 8) ? call.arg(i) : 0;
            v.put(name, name.equals("Type") || name.endsWith("Type") ? raw & 0xFFFF_FFFFL : raw);
        }
        for (String p : DEREFERENCED.getOrDefault(call.service(), List.of())) {
            Long ptr = v.get(p);
            if (ptr != null && call.isRam(ptr, 8)) v.put("*" + p, call.memory().u64(ptr));
        }
        return new ServiceArguments(call.service(), v);
    }

    /** The value of argument {@code name} (case-insensitive); throws naming the known arguments when absent. */
    public long get(String name) {
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) return e.getValue();
        }
        throw new IllegalArgumentException(service + " has no argument '" + name + "'; its arguments: " + values.keySet());
    }

    public boolean has(String name) {
        return values.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(name));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(service).append('(');
        int i = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (i++ > 0) sb.append(", ");
            sb.append(e.getKey()).append('=').append(Values.describe(e.getKey(), e.getValue()));
        }
        return sb.append(')').toString();
    }
}
