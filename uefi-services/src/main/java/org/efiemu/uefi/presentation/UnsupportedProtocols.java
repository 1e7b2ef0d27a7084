package org.efiemu.uefi.presentation;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * Interfaces for the protocols a captured firmware had and efiemu does not implement: each such protocol gets its own
 * interface structure of {@value #SLOTS} function pointers, so HandleProtocol/LocateProtocol find what the real
 * firmware has, and every function called returns {@code EFI_UNSUPPORTED} (UEFI 2.10 §2.3: the status of a function
 * a protocol does not support), recorded as an unimplemented call naming the protocol (from {@code This}, the first
 * argument) and the function's slot — never a silent success.
 *
 * <p>The device path protocols of UEFI 2.10 §10.5-10.6 (utilities, to text, from text) return pointers, sizes or
 * booleans, not statuses: their slots return 0 (NULL, FALSE), what EDK2's implementations return on failure.
 *
 * <p>The EFI_STATUS functions share {@value #SLOTS} stubs (one per slot); the protocol is recognised by {@code This}
 * (a function without one is recorded as "a protocol efiemu does not implement"). The value-returning protocols, which
 * take no This, have {@value #VALUE_SLOTS} stubs each. A structure's data fields (a revision, a mode pointer) read as the stub addresses: efiemu does not
 * know the layout of a protocol it does not implement.
 */
public final class UnsupportedProtocols {
    /** Function pointers per interface structure. */
    public static final int SLOTS = 32;
    /** Slots of the value-returning (device path) protocols. */
    public static final int VALUE_SLOTS = 16;
    /** Protocols whose functions return a value, not an EFI_STATUS (UEFI 2.10 §10.5-10.6). */
    static final Set<Guid> VALUE_RETURNING = Set.of(Guid.EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID,
            Guid.EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID, Guid.parse("05C99A21-C70F-4AD2-8A5F-35DF3343F51E"));

    private final ServiceDispatcher dispatcher;
    private final FirmwareState state;
    private final FirmwareArena.Region region;
    private final GuestMemory memory;
    private final Map<Guid, Long> interfaces = new LinkedHashMap<>();
    private final Map<Long, Guid> byInterface = new HashMap<>();
    private long[] statusStubs;

    public UnsupportedProtocols(ServiceDispatcher dispatcher, FirmwareState state, FirmwareArena.Region region,
            GuestMemory memory) {
        this.dispatcher = dispatcher;
        this.state = state;
        this.region = region;
        this.memory = memory;
    }

    /** The interface presented for {@code protocol} (one per protocol, made on first use). */
    public long interfaceFor(Guid protocol) {
        Long have = interfaces.get(protocol);
        if (have != null) {
            return have;
        }
        boolean value = VALUE_RETURNING.contains(protocol);
        long[] stubs = value ? valueStubs(protocol) : statusStubs();
        long table = region.take(protocol + " (not implemented by efiemu)", 8L * SLOTS, 16);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * SLOTS).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < SLOTS; k++) {
            b.putLong(stubs[Math.min(k, stubs.length - 1)]);
        }
        memory.write(table, b.array()); // one write for the whole table
        interfaces.put(protocol, table);
        byInterface.put(table, protocol);
        return table;
    }

    /** The protocols presented without an implementation, in first-use order. */
    public Set<Guid> protocols() {
        return java.util.Collections.unmodifiableSet(interfaces.keySet());
    }

    private long[] statusStubs() {
        if (statusStubs == null) {
            statusStubs = new long[SLOTS];
            for (int k = 0; k < SLOTS; k++) {
                int slot = k;
                statusStubs[k] = dispatcher.registerBootTime("UnsupportedProtocol.Function" + k, 4, c -> call(c, slot));
            }
        }
        return statusStubs;
    }

    /** Their functions take no This: each such protocol has stubs of its own, so the call names it. */
    private long[] valueStubs(Guid protocol) {
        long[] stubs = new long[VALUE_SLOTS];
        for (int k = 0; k < VALUE_SLOTS; k++) {
            int slot = k;
            stubs[k] = dispatcher.registerBootTime(protocol + ".Function" + k, 4, c -> value(c, protocol, slot));
        }
        return stubs;
    }

    private EfiStatus value(ServiceCall c, Guid protocol, int slot) {
        String what = protocol + " function " + slot;
        c.arguments(ServiceCall.hex(c.arg(0)), ServiceCall.hex(c.arg(1)), ServiceCall.hex(c.arg(2)), ServiceCall.hex(c.arg(3)));
        c.output("not implemented by efiemu");
        c.output(what + ": returns 0 (NULL)");
        state.unimplemented(what, c.callerRip());
        c.returnValue(0);
        return null;
    }

    private EfiStatus call(ServiceCall c, int slot) {
        Guid g = byInterface.get(c.arg(0));
        String what = (g != null ? g.toString() : "a protocol efiemu does not implement (This is no presented interface)")
                + " function " + slot;
        c.arguments(ServiceCall.hex(c.arg(0)), ServiceCall.hex(c.arg(1)), ServiceCall.hex(c.arg(2)), ServiceCall.hex(c.arg(3)));
        c.output("not implemented by efiemu");
        c.output(what + ": returns EFI_UNSUPPORTED");
        state.unimplemented(what, c.callerRip());
        return EfiStatus.UNSUPPORTED;
    }
}
