package org.efiemu.uefi;

import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.acpi.AcpiTables;
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
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.diagnostics.StopDiagnosis;
import org.efiemu.uefi.diagnostics.UnmetRequests;
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
    private final Machine machine;
    private final CallGate runtimeGate;
    private final MemoryMap memoryMap;
    private final MemoryServices memoryServices;
    private final SystemTable systemTable;
    private final HandleDatabase handles;
    private final ServiceTrace trace = new ServiceTrace();
    private final ImageRegistry images = new ImageRegistry();
    private final FirmwareState state = new FirmwareState(images::describe);
    private final ConsoleLog console = new ConsoleLog();
    private final ServiceDispatcher dispatcher;
    private final LoadedImage image;
    private final long imageHandle;
    private final long stackTop;
    private final long imageReturn;
    private final Hook nullJump;
    private final FirmwareServices firmware;
    private final VirtualMemoryAbi virtualMemory;
    private boolean ran;
    private final int tableRevision;
    private GraphicsOutput graphics;
    private final UnmetRequests unmet;

    UefiMachine(UefiMachineBuilder b) {
        options = b;
        platform = b.platform;
        PlatformDescription.Firmware fw = platform.firmware();
        tableRevision = tableRevision(platform);
        PeImage pe;
        try {
            pe = PeParser.parse(b.payload, b.payloadName);
        } catch (PeFormatException e) {
            throw new IllegalArgumentException("payload " + b.payloadName + " is not a loadable PE32+ image: " + e.getMessage(), e);
        }
        PhysicalLayout layout = PlatformMemory.layout(platform.memoryMap());
        if (b.graphics != null) {
            layout = GraphicsOutput.withFramebuffer(layout, b.graphics);
        }
        arena = new FirmwareArena(platform.memoryMap());
        long structures = Machine.structuresSize(layout);
        FirmwareArena.Region bootData = arena.region(MemoryType.EfiBootServicesData,
                structures + STACK_SIZE + TRAP_SIZE + BOOT_DATA_EXTRA + 0x2000, "boot-time structures");
        FirmwareArena.Region runtimeData = arena.region(MemoryType.EfiRuntimeServicesData, 0x2000, "runtime tables");
        FirmwareArena.Region runtimeCode = arena.region(MemoryType.EfiRuntimeServicesCode, 0x1000, "Runtime Services stubs");
        long cpuStructures = bootData.take("GDT, IDT, identity page tables", structures, 0x1000);
        long stackBase = bootData.take("application stack (128 KiB)", STACK_SIZE, 0x1000);
        stackTop = stackBase + STACK_SIZE;
        long bootTrap = bootData.take("Boot Services and protocol stubs", TRAP_SIZE, 0x1000);
        long rtTrap = runtimeCode.take("Runtime Services stubs", 0x1000, 0x1000);
        machine = Machine.builder(layout).cpuStructuresAt(cpuStructures).stackTop(stackTop)
                .trapRegion(bootTrap, TRAP_SIZE).cpu(cpu(platform.cpu())).instructionCounting(b.counting).build();
        try {
            GuestMemory memory = machine.memory();
            images.discoverIn(memory);
            runtimeGate = new CallGate(machine.engine(), memory, rtTrap, 0x1000, machine::requestStop,
                    machine.clock()::hostCall);
            memoryMap = MemoryMap.builder(platform.memoryMap()).placement(platform.placement())
                    .descriptorSize(platform.descriptorSize()).descriptorVersion(platform.descriptorVersion()).build();
            systemTable = new SystemTable(memory, runtimeData, bootData, tableRevision, fw.vendor(), fw.revision());
            handles = new HandleDatabase(() -> bootData.take("EFI_HANDLE", 16, 16),
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
            dispatcher.install(systemTable, new Adapters(memoryAbi, misc, new ProtocolAbi(handles),
                    new RuntimeAbi(state, counter),
                    firmware.eventAbi(machine, state, misc, memoryAbi, this::afterExitBootServices),
                    firmware.handleAbi(handles), firmware.imageAbi(machine, handles, state, systemTable, this::imageHandle),
                    firmware.timeAbi(), firmware.variableAbi(), virtualMemory));
            unmet = new UnmetRequests(g -> handles.locateProtocol(g, 0).status() == EfiStatus.SUCCESS);
            trace.addListener(unmet);
            b.traceListeners.forEach(trace::addListener);
            ConsoleListener out = (source, text) -> {
                console.text(source, text);
                b.consoleListeners.forEach(l -> l.text(source, text));
            };
            installConsoles(memory, bootData, out);
            machine.serial().addListener(ch -> out.text(ConsoleListener.Source.SERIAL, String.valueOf((char) ch)));
            // the boot manager reads the file into a pool buffer first (EDK2 EfiBootManagerBoot); a given load
            // address is a multiboot2-style load without one
            image = b.loadAddress >= 0 ? ImageLoader.load(pe, memoryMap, memory, b.loadAddress)
                    : ImageLoader.loadFromFile(pe, b.payload, memoryMap, pool, memory);
            images.add(image);
            for (var code : ImageCode.possiblyNonZero(pe).asRanges()) {  // the rest of the image is zero (bss)
                machine.declareCode(image.base() + code.lowerEndpoint(), code.upperEndpoint() - code.lowerEndpoint());
            }
            long protocol = LoadedImageProtocol.write(memory, bootData, image, systemTable.address(), 0, 0,
                    b.effectiveFilePath(image.name()), b.loadOptions);
            imageHandle = handles.installProtocolInterface(0, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, protocol).handle();
            long espHandle = firmware.installDevices(b, memory, bootData, dispatcher, handles, systemTable);
            if (b.graphics != null) {
                installGraphics(b.graphics, memory, bootData, firmware);
            }
            if (b.initrd != null) {
                new org.efiemu.uefi.protocol.InitrdLoadFile2(b.initrd, memory, bootData, dispatcher, handles);
            }
            memory.putU64(protocol + LoadedImageProtocol.DEVICE_HANDLE, espHandle);
            imageReturn = machine.gate().register("image return", 1, ctx -> {
                state.imageReturned(ctx.reg(X86Reg.RAX));
                ctx.stop("the image's entry point returned");
                return ctx.reg(X86Reg.RAX);
            });
            nullJump = machine.engine().addCodeHook(0, 0, (address, size) -> {
                jumpToNull(machine.engine().reg(X86Reg.RSP));
                machine.requestStop("jump to address 0");
            });
        } catch (RuntimeException | Error e) {
            machine.close();
            throw e;
        }
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
        DevicePath path = DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(0x01, 0), DevicePath.end());
        byte[] bytes = path.toBytes();
        long dp = bootData.take("GOP device path " + path, bytes.length, 8);
        memory.write(dp, bytes);
        long handle = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, dp).handle();
        handles.installProtocolInterface(handle, Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, graphics.address());
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
        long errHandle = handles.installProtocolInterface(0, Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, stdErr.address()).handle();
        systemTable.setConsoles(outHandle, conOut.address(), errHandle, stdErr.address());
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
        state.watchdogDeadline(machine.clock().nanos() + BOOT_WATCHDOG_SECONDS * 1_000_000_000L);
        long rsp = stackTop - 0x28;
        machine.memory().putU64(rsp, imageReturn);
        machine.engine().reg(X86Reg.RCX, imageHandle);
        machine.engine().reg(X86Reg.RDX, systemTable.address());
        machine.engine().reg(X86Reg.RSP, rsp);
        StopReport report = machine.run(image.entryPoint(), new RunLimits(options.instructionBudget, options.wallClock));
        return new BootResult(outcome(report), state.imageReturnStatus(), report, console, trace.events(),
                memoryServices.livePageAllocations(), memoryServices.livePoolAllocations(), state.finalMap(),
                state.unimplementedCalls(), state.violations(), state.reset(), image, machine.clock().nanos(),
                diagnosis(report));
    }

    /** Where the run stopped (image+offset, a firmware stub, or hex) and what the guest asked for and did not get. */
    private StopDiagnosis diagnosis(StopReport report) {
        long rip = report.rip();
        String site = images.imageAt(rip).isPresent() || images.foundAt(rip).isPresent() ? images.describe(rip)
                : labelAt(rip).map(l -> String.format("0x%X (%s)", rip, l)).orElse(images.describe(rip));
        return new StopDiagnosis(site, unmet.list(), images.found());
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
        if (r.reason() == StopReason.HOST_STOP && state.exitedBootServices() && options.stopAfterExitBootServices) {
            return BootOutcome.EXITED_BOOT_SERVICES;
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
        nullJump.close();
        runtimeGate.close();
        machine.close();
    }
}
