package org.efiemu.uefi.firmware;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.BootService;
import org.efiemu.uefi.runtime.RuntimeService;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * {@code EFI_SYSTEM_TABLE}, {@code EFI_BOOT_SERVICES} and {@code EFI_RUNTIME_SERVICES} in guest memory (UEFI 2.10
 * §4.3-§4.5), their headers and CRCs, and the configuration table array (§4.6).
 *
 * <p>The system table, runtime table, vendor string and configuration array sit in EfiRuntimeServicesData (they
 * outlive ExitBootServices); the Boot Services table in EfiBootServicesData.
 */
public final class SystemTable {
    public static final long SIGNATURE = 0x5453595320494249L; // "IBI SYST"
    public static final long RUNTIME_SIGNATURE = 0x56524553544E5552L; // "RUNTSERV"
    public static final int SIZE = 0x78;
    public static final int FIRMWARE_VENDOR = 24;
    public static final int FIRMWARE_REVISION = 32;
    public static final int CONSOLE_IN_HANDLE = 40;
    public static final int CON_IN = 48;
    public static final int CONSOLE_OUT_HANDLE = 56;
    public static final int CON_OUT = 64;
    public static final int STANDARD_ERROR_HANDLE = 72;
    public static final int STD_ERR = 80;
    public static final int RUNTIME_SERVICES = 88;
    public static final int BOOT_SERVICES = 96;
    public static final int NUMBER_OF_TABLE_ENTRIES = 104;
    public static final int CONFIGURATION_TABLE = 112;
    /** Entries the configuration array has room for. */
    public static final int CONFIGURATION_CAPACITY = 32;
    private static final int CONFIG_ENTRY = 24;

    private final GuestMemory memory;
    private final long address;
    private final long bootServices;
    private final long runtimeServices;
    private final long configuration;
    private final List<Guid> installed = new ArrayList<>();

    /**
     * Lays the three tables out. Function pointers are written later by the service dispatcher.
     *
     * @param revision the header Revision of all three tables, e.g. {@code 0x00020046} for 2.70
     */
    public SystemTable(GuestMemory memory, FirmwareArena.Region runtimeData, FirmwareArena.Region bootData, int revision,
            String vendor, long firmwareRevision) {
        this.memory = memory;
        address = runtimeData.take("EFI_SYSTEM_TABLE", SIZE, 16);
        runtimeServices = runtimeData.take("EFI_RUNTIME_SERVICES", RuntimeService.TABLE_SIZE, 16);
        long vendorString = runtimeData.take("FirmwareVendor \"" + vendor + "\"", 2L * (vendor.length() + 1), 8);
        configuration = runtimeData.take("EFI_CONFIGURATION_TABLE[" + CONFIGURATION_CAPACITY + "]",
                (long) CONFIG_ENTRY * CONFIGURATION_CAPACITY, 16);
        bootServices = bootData.take("EFI_BOOT_SERVICES", BootService.TABLE_SIZE, 16);
        memory.fill(address, SIZE, (byte) 0);
        memory.fill(bootServices, BootService.TABLE_SIZE, (byte) 0);
        memory.fill(runtimeServices, RuntimeService.TABLE_SIZE, (byte) 0);
        memory.putUtf16z(vendorString, vendor);
        TableHeader.write(memory, address, SIGNATURE, revision, SIZE);
        TableHeader.write(memory, bootServices, BootService.SIGNATURE, revision, BootService.TABLE_SIZE);
        TableHeader.write(memory, runtimeServices, RUNTIME_SIGNATURE, revision, RuntimeService.TABLE_SIZE);
        memory.putU64(address + FIRMWARE_VENDOR, vendorString);
        memory.putU32(address + FIRMWARE_REVISION, firmwareRevision);
        memory.putU64(address + RUNTIME_SERVICES, runtimeServices);
        memory.putU64(address + BOOT_SERVICES, bootServices);
        memory.putU64(address + CONFIGURATION_TABLE, configuration);
        sealAll();
    }

    public long address() {
        return address;
    }

    public long bootServices() {
        return bootServices;
    }

    public long runtimeServices() {
        return runtimeServices;
    }

    /** Points Boot Services slot {@code s} at {@code function}. */
    public void setBootService(BootService s, long function) {
        memory.putU64(bootServices + s.offset(), function);
    }

    public void setRuntimeService(RuntimeService s, long function) {
        memory.putU64(runtimeServices + s.offset(), function);
    }

    /** Sets ConOut/StdErr (and their handles) in the system table. */
    public void setConsoles(long conOutHandle, long conOut, long stdErrHandle, long stdErr) {
        memory.putU64(address + CONSOLE_OUT_HANDLE, conOutHandle);
        memory.putU64(address + CON_OUT, conOut);
        memory.putU64(address + STANDARD_ERROR_HANDLE, stdErrHandle);
        memory.putU64(address + STD_ERR, stdErr);
        TableHeader.seal(memory, address);
    }

    /** Sets ConsoleInHandle and ConIn (UEFI 2.10 §4.3) and reseals the table. */
    public void setConIn(long conInHandle, long conIn) {
        memory.putU64(address + CONSOLE_IN_HANDLE, conInHandle);
        memory.putU64(address + CON_IN, conIn);
        TableHeader.seal(memory, address);
    }

    /** Recomputes the CRC32 of the three tables. */
    public void sealAll() {
        TableHeader.seal(memory, address);
        TableHeader.seal(memory, bootServices);
        TableHeader.seal(memory, runtimeServices);
    }

    /**
     * {@code InstallConfigurationTable()} (UEFI 2.10 §7.3.19, EDK2 {@code CoreInstallConfigurationTable}): a GUID
     * already present gets its pointer replaced (or the entry removed when {@code table} is 0); a new GUID is
     * appended. The system table's CRC is recomputed.
     *
     * @return {@code EFI_SUCCESS}; {@code EFI_NOT_FOUND} when removing an absent GUID; {@code EFI_OUT_OF_RESOURCES}
     *     when the array is full
     */
    public EfiStatus installConfigurationTable(Guid guid, long table) {
        int index = installed.indexOf(guid);
        if (index >= 0 && table != 0) {
            memory.putU64(entry(index) + 16, table);
        } else if (index >= 0) {
            for (int i = index; i + 1 < installed.size(); i++) {
                memory.write(entry(i), memory.read(entry(i + 1), CONFIG_ENTRY));
            }
            memory.fill(entry(installed.size() - 1), CONFIG_ENTRY, (byte) 0);
            installed.remove(index);
        } else if (table == 0) {
            return EfiStatus.NOT_FOUND;
        } else if (installed.size() == CONFIGURATION_CAPACITY) {
            return EfiStatus.OUT_OF_RESOURCES;
        } else {
            memory.write(entry(installed.size()), guid.toBytes());
            memory.putU64(entry(installed.size()) + 16, table);
            installed.add(guid);
        }
        memory.putU64(address + NUMBER_OF_TABLE_ENTRIES, installed.size());
        TableHeader.seal(memory, address);
        return EfiStatus.SUCCESS;
    }

    /** GUIDs in the configuration array, in order. */
    public List<Guid> configurationTables() {
        return List.copyOf(installed);
    }

    private long entry(int i) {
        return configuration + (long) CONFIG_ENTRY * i;
    }

    /**
     * The system-table part of a successful ExitBootServices (EDK2 {@code CoreExitBootServices}): ConIn, ConOut,
     * StdErr, their handles and BootServices become NULL, the CRC is recomputed, and the whole Boot Services table
     * (header included) is zero-filled.
     */
    public void exitBootServices() {
        for (int off : new int[] {CONSOLE_IN_HANDLE, CON_IN, CONSOLE_OUT_HANDLE, CON_OUT, STANDARD_ERROR_HANDLE, STD_ERR,
                BOOT_SERVICES}) {
            memory.putU64(address + off, 0);
        }
        TableHeader.seal(memory, address);
        memory.fill(bootServices, BootService.TABLE_SIZE, (byte) 0);
    }
}
