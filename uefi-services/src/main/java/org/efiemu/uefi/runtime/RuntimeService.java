package org.efiemu.uefi.runtime;

import org.efiemu.uefi.spec.ServiceTableSlot;

/**
 * The slots of {@code EFI_RUNTIME_SERVICES}, declared once, in the order of the table in UEFI 2.10 §4.5
 * ("EFI Runtime Services Table"). The slot's byte offset is {@code 24 + 8 * ordinal()}.
 */
public enum RuntimeService implements ServiceTableSlot {
    // Time Services (§8.3)
    GET_TIME("GetTime", 2),
    SET_TIME("SetTime", 1),
    GET_WAKEUP_TIME("GetWakeupTime", 3),
    SET_WAKEUP_TIME("SetWakeupTime", 2),
    // Virtual Memory Services (§8.4)
    SET_VIRTUAL_ADDRESS_MAP("SetVirtualAddressMap", 4),
    CONVERT_POINTER("ConvertPointer", 2),
    // Variable Services (§8.2)
    GET_VARIABLE("GetVariable", 5),
    GET_NEXT_VARIABLE_NAME("GetNextVariableName", 3),
    SET_VARIABLE("SetVariable", 5),
    // Miscellaneous Services (§8.5)
    GET_NEXT_HIGH_MONOTONIC_COUNT("GetNextHighMonotonicCount", 1),
    RESET_SYSTEM("ResetSystem", 4),
    // UEFI 2.0 Capsule Services (§8.5.3)
    UPDATE_CAPSULE("UpdateCapsule", 3),
    QUERY_CAPSULE_CAPABILITIES("QueryCapsuleCapabilities", 4),
    // Miscellaneous UEFI 2.0 Service (§8.2)
    QUERY_VARIABLE_INFO("QueryVariableInfo", 4);

    /** {@code EFI_RUNTIME_SERVICES_SIGNATURE}, "RUNTSERV". */
    public static final long SIGNATURE = 0x56524553544E5552L;
    /** Size of the table: header plus one pointer per slot. */
    public static final int TABLE_SIZE = ServiceTableSlot.tableSize(values().length);

    private final String specName;
    private final int parameterCount;

    RuntimeService(String specName, int parameterCount) {
        this.specName = specName;
        this.parameterCount = parameterCount;
    }

    @Override
    public String specName() {
        return specName;
    }

    @Override
    public int parameterCount() {
        return parameterCount;
    }

    /** The slot with this spec name (case-sensitive, e.g. {@code GetVariable}), or null. */
    public static RuntimeService bySpecName(String name) {
        return ServiceTableSlot.bySpecName(RuntimeService.class, name);
    }

    @Override
    public String toString() {
        return specName;
    }
}
