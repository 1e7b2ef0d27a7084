package org.efiemu.uefi;

import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.acpi.AcpiPowerManagement;
import org.efiemu.uefi.acpi.AcpiTables;
import org.efiemu.uefi.acpi.AcpiTablesBuilder;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.runtime.VirtualMemoryAbi;
import org.efiemu.uefi.smbios.SmbiosTables;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.variable.VariableStore;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallGate;
import org.efiemu.core.machine.CpuDescription;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.machine.StopReport;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.pe.PeFormatException;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.uefi.boot.Adapters;
import org.efiemu.uefi.boot.GuestPoolMemory;
import org.efiemu.uefi.boot.MemoryAbi;
import org.efiemu.uefi.boot.MemoryServices;
import org.efiemu.uefi.boot.MiscAbi;
import org.efiemu.uefi.boot.ProtocolAbi;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.MonotonicCounter;
import org.efiemu.uefi.firmware.PlatformMemory;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.image.ImageLoader;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.image.LoadedImageProtocol;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.PoolAllocation;
import org.efiemu.uefi.memory.PoolAllocator;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.protocol.EfiRng;
import org.efiemu.uefi.protocol.SerialIo;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.diagnostics.StopDiagnosis;
import org.efiemu.uefi.diagnostics.UnmetRequests;
import org.efiemu.uefi.image.OpenedFileNames;
import org.efiemu.uefi.protocol.ConsoleLog;
import org.efiemu.uefi.protocol.SimpleTextOutput;
import org.efiemu.uefi.runtime.RuntimeAbi;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.trace.ServiceTrace;

/**
 * A UEFI machine booting one image: the platform's memory and map, the firmware's tables and services in guest
 * memory, the consoles, and the payload loaded as EDK2's LoadImage would and started with
 * {@code efi_main(ImageHandle, SystemTable)}. One instance owns all its state (many run in parallel threads); one
 * thread drives it.
 *
 * <pre>{@code
 * try (UefiMachine m = UefiMachine.builder(platform).payload(Path.of("strategy.efi")).build()) {
 *     BootResult r = m.run();
 * }
 * }</pre>
 */
public final class UefiMachine implements AutoCloseable {
    /** The application's stack (EDK2 gives BDS-started images the 128 KiB DXE stack). */
    public static final long STACK_SIZE = 128 * 1024;
    /** The watchdog the boot manager arms before starting an image (UEFI 2.10 §3.1.2): 5 minutes. */
    public static final long BOOT_WATCHDOG_SECONDS = 300;
    private static final long BOOT_DATA_EXTRA = 0x10000;
    private static final long TRAP_SIZE = 0x2000;

    private final UefiMachineBuilder options;
    private final PlatformDescription platform;
    private final FirmwareArena arena;
    private org.efiemu.uefi.pci.PciProtocols pci;
    private final Machine machine;
    private final CallGate runtimeGate;
    private final MemoryMap memoryMap;
    private final MemoryServices memoryServices;
    private final SystemTable systemTable;
    private final HandleDatabase handles;
    private final ServiceTrace trace = new ServiceTrace();
    private final ImageRegistry images = new ImageRegistry();
    private final FirmwareState state = new FirmwareState(images::describeCallSite);
    private final ConsoleLog console = new ConsoleLog();
    private RunBudget budget;
    private final ServiceDispatcher dispatcher;
    private final LoadedImage image;
    private final long imageHandle;
    private final long stackTop;
    private final long imageReturn;
    private final org.efiemu.uefi.boot.EventAbi eventAbi;
    /** The TimerInterrupt service's stub, and the stub it returns to (which ends that run). */
    private final long timerInterrupt;
    private final long interruptReturn;
    /** The firmware's timer tick on virtual time (asynchronous timer interrupts, HLT wake-ups). */
    private final TimerTick timerTick;
    private final Hook nullJump;
    private final FirmwareServices firmware;
    private final VirtualMemoryAbi virtualMemory;
    private boolean ran;
    private final int tableRevision;
    private GraphicsOutput graphics;
    private long conOutHandle;
    private EfiRng rng;
    private long conOutInterface;
    private final List<org.efiemu.uefi.storage.AttachedDisk> disks;
    /** The Simple File System functions of the disks' FAT volumes (null without disks). */
    private org.efiemu.uefi.protocol.SimpleFileSystem diskFileSystems;
    /** The disks' protocols (null without disks): DiskIoDxe's Disk I/O over a guest driver's Block I/O comes from it. */
    private org.efiemu.uefi.storage.StorageDevices storageDevices;
    private org.efiemu.uefi.disk.DiskImage espDisk;
    private FirmwareArena.Region capturedRegion;
    private org.efiemu.uefi.presentation.UnsupportedProtocols unsupportedProtocols;
    private org.efiemu.uefi.presentation.CapturedHandles.Result capturedHandles;
    private org.efiemu.uefi.boot.ImageAbi imageAbi;
    private final UnmetRequests unmet;

    UefiMachine(UefiMachineBuilder b) {
        options = b;
        platform = b.platform;
        PlatformDescription.Firmware fw = platform.firmware();
        tableRevision = tableRevision(platform);
        disks = attachDisks(b);
        checkDriveCount(org.efiemu.uefi.storage.DiskController.of(platform.pciDevices()), disks, b.esp != null);
        byte[] payload = b.payload;
        String payloadName = b.payloadName;
        org.efiemu.uefi.storage.AttachedDisk.BootFile bootFile = null;
        if (payload == null && b.parsedPayload == null) {
            bootFile = bootFile(disks);
            payload = bootFile.bytes();
            payloadName = "BOOTX64.EFI";
        }
        PeImage pe;
        try {
            pe = b.parsedPayload != null ? b.parsedPayload : PeParser.parse(payload, payloadName);
        } catch (PeFormatException e) {
            disks.forEach(d -> d.image().close());
            throw new IllegalArgumentException("payload " + payloadName + " is not a loadable PE32+ image: " + e.getMessage(), e);
        }
        PhysicalLayout layout = PlatformMemory.layout(platform.memoryMap());
        GraphicsOutput.Display display = b.effectiveDisplay();
        if (display != null) {
            layout = GraphicsOutput.withFramebuffer(layout, display);
        }
        arena = new FirmwareArena(platform.memoryMap());
        long structures = Machine.structuresSize(layout);
        FirmwareArena.Region bootData = arena.region(MemoryType.EfiBootServicesData,
                structures + STACK_SIZE + TRAP_SIZE + BOOT_DATA_EXTRA + 0x2000
                        + longLoadOptionsRoom(b.loadOptions), "boot-time structures");
        FirmwareArena.Region runtimeData = arena.region(MemoryType.EfiRuntimeServicesData, 0x2000, "runtime tables");
        FirmwareArena.Region runtimeCode = arena.region(MemoryType.EfiRuntimeServicesCode, 0x1000, "Runtime Services stubs");
        long cpuStructures = bootData.take("GDT, IDT, identity page tables", structures, 0x1000);
        long stackBase = bootData.take("application stack (128 KiB)", STACK_SIZE, 0x1000);
        stackTop = stackBase + STACK_SIZE;
        long bootTrap = bootData.take("Boot Services and protocol stubs", TRAP_SIZE, 0x1000);
        long rtTrap = runtimeCode.take("Runtime Services stubs", 0x1000, 0x1000);
        machine = Machine.builder(layout).cpuStructuresAt(cpuStructures).stackTop(stackTop)
                .trapRegion(bootTrap, TRAP_SIZE).cpu(cpu(platform.cpu())).instructionCounting(b.counting).storeFastPath(b.storeFastPath).nativeClockPorts(b.nativeClockPorts).engine(b.engine)
                .clock(b.uncounted ? org.efiemu.core.clock.ClockMode.HOST_EVENTS
                        : org.efiemu.core.clock.ClockMode.COUNTED, 1, 100).build();
        try {
            if (!b.inlineBlockCounting && machine.clock().blockCounter() != null) {
                machine.clock().blockCounter().inline(false);
            }
            GuestMemory memory = machine.memory();
            images.discoverIn(memory);
            runtimeGate = new CallGate(machine.engine(), memory, rtTrap, 0x1000, machine::requestStop,
                    machine.clock()::hostCall);
            memoryMap = MemoryMap.builder(platform.memoryMap()).placement(platform.placement())
                    .descriptorSize(platform.descriptorSize()).descriptorVersion(platform.descriptorVersion()).build();
            systemTable = new SystemTable(memory, runtimeData, bootData, tableRevision, fw.vendor(), fw.revision());
            handles = new HandleDatabase(() -> (capturedRegion != null ? capturedRegion : bootData).take("EFI_HANDLE", 16, 16),
                    this::signalProtocolNotify, p -> DevicePaths.read(memory, p));
            PoolAllocator pool = new PoolAllocator(memoryMap, new GuestPoolMemory(memory));
            platform.poolFreeBlocks().forEach(f -> pool.seedFreeBlock(f.poolType(), f.head(), f.size()));
            memoryServices = new MemoryServices(memoryMap, pool, state, systemTable);
            firmware = new FirmwareServices(b, machine, arena, bootData, memoryMap, pool, handles, state, systemTable,
                    images);
            dispatcher = new ServiceDispatcher(machine.gate(), runtimeGate, trace, state, machine.clock()::nanos);
            MonotonicCounter counter = new MonotonicCounter();
            MemoryAbi memoryAbi = new MemoryAbi(memoryServices, () -> { });
            MiscAbi misc = new MiscAbi(systemTable, machine.clock(), state, counter);
            virtualMemory = firmware.virtualMemoryAbi(state);
            ProtocolAbi protocolAbi = new ProtocolAbi(handles);
            protocolAbi.drivers(firmware.drivers);
            dispatcher.install(systemTable, new Adapters(memoryAbi, misc, protocolAbi,
                    new RuntimeAbi(state, counter),
                    eventAbi = firmware.eventAbi(machine, state, misc, memoryAbi, this::afterExitBootServices),
                    firmware.handleAbi(handles), imageAbi = firmware.imageAbi(machine, handles, state, systemTable, this::imageHandle),
                    firmware.timeAbi(), firmware.variableAbi(), virtualMemory));
            firmware.tables.bindServices(dispatcher, firmware::allocate);
            budget = new RunBudget(b.serviceCallBudget, b.hostWorkBudget, b.outputBudget, why -> machine.requestStop(why));
            trace.addListener(e -> budget.serviceCall());
            dispatcher.onHostWork(budget::hostWork);
            unmet = new UnmetRequests(g -> handles.locateProtocol(g, 0).status() == EfiStatus.SUCCESS);
            trace.addListener(unmet);
            OpenedFileNames copied = new OpenedFileNames(memory,
                    path -> firmware.esp().flatMap(v -> org.efiemu.uefi.boot.ImageServices.fileOn(v, path)));
            trace.addListener(copied);
            images.nameFoundBy(copied::nameOf);
            b.traceListeners.forEach(trace::addListener);
            ConsoleListener out = (source, text) -> {
                budget.output(text.length());
                console.text(source, text);
                for (ConsoleListener l : b.consoleListeners) l.text(source, text); // no lambda per text
            };
            installConsoles(memory, bootData, out);
            attachPowerManagement();
            machine.serial().addListener(ch -> out.text(ConsoleListener.Source.SERIAL, String.valueOf((char) ch)));
            // the boot manager reads the file into a pool buffer first (EDK2 EfiBootManagerBoot); a given load
            // address is a multiboot2-style load without one
            image = b.loadAddress >= 0 ? ImageLoader.load(pe, memoryMap, memory, b.loadAddress)
                    : ImageLoader.loadFromFile(pe, memoryMap, pool, memory);
            images.add(image);
            if (!machine.rdtscDiscovered()) { // else RDTSC is found in code as it is translated, in every image
                for (var code : ImageCode.possiblyNonZero(pe).asRanges()) {  // the rest of the image is zero (bss)
                    machine.declareCode(image.base() + code.lowerEndpoint(), code.upperEndpoint() - code.lowerEndpoint());
                }
            }
            long protocol = LoadedImageProtocol.write(memory, bootData, image, systemTable.address(), 0, 0,
                    bootFile != null ? BOOT_FILE : b.effectiveFilePath(image.name()), b.loadOptions);
            imageHandle = handles.installProtocolInterface(0, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, protocol).handle();
            if (b.shellParameters) {
                org.efiemu.uefi.shell.ShellParameters shell = new org.efiemu.uefi.shell.ShellParameters(b.loadOptions,
                        memory, firmware::allocate, dispatcher, out, this::shellKey);
                handles.installProtocolInterface(imageHandle, Guid.EFI_SHELL_PARAMETERS_PROTOCOL_GUID, shell.address());
            }
            firmware.tables.debugImages().add(protocol, imageHandle);
            firmware.diskController = org.efiemu.uefi.storage.DiskController.of(platform.pciDevices());
            long espHandle = firmware.installDevices(b, memory, bootData, dispatcher, handles, systemTable, bootFile != null);
            installSerial(bootData, firmware.conIn().address(), firmware.conIn().exAddress(), conOutInterface);
            pci = org.efiemu.uefi.pci.PciProtocols.install(platform.pciDevices(), platform.pciRootBridges(), memory,
                    bootData, dispatcher, handles, pciHost(memory));
            pci.waitWith((c, nanos, matched) -> eventAbi.busyWait(c, eventAbi.cyclesOf(nanos), matched),
                    eventAbi::waitMayNotify);
            if (b.rngSeed != null) {
                rng = new EfiRng(b.rngSeed, memory, bootData, dispatcher);
                handles.installProtocolInterface(0, Guid.EFI_RNG_PROTOCOL_GUID, rng.address());
            }
            if (display != null) {
                installGraphics(display, memory, bootData, firmware);
                pci.backMemory(display.frameBufferBase(), display.memoryBytes(), graphics.framebuffer());
            }
            long deviceHandle = espHandle;
            long espDiskHandle = 0;
            boolean espFolder = espHandle != 0 && b.esp != null; // --esp: its folder also as a disk with blocks
            if (!disks.isEmpty() || espFolder) {
                // disk structures live in the firmware arena while it has room (the free memory the guest sees stays
                // the platform's), then in EfiBootServicesData pool
                java.util.function.LongUnaryOperator diskStructures = size -> {
                    try {
                        return bootData.take("disk protocol structure", size, 16);
                    } catch (IllegalStateException full) {
                        return firmware.allocate(size);
                    }
                };
                org.efiemu.uefi.storage.StorageDevices storage = new org.efiemu.uefi.storage.StorageDevices(memory,
                        dispatcher, handles, diskStructures, firmware::allocate, pool::freePool,
                        (c, event) -> firmware.callbacks.within(c, () -> firmware.events.signalEvent(event)),
                        firmware.images).controller(firmware.diskController);
                int port = 0;
                if (espFolder) { // the application's own in-memory boot volume (no --esp) has a file system, no blocks
                    EspVolume volume = b.esp;
                    espDisk = org.efiemu.uefi.fs.EspImage.of(volume, FirmwareServices.ESP_PARTITION);
                    org.efiemu.uefi.disk.BlockMedia whole = org.efiemu.uefi.disk.BlockMedia.wholeDisk(espDisk,
                            !volume.isWritable(), DISK_IO_ALIGN);
                    org.efiemu.uefi.disk.Partition p = org.efiemu.uefi.fs.EspImage.partition(volume,
                            FirmwareServices.ESP_PARTITION);
                    espDiskHandle = storage.installDisk(port++, whole);
                    storage.installPartitionBlocks(espHandle, org.efiemu.uefi.disk.BlockMedia.partition(whole, p), p);
                }
                for (org.efiemu.uefi.storage.AttachedDisk d : disks) {
                    storage.install(d, port++);
                }
                diskFileSystems = storage.fileSystems();
                storageDevices = storage;
                if (bootFile != null) {
                    deviceHandle = bootFile.part().handle();
                }
            }
            if (b.initrd != null) {
                new org.efiemu.uefi.protocol.InitrdLoadFile2(b.initrd, memory, bootData, dispatcher, handles);
            }
            memory.putU64(protocol + LoadedImageProtocol.DEVICE_HANDLE, deviceHandle);
            if (platform.captured().hasHandles()) {
                presentCapturedHandles(memory, firmware, systemTable.address());
                presentDiskDrivers(memory, firmware, espDiskHandle, espHandle);
            }
            long romBytes = org.efiemu.uefi.pci.PciProtocols.romBytes(platform.pciDevices());
            if (romBytes > 0) { // carved after everything else, so nothing placed before moves
                pci.placeRomImages(arena.region(MemoryType.EfiBootServicesData, romBytes, "PCI option ROM images"));
            }
            imageReturn = machine.gate().register("image return", 1, ctx -> {
                state.imageReturned(ctx.reg(X86Reg.RAX));
                ctx.stop("the image's entry point returned");
                return ctx.reg(X86Reg.RAX);
            });
            timerInterrupt = dispatcher.registerBootTimeCallingGuest("TimerInterrupt", 0, eventAbi::timerInterrupt);
            interruptReturn = machine.gate().register("timer interrupt return", 0, ctx -> {
                if (!machine.returnFromInterrupt()) {
                    ctx.stop("the guest returned into the timer interrupt's return trap with no interrupt in progress");
                }
                return ctx.reg(X86Reg.RAX);
            });
            timerTick = new TimerTick(machine, firmware.events, state, firmware.systemTime, timerInterrupt,
                    interruptReturn);
            eventAbi.tickSource(timerTick);
            machine.interruptSource(timerTick);
            machine.addSnapshotParticipant(timerTick);
            firmware.events.onTimersChanged(timerTick::timersChanged);
            nullJump = machine.engine().addCodeHook(0, 0, (address, size) -> {
                jumpToNull(machine.engine().reg(X86Reg.RSP));
                machine.requestStop("jump to address 0");
            });
        } catch (RuntimeException | Error e) {
            machine.close();
            disks.forEach(d -> d.image().close());
            throw e;
        }
    }

    /**
     * The profile's captured handle database presented in the captured order ({@link
     * org.efiemu.uefi.presentation.CapturedHandles}); its structures and handles live in an EfiBootServicesData region
     * of their own (carved last, so nothing placed before moves), from which later handles are taken too.
     */
    private void presentCapturedHandles(GuestMemory memory, FirmwareServices fw, long systemTableAddress) {
        var captured = platform.captured().handles();
        long size = 0x4000 + 256L * captured.size() + 8L * org.efiemu.uefi.presentation.UnsupportedProtocols.SLOTS
                * captured.stream().mapToLong(h -> h.protocols().size()).sum();
        FirmwareArena.Region region = arena.region(MemoryType.EfiBootServicesData, size, "captured handle database");
        capturedRegion = region;
        java.util.Map<Guid, Long> implemented = new java.util.HashMap<>();
        implemented.put(Guid.EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID, fw.conIn().address());
        implemented.put(Guid.EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID, fw.conIn().exAddress());
        implemented.put(Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, conOutInterface);
        if (graphics != null) {
            implemented.put(Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, graphics.address());
        }
        // EFI_DEVICE_PATH_UTILITIES/TO_TEXT/FROM_TEXT (UEFI 2.10 §10.5-10.6), as OVMF's DevicePathDxe
        org.efiemu.uefi.protocol.DevicePathProtocols devicePaths = new org.efiemu.uefi.protocol.DevicePathProtocols(
                dispatcher, state, region, memory, new org.efiemu.uefi.protocol.DevicePathProtocols.Pool() {
                    @Override
                    public long allocate(long bytes) {
                        return memoryServices.allocatePool(MemoryType.EfiBootServicesData.value(), bytes, 0);
                    }

                    @Override
                    public void free(long address) {
                        memoryServices.freePool(address);
                    }
                });
        implemented.put(Guid.EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID, devicePaths.utilitiesInterface());
        implemented.put(Guid.EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID, devicePaths.toTextInterface());
        implemented.put(org.efiemu.uefi.protocol.DevicePathProtocols.FROM_TEXT_GUID, devicePaths.fromTextInterface());
        unsupportedProtocols = new org.efiemu.uefi.presentation.UnsupportedProtocols(dispatcher, state, region, memory);
        capturedHandles = org.efiemu.uefi.presentation.CapturedHandles.present(captured, handles, memory, region,
                unsupportedProtocols, implemented, imageHandle, systemTableAddress);
        org.efiemu.uefi.presentation.CapturedHandles.arrangeLocateOrders(platform.captured().locateOrders(),
                capturedHandles, handles);
        org.efiemu.uefi.presentation.CapturedHandles.writeImageBases(platform.captured().imageBases(), capturedHandles,
                handles, memory, imageHandle);
        org.efiemu.uefi.presentation.CapturedHandles.presentDebugImages(captured, capturedHandles, handles,
                fw.tables.debugImages(), region);
        org.efiemu.uefi.presentation.CapturedHandles.presentOpens(platform.captured().opens(), capturedHandles, handles);
        var unloads = new org.efiemu.uefi.presentation.CapturedDriverUnloads(platform.captured().unloads(),
                capturedHandles, handles, memory, dispatcher, fw.tables.debugImages());
        imageAbi.foreignUnload(unloads::unloadImage);
    }

    /**
     * The partitions as children of their disk, as OVMF's PartitionDxe makes them, with the opens PartitionDxe,
     * DiskIoDxe and the FAT driver hold when BDS starts an application ({@link org.efiemu.uefi.storage.DiskDrivers}),
     * when the profile's captured handles have those three drivers' images; their Supported/Start/Stop then take part
     * in ConnectController and DisconnectController (a partition destroyed and made again moves its file system to the
     * new handle for LoadImage).
     */
    private void presentDiskDrivers(GuestMemory memory, FirmwareServices fw, long espDiskHandle, long espHandle) {
        if (disks.isEmpty() && espDiskHandle == 0) {
            return;
        }
        long partitionDxe = capturedImage(org.efiemu.uefi.storage.DiskDrivers.PARTITION_DXE);
        long diskIoDxe = capturedImage(org.efiemu.uefi.storage.DiskDrivers.DISK_IO_DXE);
        long fat = capturedImage(org.efiemu.uefi.storage.DiskDrivers.FAT);
        if (partitionDxe == 0 || diskIoDxe == 0 || fat == 0) {
            return;
        }
        org.efiemu.uefi.storage.DiskDrivers d = new org.efiemu.uefi.storage.DiskDrivers(handles, memory::u8, partitionDxe,
                diskIoDxe, fat);
        if (espDiskHandle != 0) {
            d.block(espDiskHandle, false);
            d.block(espHandle, true, org.efiemu.uefi.spec.Guid.EFI_SYSTEM_PARTITION_GUID); // a GPT ESP (EspImage)
            d.parent(espDiskHandle, true, java.util.List.of(espHandle));
        }
        disks.forEach(d::add);
        d.bootConnect();
        d.onFileSystemMoves(fw.images::moveVolume);
        if (storageDevices != null) {
            org.efiemu.uefi.storage.StorageDevices storage = storageDevices;
            d.onGuestBlockIo(new org.efiemu.uefi.storage.DiskDrivers.GuestDiskIo() {
                @Override
                public long[] install(long blockIo, boolean two) {
                    return storage.diskIoOver(blockIo, two);
                }

                @Override
                public void forget(long diskIo) {
                    storage.forgetDiskIo(diskIo);
                }
            });
        }
        java.util.List<org.efiemu.uefi.protocol.SimpleFileSystem> instances = java.util.stream.Stream.of(diskFileSystems,
                fw.espFileSystem).filter(java.util.Objects::nonNull).toList();
        d.onVolumes(new org.efiemu.uefi.storage.DiskDrivers.FileSystemVolumes() {
            @Override
            public void abandon(long handle, long fileSystem) {
                // efiemu's media are always present: FatAbandonVolume's EFI_MEDIA_CHANGED
                instances.forEach(i -> i.abandon(fileSystem, EfiStatus.MEDIA_CHANGED));
            }

            @Override
            public long remount(long fileSystem) {
                for (org.efiemu.uefi.protocol.SimpleFileSystem i : instances) {
                    long at = i.remount(fileSystem);
                    if (at != 0) {
                        return at;
                    }
                }
                return fileSystem;
            }
        });
        fw.drivers.builtIn(d.partitionDriver());
        fw.drivers.builtIn(d.fatDriver());
        fw.drivers.builtIn(d.diskIoDriver());
    }

    /** The presented handle of the captured image loaded from firmware-volume file {@code file}, or 0. */
    private long capturedImage(Guid file) {
        // MEDIA_PIWG_FW_FILE_DP (PI 1.7 vol. 2 §8.2, UEFI 2.10 §10.3.5.6), then the end node
        byte[] path = new byte[24];
        path[0] = 4;
        path[1] = 6;
        path[2] = 20;
        System.arraycopy(file.toBytes(), 0, path, 4, 16);
        path[20] = 0x7F;
        path[21] = (byte) 0xFF;
        path[22] = 4;
        for (org.efiemu.uefi.handle.CapturedHandle h : platform.captured().handles()) {
            if (h.image() != null && java.util.Arrays.equals(h.image().filePath(), path)) {
                Long at = capturedHandles.presented().get(h.index());
                return at == null || !handles.isValid(at) ? 0 : at;
            }
        }
        return 0;
    }

    /** The pages and pool PCI I/O's DMA buffers and GetBarAttributes' descriptors come from (the memory map). */
    private org.efiemu.uefi.pci.PciDma.Host pciHost(GuestMemory memory) {
        return new org.efiemu.uefi.pci.PciDma.Host() {
            @Override
            public long allocatePagesBelow(int memoryType, long pages, long maxAddress) {
                return memoryServices.allocatePages(org.efiemu.uefi.spec.AllocateType.AllocateMaxAddress.ordinal(), memoryType, pages,
                        maxAddress, 0);
            }

            @Override
            public void freePages(long address, long pages) {
                memoryServices.freePages(address, pages);
            }

            @Override
            public void copy(long from, long to, long bytes) {
                memory.write(to, memory.read(from, (int) bytes));
            }

            @Override
            public long allocatePool(long bytes) {
                return memoryServices.allocatePool(MemoryType.EfiBootServicesData.value(), bytes, 0);
            }
        };
    }

    /** What presenting the profile's captured handle database did, when the profile has one. */
    public Optional<org.efiemu.uefi.presentation.CapturedHandles.Result> capturedHandles() {
        return Optional.ofNullable(capturedHandles);
    }

    /** The LoadedImage FilePath of an image booted from a disk (the removable-media default, UEFI 2.10 §3.5.1.1). */
    public static final String BOOT_FILE = "\\EFI\\BOOT\\BOOTX64.EFI";

    /** Opens and reads every disk the builder names; a bad image is one clear error naming it (others are closed). */
    private static List<org.efiemu.uefi.storage.AttachedDisk> attachDisks(UefiMachineBuilder b) {
        List<org.efiemu.uefi.storage.AttachedDisk> out = new java.util.ArrayList<>();
        try {
            for (UefiMachineBuilder.DiskSpec spec : b.disks) {
                org.efiemu.uefi.disk.DiskImage image = spec.image() != null ? spec.image()
                        : org.efiemu.uefi.disk.DiskImage.open(spec.path());
                try {
                    out.add(org.efiemu.uefi.storage.AttachedDisk.attach(image, spec.readOnly(), DISK_IO_ALIGN));
                } catch (RuntimeException e) {
                    image.close();
                    throw e;
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(d -> d.image().close());
            throw e;
        }
    }

    /**
     * Refuses more disks than the platform's IDE controller holds (two channels, two drives each, as QEMU's
     * {@code -machine pc} gives them to OVMF); the {@code --esp} folder's disk takes the first drive. Closes the disks
     * before it throws.
     */
    private static void checkDriveCount(org.efiemu.uefi.storage.DiskController controller,
            List<org.efiemu.uefi.storage.AttachedDisk> disks, boolean espDisk) {
        int first = espDisk ? 1 : 0;
        if (!controller.ide() || first + disks.size() <= org.efiemu.uefi.storage.DiskController.IDE_DRIVES) {
            return;
        }
        String extra = disks.get(org.efiemu.uefi.storage.DiskController.IDE_DRIVES - first).image().name();
        disks.forEach(d -> d.image().close());
        throw new IllegalArgumentException("disk image " + extra + ": the platform's IDE controller at 00:"
                + String.format("%02x.%x", controller.device(), controller.function()) + " holds "
                + org.efiemu.uefi.storage.DiskController.IDE_DRIVES + " drives (two channels, two drives each)"
                + (espDisk ? ", the --esp folder's disk being the first" : "") + "; " + (first + disks.size())
                + " were given");
    }

    /** {@code \EFI\BOOT\BOOTX64.EFI} from the first disk and FAT partition holding it. */
    private static org.efiemu.uefi.storage.AttachedDisk.BootFile bootFile(List<org.efiemu.uefi.storage.AttachedDisk> disks) {
        for (org.efiemu.uefi.storage.AttachedDisk d : disks) {
            var f = d.find(BOOT_FILE);
            if (f.isPresent()) {
                return f.get();
            }
        }
        disks.forEach(d -> d.image().close());
        throw new IllegalArgumentException("no payload was given and no FAT partition of disk image(s) "
                + disks.stream().map(d -> d.image().name()).toList() + " holds " + BOOT_FILE
                + (disks.stream().anyMatch(d -> !d.notes().isEmpty()) ? "; " + org.efiemu.uefi.storage.StorageDevices
                        .notes(disks) : ""));
    }

    /**
     * EFI_BLOCK_IO_MEDIA.IoAlign of a disk: 8, what OVMF's AHCI (ATA pass-through) disk reports on QEMU q35 (measured
     * with the disk-probe payload); its partitions report 0, as EDK2's PartitionDxe sets them.
     */
    static final int DISK_IO_ALIGN = 8;

    /**
     * The blocks behind the {@link UefiMachineBuilder#esp ESP} (a GPT disk whose partition 1 is a FAT image of the
     * volume, made when the guest first reads them; see {@link org.efiemu.uefi.fs.EspImage}), when there is an ESP.
     */
    public Optional<org.efiemu.uefi.disk.DiskImage> espDisk() {
        return Optional.ofNullable(espDisk);
    }

    /** The disks given with {@link UefiMachineBuilder#disk}: partitions, handles, volumes, notes, the image. */
    public List<org.efiemu.uefi.storage.AttachedDisk> disks() {
        return disks;
    }

    /**
     * The Revision efiemu writes into the EFI_SYSTEM_TABLE, Boot and Runtime Services headers: the platform's UEFI
     * revision, raised to 2.70 when it is an older 2.x. efiemu serves the 2.70 tables (every slot bound, UEFI 2.10
     * §4.3-4.5); the Boot and Runtime Services of UEFI 2.0-2.6 are the same slots with the same prototypes, so the
     * raise changes no service, and the platform's own FirmwareVendor/FirmwareRevision stay as they are
     * ({@link PlatformDescription.Firmware#uefiRevision()} keeps the machine's real value). EFI 1.x tables (no
     * CreateEventEx, QueryVariableInfo, UpdateCapsule) are refused.
     *
     * @throws IllegalArgumentException naming the platform and its revision when it is below 2.0
     */
    public static int tableRevision(PlatformDescription platform) {
        int r = platform.firmware().uefiRevision();
        if (r >>> 16 < 2) {
            throw new IllegalArgumentException(String.format("platform %s: UEFI revision 0x%X (%d.%d) is EFI 1.x; "
                    + "efiemu models UEFI 2.x system tables only (expected 0x00020000 or later)", platform.name(), r,
                    r >>> 16, r & 0xFFFF));
        }
        return Math.max(r, PlatformDescription.Firmware.UEFI_2_70);
    }

    /** The Revision of this machine's system table headers ({@link #tableRevision}). */
    public int tableRevision() {
        return tableRevision;
    }

    /**
     * The display's EFI_GRAPHICS_OUTPUT_PROTOCOL on its own handle with the adapter's device path (OVMF: the stdvga
     * at PciRoot(0x0)/Pci(0x1,0x0)), its framebuffer served as the {@link GraphicsOutput#DEVICE} range.
     */
    private void installGraphics(GraphicsOutput.Display display, GuestMemory memory, FirmwareArena.Region bootData,
            FirmwareServices fw) {
        graphics = new GraphicsOutput(display, memory, bootData, dispatcher, fw::allocate);
        machine.physical().attachDevice(GraphicsOutput.DEVICE, graphics.framebuffer());
        long dp = devicePath(bootData, "GOP device path PciRoot(0x0)/Pci(0x1,0x0)/AcpiAdr(0x80010100)",
                capturedPath(Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, null, GOP_DEVICE_PATH));
        long handle = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, dp).handle();
        handles.installProtocolInterface(handle, Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, graphics.address());
        // the display is a console-out device (OVMF handle 171: ConPlatformDxe's NULL-interface tag)
        handles.installProtocolInterface(handle, CONSOLE_OUT_DEVICE_GUID, 0);
        // OVMF's console splitter offers the GOP on ConsoleOutHandle too (captures/ovmf-q35-2g.firmware.txt)
        handles.installProtocolInterface(conOutHandle, Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, graphics.address());
    }

    /** OVMF q35's device paths (captures/ovmf-q35-2g.firmware.txt, handle lines), as the firmware's drivers make them. */
    private static final String GOP_DEVICE_PATH = "02010c00d041030a00000000" + "010106000001" + "0203080000010180"
            + "7fff0400";
    /** PciRoot(0x0)/Pci(0x1F,0x0)/Acpi(PNP0501,0x0)/Uart(115200,8,N,1). */
    private static final String COM1_DEVICE_PATH = "02010c00d041030a00000000" + "01010600001f" + "02010c00d041010500000000"
            + "030e13000000000000c2010000000000080101";
    /** VenMsg(PcAnsi): the terminal on COM1 (ConIn/ConOut/ErrOut name it). */
    private static final String PC_ANSI_NODE = "030a14005347c1e0bef9d2119a0c0090273fc14d";

    /**
     * The device path (hex) of the first captured handle with {@code protocol} whose path starts with
     * {@code under} (when given, and is longer), when the profile has a captured handle database; else {@code dflt}.
     * So a profile of an i440fx machine presents its own display and COM1 paths, not q35's.
     */
    private String capturedPath(Guid protocol, String under, String dflt) {
        for (var h : platform.captured().handles()) {
            if (h.devicePath() != null && h.protocols().contains(protocol)) {
                String hex = java.util.HexFormat.of().formatHex(h.devicePath());
                if (under == null || hex.startsWith(under) && hex.length() > under.length() + 8) {
                    return hex;
                }
            }
        }
        return dflt;
    }

    private long devicePath(FirmwareArena.Region bootData, String what, String hex) {
        byte[] bytes = java.util.HexFormat.of().parseHex(hex);
        long dp = bootData.take(what, bytes.length, 8);
        machine.memory().write(dp, bytes);
        return dp;
    }

    /**
     * COM1 as OVMF presents it: EFI_SERIAL_IO_PROTOCOL on the UART's handle, and the terminal on it (the serial console
     * the ConIn/ConOut variables name) with ConIn's and ConOut's interfaces, each with its device path.
     */
    /** The Shell's StdIn: ConIn's next key, waiting on WaitForKey (virtual time moves to it); null: none can come. */
    private org.efiemu.uefi.protocol.KeyScript.Key shellKey(org.efiemu.uefi.boot.ServiceCall c) {
        while (true) {
            org.efiemu.uefi.protocol.KeyScript.Key k = firmware.conIn().readKey();
            if (k != null) {
                return k;
            }
            if (eventAbi.waitFor(c, firmware.conIn().waitForKeyEvent()) != org.efiemu.uefi.spec.EfiStatus.SUCCESS) {
                return null;
            }
        }
    }

    private void installSerial(FirmwareArena.Region bootData, long conIn, long conInEx, long conOut) {
        SerialIo serialIo = new SerialIo(machine.memory(), bootData, dispatcher, machine.serial()::transmit);
        String uartPath = capturedPath(Guid.EFI_SERIAL_IO_PROTOCOL_GUID, null, COM1_DEVICE_PATH + "7fff0400");
        String uartNodes = uartPath.substring(0, uartPath.length() - 8);
        long uart = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID,
                devicePath(bootData, "COM1 device path", uartPath)).handle();
        handles.installProtocolInterface(uart, Guid.EFI_SERIAL_IO_PROTOCOL_GUID, serialIo.address());
        long terminal = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID,
                devicePath(bootData, "COM1 terminal device path", capturedPath(Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID,
                        uartNodes, uartNodes + PC_ANSI_NODE + "7fff0400"))).handle();
        handles.installProtocolInterface(terminal, Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, conOut);
        handles.installProtocolInterface(terminal, Guid.EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID, conInEx);
        handles.installProtocolInterface(terminal, Guid.EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID, conIn);
        // OVMF's ConPlatformDxe tags the console devices the ConIn/ConOut/ErrOut variables name with NULL-interface
        // protocols (captures/ovmf-q35-2g.firmware.txt, handle 178: StdErr, ConOut and ConIn device on the terminal);
        // loaders look for them (Linux's EFI stub prefers the GOP whose handle has the console-out device GUID)
        handles.installProtocolInterface(terminal, STANDARD_ERROR_DEVICE_GUID, 0);
        handles.installProtocolInterface(terminal, CONSOLE_OUT_DEVICE_GUID, 0);
        handles.installProtocolInterface(terminal, CONSOLE_IN_DEVICE_GUID, 0);
    }

    /** EDK2 {@code gEfiConsoleInDeviceGuid}, {@code gEfiConsoleOutDeviceGuid}, {@code gEfiStandardErrorDeviceGuid}. */
    static final Guid CONSOLE_IN_DEVICE_GUID = Guid.parse("D3B36F2B-D551-11D4-9A46-0090273FC14D");
    static final Guid CONSOLE_OUT_DEVICE_GUID = Guid.parse("D3B36F2C-D551-11D4-9A46-0090273FC14D");
    static final Guid STANDARD_ERROR_DEVICE_GUID = Guid.parse("D3B36F2D-D551-11D4-9A46-0090273FC14D");

    /** The EFI_RNG_PROTOCOL with its seed, when the machine has one ({@link UefiMachineBuilder#rng(long)}). */
    public Optional<EfiRng> rng() {
        return Optional.ofNullable(rng);
    }

    /** The display's Graphics Output Protocol, when the machine has one ({@link UefiMachineBuilder#graphics}). */
    public Optional<GraphicsOutput> graphics() {
        return Optional.ofNullable(graphics);
    }

    /** Starts configuring a machine for {@code platform}. */
    public static UefiMachineBuilder builder(PlatformDescription platform) {
        return new UefiMachineBuilder(platform);
    }

    private static CpuDescription cpu(PlatformDescription.Cpu c) {
        CpuDescription g = CpuDescription.genericIntel();
        String vendor = c.vendor().length() == 12 ? c.vendor() : g.vendor();
        String brand = c.brand().length() > 47 ? c.brand().substring(0, 47) : c.brand();
        return new CpuDescription(vendor, c.family(), c.model(), c.stepping(), brand, Math.max(1, Math.min(255, c.count())),
                g.leaf1Ecx(), g.leaf1Edx(), g.leaf7Ebx(), g.ext1Ecx(), g.ext1Edx(), g.physicalAddressBits());
    }

    private void installConsoles(GuestMemory memory, FirmwareArena.Region bootData, ConsoleListener out) {
        PlatformDescription.Console size = platform.console();
        SimpleTextOutput conOut = new SimpleTextOutput("ConOut", ConsoleListener.Source.CON_OUT, size.columns(), size.rows(),
                memory, bootData, dispatcher, out);
        SimpleTextOutput stdErr = new SimpleTextOutput("StdErr", ConsoleListener.Source.STD_ERR, size.columns(), size.rows(),
                memory, bootData, dispatcher, out);
        long outHandle = handles.installProtocolInterface(0, Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, conOut.address()).handle();
        conOutHandle = outHandle;
        conOutInterface = conOut.address();
        long errHandle = handles.installProtocolInterface(0, Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, stdErr.address()).handle();
        systemTable.setConsoles(outHandle, conOut.address(), errHandle, stdErr.address());
    }

    /**
     * Extra boot-data room for LoadOptions longer than the slack the region always has (2 KiB characters), so any
     * accepted length fits; short options keep the usual layout (and addresses) unchanged.
     */
    private static long longLoadOptionsRoom(String options) {
        return options.length() <= 2048 ? 0 : (2L * (options.length() + 1) + 0xFFF) & ~0xFFFL;
    }

    /**
     * The ACPI fixed hardware the FADT names (PM1a at 0x600, reset register 0xCF9; {@link AcpiPowerManagement}): a
     * guest's S5 write to PM1a_CNT ends the run as ResetSystem(EfiResetShutdown) does, a reset through 0xCF9 as
     * ResetSystem(EfiResetCold/EfiResetWarm) does (UEFI 2.10 §8.5.1; ACPI 6.5 §7.4.2, §4.8.3.6).
     */
    private void attachPowerManagement() {
        AcpiPowerManagement pm = new AcpiPowerManagement(machine.clock()::nanos,
                () -> hardwareReset("EfiResetShutdown", String.format("ACPI S5: SLP_TYP %d | SLP_EN written to PM1a_CNT "
                        + "0x%X", AcpiTablesBuilder.S5_SLP_TYP, AcpiTablesBuilder.PM1A_CNT_BLK)),
                type -> hardwareReset(type == 2 ? "EfiResetCold" : "EfiResetWarm", String.format(
                        "reset control register 0x%X written (SYS_RST%s)", AcpiTablesBuilder.RESET_PORT,
                        type == 2 ? " | FULL_RST" : "")));
        machine.attachIoPorts(AcpiPowerManagement.FIRST_PORT, AcpiPowerManagement.PORT_COUNT, pm);
        machine.attachIoPorts(AcpiTablesBuilder.RESET_PORT, 1, pm.resetControl());
        // PM_TMR is a pure function of virtual time: whole reads of it are answered in C (GRUB polls it ~180 000 times)
        machine.serveCounterPorts(AcpiTablesBuilder.PM_TMR_BLK, 4, AcpiPowerManagement.PM_TIMER_BITS,
                AcpiPowerManagement.PM_TIMER_HZ);
    }

    private void hardwareReset(String type, String how) {
        state.reset(new FirmwareState.ResetRequest(type, "EFI_SUCCESS", ""));
        machine.requestStop(how);
    }

    /** RegisterProtocolNotify events are signalled through the event service (EDK2 {@code CoreNotifyProtocolEntry}). */
    private void signalProtocolNotify(long event) {
        firmware.events.signalEvent(event);
    }

    private void afterExitBootServices() {
        if (options.stopAfterExitBootServices) {
            machine.requestStop("ExitBootServices succeeded");
        }
    }

    /**
     * Runs the image from its entry point until it returns, ExitBootServices ends the run (when asked), ResetSystem,
     * a violation, a fault or a limit. A machine runs once.
     */
    public BootResult run() {
        if (ran) {
            throw new IllegalStateException("UefiMachine.run(): this machine already ran " + image.name() + "; build a new one");
        }
        ran = true;
        firmware.started();
        memoryMap.startApplication();
        state.watchdogDeadline(machine.clock().nanos() + BOOT_WATCHDOG_SECONDS * 1_000_000_000L);
        long rsp = stackTop - 0x28;
        machine.memory().putU64(rsp, imageReturn);
        machine.engine().reg(X86Reg.RCX, imageHandle);
        machine.engine().reg(X86Reg.RDX, systemTable.address());
        machine.engine().reg(X86Reg.RSP, rsp);
        // real firmware starts applications at TPL_APPLICATION with interrupts enabled (EDK2 enables them when the
        // TPL drops below TPL_HIGH_LEVEL; UEFI 2.10 §7.1.8)
        machine.engine().reg(X86Reg.RFLAGS, machine.engine().reg(X86Reg.RFLAGS) | RFLAGS_IF);
        StopReport report = runWithTimerInterrupts(image.entryPoint());
        return new BootResult(outcome(report), state.imageReturnStatus(), report, console, trace.events(),
                memoryServices.livePageAllocations(), memoryServices.livePoolAllocations(), state.finalMap(),
                state.unimplementedCalls(), state.violations(), state.reset(), image, machine.clock().nanos(),
                diagnosis(report));
    }

    /** Where the run stopped (image+offset, a firmware stub, or hex) and what the guest asked for and did not get. */
    private StopDiagnosis diagnosis(StopReport report) {
        long rip = report.rip();
        // a labelled firmware stub (where a returning image ends) is named before any backward scan for PE headers,
        // which would read up to 64 MiB of firmware memory page by page for nothing
        String site = images.imageAt(rip).isPresent() ? images.describe(rip)
                : labelAt(rip).map(l -> "0x" + org.efiemu.uefi.spec.HexText.upper(rip) + " (" + l + ")") // %X's text
                        .orElseGet(() -> images.describe(rip));
        return new StopDiagnosis(site, unmet.list(), images.found());
    }

    /** RFLAGS.IF: maskable interrupts enabled. */
    private static final long RFLAGS_IF = 1L << 9;

    /**
     * Runs the image with the firmware's timer tick ({@link TimerTick}): while interrupts are enabled and the TPL is
     * below TPL_HIGH_LEVEL, timers that fall due on virtual time fire asynchronously at a block boundary and their
     * notification functions run, whatever the guest is doing; a HLT with interrupts enabled waits for the next timer
     * (virtual time jumps to its trigger time) and the guest goes on after its HLT, as after a real interrupt. When no
     * timer is armed (or after ExitBootServices, when no firmware timer runs), nothing can end such a HLT: the run
     * stops ({@link BootOutcome#WAITS_FOREVER}). The instruction budget and wall-clock limit cover the whole run.
     */
    private StopReport runWithTimerInterrupts(long entry) {
        StopReport report = machine.run(entry, new RunLimits(options.instructionBudget, options.wallClock));
        if (report.reason() == StopReason.HLT && (report.reg(X86Reg.RFLAGS) & RFLAGS_IF) != 0
                && state.violations().isEmpty() && state.reset().isEmpty() && state.imageReturnStatus().isEmpty()) {
            String what = "HLT with interrupts enabled and " + (state.exitedBootServices()
                    ? "Boot Services gone (no firmware timer runs after ExitBootServices)"
                    : firmware.events.nextTimerDeadline().isPresent() ? "no stack to take the timer interrupt on (RSP 0x"
                    + Long.toHexString(report.reg(X86Reg.RSP)) + " is not RAM)" : "no timer armed")
                    + ": nothing can wake the CPU";
            state.waitsForever(what, report.rip() - 1);
            return new StopReport(report.reason(), what, report.rip(), report.ripLabel(), report.bytesAtRip(),
                    report.registers(), report.recentCalls(), report.instructions(), report.cycles(),
                    report.returnValue());
        }
        if (report.reason() == StopReason.BUDGET || report.reason() == StopReason.TIMEOUT) {
            String held = timerTick.heldNotifications((report.reg(X86Reg.RFLAGS) & RFLAGS_IF) == 0);
            if (!held.isEmpty()) {
                return new StopReport(report.reason(), report.detail() + "; " + held, report.rip(), report.ripLabel(),
                        report.bytesAtRip(), report.registers(), report.recentCalls(), report.instructions(),
                        report.cycles(), report.returnValue());
            }
        }
        return report;
    }

    /**
     * {timer ticks taken (HLT wake-ups included), ticks masked (interrupts off, TPL_HIGH_LEVEL, Boot Services gone),
     * of those masked with RFLAGS.IF clear} so far.
     */
    public long[] timerTickStatistics() {
        return timerTick.statistics();
    }

    /** Records a jump to address 0; the caller is the return address at {@code rsp} (the call just pushed it). */
    private void jumpToNull(long rsp) {
        GuestMemory memory = machine.memory();
        long caller = memory.isRam(rsp, 8) ? memory.u64(rsp) : 0;
        state.violation("jump-to-null", "execution reached address 0" + (state.exitedBootServices()
                ? " (a call through the zero-filled Boot Services table after ExitBootServices)"
                : " (a call through a NULL function pointer)"), caller);
    }

    private BootOutcome outcome(StopReport r) {
        if (r.reason() == StopReason.TRIPLE_FAULT && state.reset().isEmpty()) {
            // the processor shuts down and a PC's chipset resets it (Intel SDM vol. 3A §6.15, interrupt 8)
            state.reset(new FirmwareState.ResetRequest("triple fault", "", r.detail()));
        }
        if (r.rip() == 0 && state.violations().isEmpty() && state.reset().isEmpty()) {
            jumpToNull(r.reg(X86Reg.RSP)); // page 0 not executable: the fetch faulted before the code hook ran
        }
        if (state.reset().isPresent()) {
            return BootOutcome.RESET;
        }
        if (!state.violations().isEmpty()) {
            return BootOutcome.VIOLATION;
        }
        if (state.imageReturnStatus().isPresent()) {
            return BootOutcome.RETURNED;
        }
        if (state.waitingForever().isPresent()) {
            return BootOutcome.WAITS_FOREVER;
        }
        if (r.reason() == StopReason.HOST_STOP && state.exitedBootServices() && options.stopAfterExitBootServices) {
            return BootOutcome.EXITED_BOOT_SERVICES;
        }
        if (r.reason() == StopReason.HOST_STOP && budget.exhausted().isPresent()) {
            return BootOutcome.BUDGET_EXHAUSTED;
        }
        return switch (r.reason()) {
            case BUDGET -> BootOutcome.BUDGET_EXHAUSTED;
            case TIMEOUT -> BootOutcome.TIME_LIMIT;
            case HLT -> BootOutcome.HALTED;
            default -> BootOutcome.FAULT;
        };
    }

    /**
     * Adds (or replaces, or removes with {@code table} 0) an entry of the system table's configuration array, as
     * InstallConfigurationTable does (UEFI 2.10 §7.3.19). For ACPI/SMBIOS builders, before {@link #run()}.
     */
    public EfiStatus installConfigurationTable(Guid guid, long table) {
        return systemTable.installConfigurationTable(guid, table);
    }

    public Machine machine() {
        return machine;
    }

    public PlatformDescription platform() {
        return platform;
    }

    public MemoryMap memoryMap() {
        return memoryMap;
    }

    public HandleDatabase handles() {
        return handles;
    }

    public SystemTable systemTable() {
        return systemTable;
    }

    /** Interception and replacement of services by name. */
    public ServiceDispatcher services() {
        return dispatcher;
    }

    public ServiceTrace trace() {
        return trace;
    }

    public FirmwareState state() {
        return state;
    }

    public LoadedImage image() {
        return image;
    }

    public long imageHandle() {
        return imageHandle;
    }

    /** The labelled pieces of firmware memory (tables, stubs, stack, handles, strings). */
    public List<FirmwareArena.Piece> arena() {
        return arena.pieces();
    }

    /**
     * What firmware code or data {@code address} is in: the service stub of either trap region ({@code AllocatePages},
     * {@code GetTime}: Boot and Runtime Services tables, UEFI 2.10 §4.4-4.5), else the arena piece holding it
     * ({@code "EFI_SYSTEM_TABLE"}); empty for other memory.
     */
    public Optional<String> labelAt(long address) {
        String stub = machine.gate().labelAt(address);
        if (stub == null) stub = runtimeGate.labelAt(address);
        if (stub != null && !stub.startsWith("<")) return Optional.of(stub + " stub");
        return arena.pieceAt(address).map(FirmwareArena.Piece::label);
    }

    /** The live pool blocks (AllocatePool, EDK2 {@code Pool.c}), by address; read-only. */
    public List<PoolAllocation> livePool() {
        return memoryServices.livePoolAllocations();
    }

    public ImageRegistry images() {
        return images;
    }

    /** The variable store (seeded from the platform; what SetVariable wrote). */
    public VariableStore variables() {
        return firmware.variables;
    }

    /** Events, timers and TPL. */
    public EventService events() {
        return firmware.events;
    }

    /** The map a successful SetVirtualAddressMap received. */
    public Optional<List<MemoryDescriptor>> virtualAddressMap() {
        return virtualMemory.virtualMap();
    }

    /** The ACPI tables installed at boot, when the platform's map had room for them in ACPI memory. */
    public Optional<AcpiTables> acpiTables() {
        return firmware.tables.acpi();
    }

    /** The DXE services table (GCD memory space model), when the platform presents it. */
    public Optional<org.efiemu.uefi.tables.DxeServicesTable> dxeServicesTable() {
        return firmware.tables.dxeServices();
    }

    /** The HOB list, when the platform presents it. */
    public Optional<org.efiemu.uefi.tables.HobList> hobList() {
        return firmware.tables.hobList();
    }

    /** The PCI root bridge and PciIo handles (none when the platform records no PCI device). */
    public org.efiemu.uefi.pci.PciProtocols pci() {
        return pci;
    }

    /** The SMBIOS 3 tables installed at boot, when the platform's map had room for them. */
    public Optional<SmbiosTables> smbiosTables() {
        return firmware.tables.smbios();
    }

    /** The ESP, when one was configured. */
    public Optional<EspVolume> esp() {
        return firmware.esp();
    }

    @Override
    public void close() {
        disks.forEach(d -> d.image().close());
        if (espDisk != null) {
            espDisk.close();
        }
        nullJump.close();
        runtimeGate.close();
        machine.close();
    }
}
