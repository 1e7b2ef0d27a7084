package org.efiemu.uefi;

import java.util.Optional;
import java.util.function.LongSupplier;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.EventAbi;
import org.efiemu.uefi.boot.GuestCallbacks;
import org.efiemu.uefi.boot.HandleAbi;
import org.efiemu.uefi.boot.ImageAbi;
import org.efiemu.uefi.boot.ImageServices;
import org.efiemu.uefi.boot.MemoryAbi;
import org.efiemu.uefi.boot.MiscAbi;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.PoolAllocator;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.protocol.SimpleFileSystem;
import org.efiemu.uefi.protocol.SimpleTextInput;
import org.efiemu.uefi.runtime.RealTimeClock;
import org.efiemu.uefi.runtime.TimeAbi;
import org.efiemu.uefi.runtime.VariableAbi;
import org.efiemu.uefi.runtime.VirtualMemoryAbi;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.variable.Variable;
import org.efiemu.uefi.variable.VariableStore;
import org.efiemu.uefi.variable.VariableStoreConfig;

/**
 * The firmware beyond memory and consoles, wired for one {@link UefiMachine}: events and timers on virtual time, the
 * variable store seeded from the platform, the real-time clock, child images, the ESP with its device path and
 * SimpleFileSystem, ConIn, and the ACPI/SMBIOS configuration tables. Objects created before the image starts (ConIn's
 * WaitForKey event) live in the firmware arena; those the guest causes (its events, file structures, returned
 * buffers) come from EfiBootServicesData pool, as in EDK2.
 */
final class FirmwareServices {
    /** OVMF's timer tick ({@code PcdTimerPeriod}... the 8254 at 100 Hz): SetTimer(TimerPeriodic, 0) uses it. */
    static final long TIMER_PERIOD = 100_000;
    /** The ESP partition's GPT unique GUID (fixed, so device paths are deterministic). */
    static final Guid ESP_PARTITION = Guid.parse("1B4D6C5E-0F3A-4C2B-9E8D-7A6B5C4D3E2F");

    final GuestCallbacks callbacks;
    final EventService events;
    /** EDK2's {@code mEfiSystemTime}: the timers' time base, moved by the timer tick ({@link TimerTick}). */
    final org.efiemu.uefi.event.SystemTime systemTime = new org.efiemu.uefi.event.SystemTime(TIMER_PERIOD);
    final VariableStore variables;
    final RealTimeClock rtc;
    final ImageServices images;
    /** The driver model (ConnectController, DisconnectController, OpenProtocol EXCLUSIVE, driver StartImage). */
    final org.efiemu.uefi.boot.DriverAbi drivers;
    final PlatformTables tables;
    private final PoolAllocator pool;
    private boolean started;
    private EspVolume esp;
    private long espHandle;
    private long conInHandle;
    private SimpleTextInput conIn;
    private final LongSupplier nanos;

    FirmwareServices(UefiMachineBuilder b, Machine machine, FirmwareArena arena, FirmwareArena.Region bootData,
            MemoryMap map, PoolAllocator pool, HandleDatabase handles, FirmwareState state, SystemTable st,
            ImageRegistry registry) {
        this.pool = pool;
        this.nanos = machine.clock()::nanos;
        GuestMemory memory = machine.memory();
        callbacks = new GuestCallbacks(state);
        LongSupplier eventHandles = () -> started ? allocate(0x70)
                : bootData.take("EFI_EVENT", 16, 16);
        events = new EventService(eventHandles, systemTime::now, callbacks, TIMER_PERIOD, e -> {
            handles.unregisterProtocolNotify(e);
            if (pool.blockAt(e) != null) {
                pool.freePool(e);
            }
        });
        variables = new VariableStore(b.platform.variableStore());
        variables.seed(b.platform.variables().stream().map(v -> new Variable(v.name(), Guid.parse(v.vendorGuid()),
                v.attributes(), v.data())).toList());
        rtc = new RealTimeClock(b.startTime, machine.clock()::nanos);
        images = new ImageServices(memory, map, handles, registry, bootData, st.address(),
                base -> {
                    if (!machine.rdtscDiscovered()) { // else RDTSC is found in code as it is translated
                        registry.imageAt(base).ifPresent(i -> machine.declareCode(i.base(), i.size()));
                    }
                }, this::allocate);
        tables = PlatformTables.install(b.platform, arena, bootData, memory, st, map.getMemoryMap().descriptors(),
                map.placement().bins(), this::allocate);
        images.debugImages(tables.debugImages());
        drivers = new org.efiemu.uefi.boot.DriverAbi(memory, handles, registry, this::allocate, a -> pool.freePool(a));
    }

    /** EfiBootServicesData pool for what the firmware returns to the guest (freed by the guest with FreePool). */
    long allocate(long size) {
        return pool.allocatePool(MemoryType.EfiBootServicesData.value(), size, AllocationTag.firmware("firmware pool"));
    }

    /** From now on events and buffers come from pool (the image is about to start). */
    void started() {
        started = true;
    }

    /**
     * Installs the ESP (DevicePath + SimpleFileSystem on one handle, as a SATA disk's first GPT partition; without
     * {@code --esp} a read-only volume holding just the application) and ConIn; returns the ESP's handle.
     */
    /** The controller the boot volume's disk hangs on (the platform's, set before {@link #installDevices}). */
    org.efiemu.uefi.storage.DiskController diskController = org.efiemu.uefi.storage.DiskController.Q35_AHCI;

    /** The ESP's Simple File System (null until {@link #installDevices}, and when the application boots from a disk). */
    SimpleFileSystem espFileSystem;

    long installDevices(UefiMachineBuilder b, GuestMemory memory, FirmwareArena.Region bootData,
            ServiceDispatcher dispatcher, HandleDatabase handles, SystemTable st, boolean bootsFromDisk) {
        conIn = new SimpleTextInput(b.keyScript, nanos, memory, bootData, dispatcher, events, this::allocate,
                a -> pool.freePool(a));
        conInHandle = handles.installProtocolInterface(0, Guid.EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID, conIn.address()).handle();
        handles.installProtocolInterface(conInHandle, Guid.EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID, conIn.exAddress());
        st.setConIn(conInHandle, conIn.address());
        // without an ESP the application still comes from a boot volume, as BDS loads it from one (its DeviceHandle
        // and device path always set): a read-only in-memory volume holding only the application at its FilePath;
        // an application booted from a --disk has that disk's partition as its device instead
        if (b.esp == null && bootsFromDisk) {
            return 0;
        }
        if (b.esp != null) {
            esp = b.esp;
        } else {
            String file = b.effectiveFilePath(b.payloadName);
            EspVolume volume = EspVolume.inMemory("ESP", false);
            // a parsed payload's file is shared with the (read-only) volume: the image never changes it
            esp = b.parsedPayload != null ? volume.addFile(file, b.parsedPayload.fileView()) : volume.addFile(file, b.payload);
        }
        long sizeInLba = esp.fileSystemInfo().volumeSize() / 512;
        DevicePath path = diskController.diskPath(0).append(DevicePath.of(
                DevicePath.hardDriveGpt(1, 2048, sizeInLba, ESP_PARTITION), DevicePath.end()));
        byte[] bytes = path.toBytes();
        long dp = bootData.take("ESP device path " + devicePathText(path, bytes), bytes.length, 8);
        memory.write(dp, bytes);
        SimpleFileSystem fs = new SimpleFileSystem(esp, memory, bootData, dispatcher, this::allocate,
                a -> pool.freePool(a));
        espFileSystem = fs;
        espHandle = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, dp).handle();
        handles.installProtocolInterface(espHandle, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, fs.address());
        images.esp(esp, espHandle, path);
        return espHandle;
    }

    /**
     * The text of the ESP's device path (UEFI 2.10 §10.6, its text form), which labels its arena piece: a function of
     * the path's bytes alone, which are the same for every machine of a platform kind (the disk controller's PCI path,
     * the volume's size), so a hunt's machines share a few; kept per bytes for the process (bounded).
     */
    private static String devicePathText(DevicePath path, byte[] bytes) {
        String key = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        String text = DEVICE_PATH_TEXTS.get(key);
        if (text == null) {
            text = path.toString();
            if (DEVICE_PATH_TEXTS.size() >= 64) {
                DEVICE_PATH_TEXTS.clear();
            }
            DEVICE_PATH_TEXTS.put(key, text);
        }
        return text;
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, String> DEVICE_PATH_TEXTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** ConIn (after {@link #installDevices}). */
    SimpleTextInput conIn() {
        return conIn;
    }

    Optional<EspVolume> esp() {
        return Optional.ofNullable(esp);
    }

    EventAbi eventAbi(Machine machine, FirmwareState state, MiscAbi misc, MemoryAbi memory, Runnable afterEbs) {
        return new EventAbi(events, callbacks, machine.clock(), state, misc, memory, () -> {
            variables.exitBootServices();
            afterEbs.run();
        });
    }

    HandleAbi handleAbi(HandleDatabase handles) {
        return new HandleAbi(handles, callbacks, this::allocate, drivers);
    }

    ImageAbi imageAbi(Machine machine, HandleDatabase handles, FirmwareState state, SystemTable st, LongSupplier main) {
        ImageAbi abi = new ImageAbi(images, handles, state, machine.engine(), machine.gate().base(), st.address(), main);
        abi.drivers(drivers);
        abi.guestFilePool(this::allocate, a -> pool.freePool(a));
        return abi;
    }

    TimeAbi timeAbi() {
        return new TimeAbi(rtc);
    }

    VariableAbi variableAbi() {
        return new VariableAbi(variables);
    }

    VirtualMemoryAbi virtualMemoryAbi(FirmwareState state) {
        return new VirtualMemoryAbi(state, c -> callbacks.run(c,
                () -> events.signalGroup(Guid.EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE)));
    }
}
