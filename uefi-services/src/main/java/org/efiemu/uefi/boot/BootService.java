package org.efiemu.uefi.boot;

import org.efiemu.uefi.spec.ServiceTableSlot;

/**
 * The slots of {@code EFI_BOOT_SERVICES}, declared once, in the order of the table in UEFI 2.10 §4.4
 * ("EFI Boot Services Table"). The slot's byte offset in the table is {@code 24 + 8 * ordinal()} (after the
 * 24-byte {@code EFI_TABLE_HEADER}); {@link #RESERVED} keeps the spec's unused slot so offsets stay right.
 *
 * <p>The number of parameters is the spec prototype's; {@code -1} marks the two variadic services.
 */
public enum BootService implements ServiceTableSlot {
    // Task Priority Services (§7.1)
    RAISE_TPL("RaiseTPL", 1),
    RESTORE_TPL("RestoreTPL", 1),
    // Memory Services (§7.2)
    ALLOCATE_PAGES("AllocatePages", 4),
    FREE_PAGES("FreePages", 2),
    GET_MEMORY_MAP("GetMemoryMap", 5),
    ALLOCATE_POOL("AllocatePool", 3),
    FREE_POOL("FreePool", 1),
    // Event & Timer Services (§7.1)
    CREATE_EVENT("CreateEvent", 5),
    SET_TIMER("SetTimer", 3),
    WAIT_FOR_EVENT("WaitForEvent", 3),
    SIGNAL_EVENT("SignalEvent", 1),
    CLOSE_EVENT("CloseEvent", 1),
    CHECK_EVENT("CheckEvent", 1),
    // Protocol Handler Services (§7.3)
    INSTALL_PROTOCOL_INTERFACE("InstallProtocolInterface", 4),
    REINSTALL_PROTOCOL_INTERFACE("ReinstallProtocolInterface", 4),
    UNINSTALL_PROTOCOL_INTERFACE("UninstallProtocolInterface", 3),
    HANDLE_PROTOCOL("HandleProtocol", 3),
    RESERVED("Reserved", 0),
    REGISTER_PROTOCOL_NOTIFY("RegisterProtocolNotify", 3),
    LOCATE_HANDLE("LocateHandle", 5),
    LOCATE_DEVICE_PATH("LocateDevicePath", 3),
    INSTALL_CONFIGURATION_TABLE("InstallConfigurationTable", 2),
    // Image Services (§7.4)
    LOAD_IMAGE("LoadImage", 6),
    START_IMAGE("StartImage", 3),
    EXIT("Exit", 4),
    UNLOAD_IMAGE("UnloadImage", 1),
    EXIT_BOOT_SERVICES("ExitBootServices", 2),
    // Miscellaneous Services (§7.5)
    GET_NEXT_MONOTONIC_COUNT("GetNextMonotonicCount", 1),
    STALL("Stall", 1),
    SET_WATCHDOG_TIMER("SetWatchdogTimer", 4),
    // DriverSupport Services (§7.3)
    CONNECT_CONTROLLER("ConnectController", 4),
    DISCONNECT_CONTROLLER("DisconnectController", 3),
    // Open and Close Protocol Services (§7.3)
    OPEN_PROTOCOL("OpenProtocol", 6),
    CLOSE_PROTOCOL("CloseProtocol", 4),
    OPEN_PROTOCOL_INFORMATION("OpenProtocolInformation", 4),
    // Library Services (§7.3)
    PROTOCOLS_PER_HANDLE("ProtocolsPerHandle", 3),
    LOCATE_HANDLE_BUFFER("LocateHandleBuffer", 5),
    LOCATE_PROTOCOL("LocateProtocol", 3),
    INSTALL_MULTIPLE_PROTOCOL_INTERFACES("InstallMultipleProtocolInterfaces", -1),
    UNINSTALL_MULTIPLE_PROTOCOL_INTERFACES("UninstallMultipleProtocolInterfaces", -1),
    // 32-bit CRC Services (§7.5)
    CALCULATE_CRC32("CalculateCrc32", 3),
    // Miscellaneous Services (§7.5)
    COPY_MEM("CopyMem", 3),
    SET_MEM("SetMem", 3),
    CREATE_EVENT_EX("CreateEventEx", 6);

    /** {@code EFI_BOOT_SERVICES_SIGNATURE}, "BOOTSERV". */
    public static final long SIGNATURE = 0x56524553544F4F42L;
    /** Size of the table: header plus one pointer per slot. */
    public static final int TABLE_SIZE = ServiceTableSlot.tableSize(values().length);

    private final String specName;
    private final int parameterCount;

    BootService(String specName, int parameterCount) {
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

    /** The slot with this spec name (case-sensitive, e.g. {@code AllocatePages}), or null. */
    public static BootService bySpecName(String name) {
        return ServiceTableSlot.bySpecName(BootService.class, name);
    }

    @Override
    public String toString() {
        return specName;
    }
}
