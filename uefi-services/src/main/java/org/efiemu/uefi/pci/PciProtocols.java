package org.efiemu.uefi.pci;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.boot.ServiceHandler;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The PCI handles a platform's firmware presents (UEFI 2.10 §14), from the profile's {@code pci-device} lines, as OVMF
 * 2022.11 has them: one PCI root bridge handle per segment with {@code EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL} and its device
 * path (PciRoot(0x0)), then one handle per function with {@code EFI_PCI_IO_PROTOCOL} and its device path, in the
 * profile's order (the firmware's handle order, so LocateHandleBuffer(ByProtocol) lists them as it does).
 *
 * <p>Implemented over {@link PciConfigSpace}: the root bridge's Pci.Read/Pci.Write (EFI_PCI_ADDRESS: register, function,
 * device, bus, extended register; functions no device answers read as all ones) and Flush; each function's
 * Pci.Read/Pci.Write, GetLocation, Attributes (Get, Supported, Set, Enable, Disable within the supported set) and
 * Flush. Over {@link PciBarSpace}: Mem.Read/Write and Io.Read/Write of the captured BARs; over {@link PciDma}:
 * Map/Unmap/AllocateBuffer/FreeBuffer; GetBarAttributes returns the captured Supports and a pool copy of the captured
 * ACPI resource descriptors (the caller frees it, as with EDK2's AllocateZeroPool'd copy). RomSize and RomImage are
 * the captured option ROM's, its bytes in EfiBootServicesData memory of the platform's map (OVMF's PCI bus driver keeps
 * the ROM in a boot-services pool buffer); a function whose ROM bytes were not captured has RomSize 0 and RomImage NULL.
 * PollMem, PollIo, CopyMem and SetBarAttributes as EDK2's PciBusDxe over the root bridge ({@link PciIoExtras}). The
 * root bridge's Mem, Io, PollMem, PollIo, CopyMem, DMA, GetAttributes, SetAttributes and Configuration are
 * {@link PciRootBridgeIo}'s when the profile has the root bridge's facts ({@link PciRootBridge}); without them those
 * slots return EFI_UNSUPPORTED and are recorded in the trace as unimplemented calls.
 * One set of stubs serves every handle; {@code This} selects the function.
 */
public final class PciProtocols {
    public static final Guid ROOT_BRIDGE_IO_GUID = Guid.parse("2F707EBB-4A1A-11D4-9A38-0090273FC14D");
    /** PollMem, PollIo, Mem.Read/Write, Io.Read/Write, Pci.Read/Write, CopyMem, Map, Unmap, AllocateBuffer, FreeBuffer,
     *  Flush, GetLocation, Attributes, GetBarAttributes, SetBarAttributes; RomSize; RomImage. */
    public static final int PCI_IO_SIZE = 18 * 8 + 16;
    /** ParentHandle, 17 functions, SegmentNumber (and padding). */
    public static final int ROOT_BRIDGE_SIZE = 8 + 17 * 8 + 8;
    /** Bits of EFI_PCI_IO_PROTOCOL.Attributes Operation: Get, Set, Enable, Disable, Supported. */
    static final String[] OPERATIONS = {"EfiPciIoAttributeOperationGet", "EfiPciIoAttributeOperationSet",
            "EfiPciIoAttributeOperationEnable", "EfiPciIoAttributeOperationDisable", "EfiPciIoAttributeOperationSupported"};

    private final GuestMemory memory;
    private final PciConfigSpace space;
    private final Map<Long, PciDevice> byInterface = new HashMap<>();
    private final Map<Long, Integer> rootBridges = new HashMap<>();
    private final Map<String, Long> attributes = new HashMap<>();
    private final List<Long> deviceHandles = new ArrayList<>();
    private final Map<String, Long> interfaceOf = new HashMap<>();
    private final PciDma.Host host;
    private final PciDma dma;
    private final List<Backing> backings = new ArrayList<>();
    private long rootBridgeHandle;
    /** The captured facts of each root bridge instance (interface address), when the profile has them. */
    private final Map<Long, PciRootBridge> rootBridgeFacts = new HashMap<>();
    private final Map<Integer, PciRootBridge> factsBySegment = new HashMap<>();
    private final Map<Long, Long> configurationBuffers = new HashMap<>();
    private PollWait wait = (c, nanos, matched) -> false;
    private java.util.function.BooleanSupplier waitMayNotify = () -> false;

    /** A physical range a device model serves (the GOP framebuffer), which a BAR may cover. */
    private record Backing(long base, long length, org.efiemu.core.engine.Hooks.MmioHandler handler) {}

    private PciProtocols(GuestMemory memory, PciConfigSpace space, PciDma.Host host) {
        this.memory = memory;
        this.space = space;
        this.host = host;
        this.dma = host == null ? null : new PciDma(host);
    }

    /** Installs the handles without DMA buffers (Map, Unmap, AllocateBuffer, FreeBuffer, GetBarAttributes unbound). */
    public static PciProtocols install(List<PciDevice> devices, GuestMemory memory, FirmwareArena.Region structures,
            ServiceDispatcher dispatcher, HandleDatabase handles) {
        return install(devices, memory, structures, dispatcher, handles, null);
    }

    /**
     * Installs the root bridge and function handles; nothing when {@code devices} is empty.
     *
     * @param structures firmware memory for the protocol structures and device paths
     */
    public static PciProtocols install(List<PciDevice> devices, GuestMemory memory, FirmwareArena.Region structures,
            ServiceDispatcher dispatcher, HandleDatabase handles, PciDma.Host host) {
        return install(devices, List.of(), memory, structures, dispatcher, handles, host);
    }

    /**
     * Installs the root bridge and function handles; nothing when {@code devices} is empty. A root bridge whose segment
     * has captured facts ({@code rootBridges}, the profile's {@code pci-root-bridge} lines) also answers Mem, Io,
     * PollMem, PollIo, CopyMem, the DMA functions, GetAttributes, SetAttributes and Configuration
     * ({@link PciRootBridgeIo}); without them those slots return EFI_UNSUPPORTED and are recorded.
     */
    public static PciProtocols install(List<PciDevice> devices, List<PciRootBridge> rootBridges, GuestMemory memory,
            FirmwareArena.Region structures, ServiceDispatcher dispatcher, HandleDatabase handles, PciDma.Host host) {
        PciProtocols p = new PciProtocols(memory, new PciConfigSpace(devices), host);
        if (devices.isEmpty()) {
            return p;
        }
        rootBridges.forEach(r -> p.factsBySegment.put(r.segment(), r));

        long[] pciIo = p.pciIoFunctions(dispatcher);
        long[] root = p.rootBridgeFunctions(dispatcher);
        for (int segment : devices.stream().mapToInt(PciDevice::segment).distinct().sorted().toArray()) {
            long rb = structures.take("EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL segment " + segment, ROOT_BRIDGE_SIZE, 16);
            memory.putU64(rb, 0);
            for (int i = 0; i < root.length; i++) {
                memory.putU64(rb + 8 + 8L * i, root[i]);
            }
            memory.putU64(rb + 8 + 17 * 8L, segment);
            byte[] path = DevicePath.of(DevicePath.pciRoot(segment), DevicePath.end()).toBytes();
            long dp = structures.take("PciRoot(0x" + Integer.toHexString(segment) + ") device path", path.length, 8);
            memory.write(dp, path);
            long h = handles.installProtocolInterface(0, ROOT_BRIDGE_IO_GUID, rb).handle();
            handles.installProtocolInterface(h, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, dp);
            memory.putU64(rb, h); // ParentHandle: the root bridge's own handle (EDK2: the host bridge's image handle)
            p.rootBridges.put(rb, segment);
            PciRootBridge facts = p.factsBySegment.get(segment);
            if (facts != null) {
                p.rootBridgeFacts.put(rb, facts);
                byte[] cfg = facts.configuration();
                long buffer = structures.take("PciRoot(0x" + Integer.toHexString(segment) + ") Configuration resources",
                        cfg.length, 8);
                memory.write(buffer, cfg);
                p.configurationBuffers.put(rb, buffer);
            }
            if (p.rootBridgeHandle == 0) {
                p.rootBridgeHandle = h;
            }
        }
        for (PciDevice d : devices) {
            long io = structures.take("EFI_PCI_IO_PROTOCOL " + d.location(), PCI_IO_SIZE, 16);
            for (int i = 0; i < pciIo.length; i++) {
                memory.putU64(io + 8L * i, pciIo[i]);
            }
            memory.putU64(io + 18 * 8L, 0); // RomSize
            memory.putU64(io + 18 * 8L + 8, 0); // RomImage
            byte[] path = d.devicePath();
            long dp = structures.take(DevicePath.parse(path) + " device path", path.length, 8);
            memory.write(dp, path);
            long h = handles.installProtocolInterface(0, Guid.EFI_PCI_IO_PROTOCOL_GUID, io).handle();
            handles.installProtocolInterface(h, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, dp);
            p.byInterface.put(io, d);
            p.interfaceOf.put(d.location(), io);
            p.attributes.put(d.location(), d.attributes());
            p.deviceHandles.add(h);
        }
        return p;
    }

    /** Bytes the captured option ROMs need in guest memory (each 16-byte aligned). */
    public static long romBytes(List<PciDevice> devices) {
        return devices.stream().filter(PciDevice::hasRomImage).mapToLong(d -> (d.romSize() + 15) & -16L).sum();
    }

    /**
     * Copies each captured option ROM into {@code region} (EfiBootServicesData of the platform's map) and sets the
     * function's RomSize and RomImage to it.
     */
    public void placeRomImages(FirmwareArena.Region region) {
        for (Map.Entry<Long, PciDevice> e : byInterface.entrySet()) {
            PciDevice d = e.getValue();
            if (!d.hasRomImage()) {
                continue;
            }
            long at = region.take("option ROM of PCI " + d.location(), d.romSize(), 16);
            memory.write(at, d.romImage());
            memory.putU64(e.getKey() + 18 * 8L, d.romSize());
            memory.putU64(e.getKey() + 18 * 8L + 8, at);
        }
    }

    /**
     * Declares that {@code [base, base+length)} is served by a device model (efiemu's GOP framebuffer at the stdvga
     * function's framebuffer BAR): Mem.Read/Write of a BAR range inside it go to that model, as on QEMU they reach the
     * VGA memory.
     */
    public void backMemory(long base, long length, org.efiemu.core.engine.Hooks.MmioHandler handler) {
        backings.add(new Backing(base, length, handler));
    }

    private Backing backing(long address, long span) {
        for (Backing b : backings) {
            if (address >= b.base() && span >= 0 && address + span <= b.base() + b.length()) {
                return b;
            }
        }
        return null;
    }

    /** The EFI_PCI_IO_PROTOCOL interface of a function, if it is presented. */
    public java.util.Optional<Long> interfaceOf(String location) {
        return java.util.Optional.ofNullable(interfaceOf.get(location));
    }

    /** The function handles, in install order. */
    public List<Long> deviceHandles() {
        return List.copyOf(deviceHandles);
    }

    public long rootBridgeHandle() {
        return rootBridgeHandle;
    }

    public PciConfigSpace space() {
        return space;
    }

    private long[] pciIoFunctions(ServiceDispatcher d) {
        String[] names = {"PollMem", "PollIo", "Mem.Read", "Mem.Write", "Io.Read", "Io.Write", "Pci.Read", "Pci.Write",
                "CopyMem", "Map", "Unmap", "AllocateBuffer", "FreeBuffer", "Flush", "GetLocation", "Attributes",
                "GetBarAttributes", "SetBarAttributes"};
        int[] arity = {8, 8, 6, 6, 6, 6, 5, 5, 7, 6, 2, 6, 3, 1, 5, 4, 4, 5};
        long[] out = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            ServiceHandler h = switch (names[i]) {
                case "Pci.Read" -> c -> pciIoConfig(c, false);
                case "Pci.Write" -> c -> pciIoConfig(c, true);
                case "Flush" -> this::pciIoFlush;
                case "GetLocation" -> this::getLocation;
                case "Attributes" -> this::attributes;
                case "Mem.Read" -> c -> barAccess(c, false, false);
                case "Mem.Write" -> c -> barAccess(c, false, true);
                case "Io.Read" -> c -> barAccess(c, true, false);
                case "Io.Write" -> c -> barAccess(c, true, true);
                case "Map" -> dma == null ? null : this::map;
                case "Unmap" -> dma == null ? null : this::unmap;
                case "AllocateBuffer" -> dma == null ? null : this::allocateBuffer;
                case "FreeBuffer" -> dma == null ? null : this::freeBuffer;
                case "GetBarAttributes" -> host == null ? null : this::getBarAttributes;
                case "PollMem" -> c -> PciIoExtras.pollBar(this, c, false);
                case "PollIo" -> c -> PciIoExtras.pollBar(this, c, true);
                case "CopyMem" -> c -> PciIoExtras.copyMem(this, c);
                case "SetBarAttributes" -> c -> PciIoExtras.setBarAttributes(this, c);
                default -> null;
            };
            out[i] = names[i].startsWith("Poll") ? registerPoll(d, "PciIo." + names[i], arity[i], h, 6)
                    : d.registerBootTime("PciIo." + names[i], arity[i], h);
        }
        return out;
    }

    private long[] rootBridgeFunctions(ServiceDispatcher d) {
        String[] names = {"PollMem", "PollIo", "Mem.Read", "Mem.Write", "Io.Read", "Io.Write", "Pci.Read", "Pci.Write",
                "CopyMem", "Map", "Unmap", "AllocateBuffer", "FreeBuffer", "Flush", "GetAttributes", "SetAttributes",
                "Configuration"};
        int[] arity = {7, 7, 5, 5, 5, 5, 5, 5, 5, 6, 2, 6, 3, 1, 3, 4, 2};
        long[] out = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            ServiceHandler h = switch (names[i]) {
                case "Pci.Read" -> c -> rootBridgeConfig(c, false);
                case "Pci.Write" -> c -> rootBridgeConfig(c, true);
                case "Flush" -> c -> {
                    c.arguments(ptr(c.arg(0)));
                    return rootBridges.containsKey(c.arg(0)) ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
                };
                default -> factsBySegment.isEmpty() ? null : PciRootBridgeIo.handler(this, names[i]);
            };
            out[i] = names[i].startsWith("Poll") ? registerPoll(d, "PciRootBridgeIo." + names[i], arity[i], h, 5)
                    : d.registerBootTime("PciRootBridgeIo." + names[i], arity[i], h);
        }
        return out;
    }

    private static String width(int w) {
        String[] n = {"Uint8", "Uint16", "Uint32", "Uint64"};
        String[] kind = {"", "Fifo", "Fill"};
        return w >= 0 && w < 12 ? "EfiPciWidth" + kind[w / 4] + n[w & 3] : Integer.toString(w);
    }

    /** {@code Pci.Read/Write(This, Width, Offset, Count, Buffer)} of EFI_PCI_IO_PROTOCOL. */
    private EfiStatus pciIoConfig(ServiceCall c, boolean write) {
        long self = c.arg(0);
        int w = c.argU32(1);
        long offset = c.argU32(2) & 0xFFFF_FFFFL;
        long count = c.arg(3);
        long buffer = c.arg(4);
        c.arguments(ptr(self), width(w), hex(offset), count, ptr(buffer));
        PciDevice d = byInterface.get(self);
        if (d == null || w < 0 || w > 11) {
            return EfiStatus.INVALID_PARAMETER;
        }
        // PciBusDxe's PciIoVerifyConfigAccess: the range (no lock); then the root bridge's checks (Buffer NULL, an
        // offset not aligned to the width), whose errors PciBusDxe reports as a status code (RFLAGS.IF set)
        int unit = PciConfigSpace.unitBytes(w);
        long span = (w >= 4 && w < 8 ? 1 : count) * unit;
        if (count < 0 || count > PciDevice.CONFIG_SIZE || offset + span > PciDevice.CONFIG_SIZE) {
            c.output(String.format("%d units of %d bytes at 0x%X leave the %d bytes of configuration space", count,
                    unit, offset, PciDevice.CONFIG_SIZE));
            return EfiStatus.UNSUPPORTED;
        }
        if (buffer == 0) {
            c.lockTaken(true);
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((offset & (unit - 1)) != 0) {
            c.output(String.format("offset 0x%X is not aligned to %d bytes", offset, unit));
            c.lockTaken(true);
            return EfiStatus.UNSUPPORTED;
        }
        return config(c, d.location(), w, offset, count, buffer, write);
    }

    /** {@code Pci.Read/Write(This, Width, Address, Count, Buffer)} of EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL. */
    private EfiStatus rootBridgeConfig(ServiceCall c, boolean write) {
        long self = c.arg(0);
        int w = c.argU32(1);
        long address = c.arg(2);
        long count = c.arg(3);
        long buffer = c.arg(4);
        int register = (int) (address & 0xFF);
        int function = (int) ((address >>> 8) & 0xFF);
        int device = (int) ((address >>> 16) & 0xFF);
        int bus = (int) ((address >>> 24) & 0xFF);
        long extended = address >>> 32;
        c.arguments(ptr(self), width(w), String.format("%02x:%02x.%x reg 0x%X", bus, device, function,
                extended != 0 ? extended : register), count, ptr(buffer));
        Integer segment = rootBridges.get(self);
        if (segment == null || w < 0 || w > 11 || buffer == 0 || device > 31 || function > 7) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (extended != 0) {
            c.output("extended configuration space (0x100 and up) is not modelled");
            return EfiStatus.UNSUPPORTED;
        }
        return config(c, PciDevice.location(segment, bus, device, function), w, register, count, buffer, write);
    }

    private EfiStatus config(ServiceCall c, String location, int w, long offset, long count, long buffer, boolean write) {
        int unit = PciConfigSpace.unitBytes(w);
        PciConfigSpace.checkAccess(w, offset, count);
        int bytes = (int) (count * unit);
        // the buffer holds count units, except a Fill write (one unit) and a Fill read (the last unit lands there)
        long bufferBytes = w >= 8 ? unit : bytes;
        if (!c.isRam("Buffer", buffer, Math.max(1, bufferBytes), Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (write) {
            byte[] in = memory.read(buffer, (int) bufferBytes);
            space.write(location, w, (int) offset, (int) count, in);
            c.output(location + " <- " + java.util.HexFormat.of().formatHex(in, 0, Math.min(in.length, 16)));
        } else {
            byte[] out = space.read(location, w, (int) offset, (int) count);
            if (w >= 8) { // Fill on a read: the buffer stays, the last unit read is what it holds
                memory.write(buffer, java.util.Arrays.copyOfRange(out, out.length - unit, out.length));
            } else {
                memory.write(buffer, out);
            }
            c.output(location + " -> " + java.util.HexFormat.of().formatHex(out, 0, Math.min(out.length, 16)));
        }
        return EfiStatus.SUCCESS;
    }

    private EfiStatus pciIoFlush(ServiceCall c) {
        c.arguments(ptr(c.arg(0)));
        return byInterface.containsKey(c.arg(0)) ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    /** {@code GetLocation(This, *SegmentNumber, *BusNumber, *DeviceNumber, *FunctionNumber)}. */
    private EfiStatus getLocation(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), ptr(c.arg(1)), ptr(c.arg(2)), ptr(c.arg(3)), ptr(c.arg(4)));
        PciDevice d = byInterface.get(c.arg(0));
        if (d == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        String[] names = {"SegmentNumber", "BusNumber", "DeviceNumber", "FunctionNumber"};
        for (int i = 1; i <= 4; i++) {
            if (!c.isRam(names[i - 1], c.arg(i), 8, Align.UINT64)) {
                return EfiStatus.INVALID_PARAMETER;
            }
        }
        memory.putU64(c.arg(1), d.segment());
        memory.putU64(c.arg(2), d.bus());
        memory.putU64(c.arg(3), d.device());
        memory.putU64(c.arg(4), d.function());
        c.output(d.location());
        return EfiStatus.SUCCESS;
    }

    /** {@code Attributes(This, Operation, Attributes, *Result)} (UEFI 2.10 §14.4). */
    private EfiStatus attributes(ServiceCall c) {
        int op = c.argU32(1);
        long value = c.arg(2);
        long result = c.arg(3);
        c.arguments(ptr(c.arg(0)), op >= 0 && op < OPERATIONS.length ? OPERATIONS[op] : Integer.toString(op), hex(value),
                ptr(result));
        PciDevice d = byInterface.get(c.arg(0));
        if (d == null || op < 0 || op >= OPERATIONS.length) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long current = attributes.get(d.location());
        switch (op) {
            case 0, 4 -> {
                if (!c.isRam("Result", result, 8, Align.UINT64)) {
                    return EfiStatus.INVALID_PARAMETER;
                }
                long v = op == 0 ? current : d.supportedAttributes();
                memory.putU64(result, v);
                c.output(hex(v));
                return EfiStatus.SUCCESS;
            }
            default -> {
                if ((value & ~d.supportedAttributes()) != 0) {
                    c.output(String.format("0x%X not supported (supported 0x%X)", value & ~d.supportedAttributes(),
                            d.supportedAttributes()));
                    return EfiStatus.UNSUPPORTED;
                }
                long next = op == 1 ? value : op == 2 ? current | value : current & ~value;
                attributes.put(d.location(), next);
                c.output(hex(next));
                return EfiStatus.SUCCESS;
            }
        }
    }

    /**
     * {@code Mem.Read/Mem.Write/Io.Read/Io.Write(This, Width, BarIndex, Offset, Count, Buffer)} (UEFI 2.10 §14.4):
     * EDK2's order of checks (width, Buffer NULL: EFI_INVALID_PARAMETER; the BAR access: EFI_UNSUPPORTED), then a
     * Buffer that is not RAM is EFI_INVALID_PARAMETER. A BAR range that is RAM in the emulator (the framebuffer) is read
     * and written as memory; otherwise reads give the captured bytes ({@link PciBarSpace}).
     */
    /** Whether EDK2 PciBusDxe's {@code PciIoVerifyBarAccess} accepts the access (so a refusal is the root bridge's). */
    private static boolean passesBusDriverChecks(PciDevice d, int barIndex, boolean io, int w, long offset, long count) {
        try {
            PciBarSpace.verify(d, barIndex, io, w, offset, count);
            return true;
        } catch (org.efiemu.uefi.spec.EfiException e) {
            return false;
        }
    }

    private EfiStatus barAccess(ServiceCall c, boolean io, boolean write) {
        long self = c.arg(0);
        int w = c.argU32(1);
        int barIndex = (int) (c.arg(2) & 0xFF);
        long offset = c.arg(3);
        long count = c.arg(4);
        long buffer = c.arg(5);
        c.arguments(ptr(self), width(w), barIndex, hex(offset), count, ptr(buffer));
        PciDevice d = byInterface.get(self);
        if (d == null || w < 0 || w > 11 || buffer == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        PciBar bar;
        try {
            bar = PciBarSpace.check(d, barIndex, io, w, offset, count);
        } catch (org.efiemu.uefi.spec.EfiException e) {
            c.output(e.getMessage());
            // PciBusDxe's PciIoVerifyBarAccess passed: the root bridge refused (an offset not aligned to the width),
            // which PciBusDxe reports as a status code (RFLAGS.IF set); its own refusals take no lock
            c.lockTaken(passesBusDriverChecks(d, barIndex, io, w, offset, count));
            return e.status();
        }
        int unit = PciConfigSpace.unitBytes(w);
        boolean fifo = w >= 4 && w < 8;
        boolean fill = w >= 8;
        int bytes = (int) (count * unit);
        long bufferBytes = (fill && write) ? unit : fill ? unit : bytes;
        if (!c.isRam("Buffer", buffer, Math.max(1, bufferBytes), Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long span = fifo ? unit : bytes;
        long at = bar.base() + offset;
        Backing model = io ? null : backing(at, span);
        boolean ram = model == null && !io && span > 0 && memory.isRam(at, span);
        try {
            if (write) {
                byte[] in = memory.read(buffer, (int) bufferBytes);
                if (model != null || ram) {
                    for (int i = 0; i < count; i++) {
                        long to = at + (fifo ? 0 : (long) i * unit);
                        int from = fill ? 0 : i * unit;
                        if (model != null) {
                            long v = 0;
                            for (int k = unit - 1; k >= 0; k--) {
                                v = v << 8 | (in[from + k] & 0xFF);
                            }
                            model.handler().write(to - model.base(), unit, v);
                        } else {
                            memory.write(to, java.util.Arrays.copyOfRange(in, from, from + unit));
                        }
                    }
                    c.output(String.format("BAR %d 0x%X <- %d bytes (%s)", barIndex, at, bytes, model != null
                            ? "device memory" : "memory"));
                } else {
                    c.output(String.format("BAR %d 0x%X <- %s (device register: not modelled, dropped)", barIndex, at,
                            java.util.HexFormat.of().formatHex(in, 0, Math.min(in.length, 16))));
                }
                return EfiStatus.SUCCESS;
            }
            byte[] out;
            if (model != null || ram) {
                out = new byte[bytes];
                for (int i = 0; i < count; i++) {
                    long from = at + (fifo ? 0 : (long) i * unit);
                    if (model != null) {
                        long v = model.handler().read(from - model.base(), unit);
                        for (int k = 0; k < unit; k++) {
                            out[i * unit + k] = (byte) (v >>> (8 * k));
                        }
                    } else {
                        System.arraycopy(memory.read(from, unit), 0, out, i * unit, unit);
                    }
                }
            } else {
                out = PciBarSpace.read(bar, w, offset, (int) count);
            }
            memory.write(buffer, fill ? java.util.Arrays.copyOfRange(out, out.length - unit, out.length) : out);
            c.output(String.format("BAR %d 0x%X -> %s%s", barIndex, at,
                    java.util.HexFormat.of().formatHex(out, 0, Math.min(out.length, 16)),
                    model != null ? " (device memory)" : ram ? " (memory)" : PciBarSpace.captured(bar, w, offset, count)
                            ? " (as captured)" : " (not captured: all ones)"));
            return EfiStatus.SUCCESS;
        } catch (org.efiemu.uefi.spec.EfiException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the device model behind BAR " + barIndex + " failed", e);
        }
    }

    /** {@code GetBarAttributes(This, BarIndex, *Supports, **Resources)} (UEFI 2.10 §14.4). */
    private EfiStatus getBarAttributes(ServiceCall c) {
        long self = c.arg(0);
        int barIndex = (int) (c.arg(1) & 0xFF);
        long supports = c.arg(2);
        long resources = c.arg(3);
        c.arguments(ptr(self), barIndex, ptr(supports), ptr(resources));
        PciDevice d = byInterface.get(self);
        if (d == null || supports == 0 && resources == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        PciBar bar = d.bar(barIndex).orElse(null);
        if (bar == null) {
            c.output(d.location() + " has no BAR " + barIndex);
            return EfiStatus.UNSUPPORTED;
        }
        if (supports != 0 && !c.isRam("Supports", supports, 8, Align.UINT64)
                || resources != 0 && !c.isRam("Resources", resources, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (supports != 0) {
            memory.putU64(supports, bar.supports());
        }
        if (resources != 0) {
            byte[] r = bar.resources();
            long copy;
            try {
                copy = host.allocatePool(r.length);
            } catch (org.efiemu.uefi.spec.EfiException e) {
                return EfiStatus.OUT_OF_RESOURCES;
            }
            memory.write(copy, r);
            memory.putU64(resources, copy);
            c.output(bar + " resources at " + hex(copy));
        } else {
            c.output(bar.toString());
        }
        return EfiStatus.SUCCESS;
    }

    /** {@code Map(This, Operation, HostAddress, *NumberOfBytes, *DeviceAddress, *Mapping)} (UEFI 2.10 §14.4). */
    private EfiStatus map(ServiceCall c) {
        long self = c.arg(0);
        int op = c.argU32(1);
        long hostAddress = c.arg(2);
        long numberOfBytes = c.arg(3);
        long deviceAddress = c.arg(4);
        long mapping = c.arg(5);
        c.arguments(ptr(self), op >= 0 && op < PciDma.OPERATIONS.length ? PciDma.OPERATIONS[op] : Integer.toString(op),
                ptr(hostAddress), ptr(numberOfBytes), ptr(deviceAddress), ptr(mapping));
        if (!byInterface.containsKey(self) || op < 0 || op > 2 || hostAddress == 0 || numberOfBytes == 0
                || deviceAddress == 0 || mapping == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (!c.isRam("NumberOfBytes", numberOfBytes, 8, Align.UINT64) || !c.isRam("DeviceAddress", deviceAddress, 8,
                Align.UINT64) || !c.isRam("Mapping", mapping, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.map(c, dma, memory, op, hostAddress, numberOfBytes, deviceAddress, mapping);
    }

    /** {@code Unmap(This, Mapping)}. */
    private EfiStatus unmap(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), hex(c.arg(1)));
        if (!byInterface.containsKey(c.arg(0))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.unmap(c, dma);
    }

    /** {@code AllocateBuffer(This, Type, MemoryType, Pages, **HostAddress, Attributes)}. */
    private EfiStatus allocateBuffer(ServiceCall c) {
        long self = c.arg(0);
        int type = c.argU32(1);
        int memoryType = c.argU32(2);
        long pages = c.arg(3);
        long hostAddress = c.arg(4);
        long attrs = c.arg(5);
        c.arguments(ptr(self), type, memoryType, pages, ptr(hostAddress), hex(attrs));
        PciDevice d = byInterface.get(self);
        if (d == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((attrs & ~(0x0080L | 0x0800L)) != 0) { // PciBusDxe: only MEMORY_WRITE_COMBINE and MEMORY_CACHED
            c.output(String.format("attributes 0x%X: only MEMORY_WRITE_COMBINE and MEMORY_CACHED", attrs));
            return EfiStatus.UNSUPPORTED;
        }
        if (hostAddress == 0 || !c.isRam("HostAddress", hostAddress, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.allocateBuffer(c, dma, memory, memoryType, pages,
                attrs | (currentAttributes(d.location()) & 0x8000L), hostAddress);
    }

    /** {@code FreeBuffer(This, Pages, HostAddress)}. */
    private EfiStatus freeBuffer(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), c.arg(1), ptr(c.arg(2)));
        if (!byInterface.containsKey(c.arg(0))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.freeBuffer(c, dma);
    }

    /**
     * How a poll that does not match at once waits ({@link PciPolling}): the firmware's busy-wait on virtual time, in
     * which the timer ticks that fall inside it are taken at their own times (their notifications run there and may
     * write the location polled, as on OVMF, whose PollMem spins with interrupts as the caller left them).
     */
    @FunctionalInterface
    public interface PollWait {
        /**
         * Waits {@code nanos} of virtual time or until {@code matched} (asked after each timer tick's notifications)
         * says true; returns whether it did.
         */
        boolean until(ServiceCall c, long nanos, java.util.function.BooleanSupplier matched);
    }

    /**
     * Virtual time a poll that times out takes and the ticks inside it ({@link PollWait});
     * {@code mayNotify}: whether a tick inside a wait may run a notification function now (then a poll with a Delay
     * runs on the gate's continuation thread).
     */
    public void waitWith(PollWait wait, java.util.function.BooleanSupplier mayNotify) {
        this.wait = wait;
        this.waitMayNotify = mayNotify;
    }

    boolean waitNanos(ServiceCall c, long nanos, java.util.function.BooleanSupplier matched) {
        return wait.until(c, nanos, matched);
    }

    /** Registers a PollMem/PollIo whose Delay is argument {@code delayArg}: a guest call when it may wait for a tick. */
    private long registerPoll(ServiceDispatcher d, String name, int arity, ServiceHandler h, int delayArg) {
        if (h == null) {
            return d.registerBootTime(name, arity, null);
        }
        return d.registerBootTimeCallingGuest(name, arity, h,
                ctx -> ctx.arg(delayArg) != 0 && waitMayNotify.getAsBoolean());
    }

    GuestMemory memory() {
        return memory;
    }

    PciDevice deviceOf(long pciIoInterface) {
        return byInterface.get(pciIoInterface);
    }

    PciRootBridge rootBridgeFacts(long rootBridgeInterface) {
        return rootBridgeFacts.get(rootBridgeInterface);
    }

    void rootBridgeFacts(long rootBridgeInterface, PciRootBridge facts) {
        rootBridgeFacts.put(rootBridgeInterface, facts);
    }

    long configurationBuffer(long rootBridgeInterface) {
        return configurationBuffers.get(rootBridgeInterface);
    }

    /** The DMA model PciIo and the root bridge share (EDK2's PciIo Map calls the root bridge's). */
    PciDma dma() {
        return dma;
    }

    static String widthName(int w) {
        return width(w);
    }

    /** The functions on a segment. */
    List<PciDevice> devicesOn(int segment) {
        return byInterface.values().stream().filter(d -> d.segment() == segment).toList();
    }

    /**
     * One unit read from a BAR at {@code offset}: from the device model that serves the range (the framebuffer), from
     * RAM, else the captured bytes ({@link PciBarSpace#read}; all ones beyond them).
     */
    long readUnit(PciBar bar, long offset, int unit) {
        long at = bar.base() + offset;
        Backing model = bar.io() ? null : backing(at, unit);
        try {
            if (model != null) {
                return model.handler().read(at - model.base(), unit);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the device model behind " + bar + " failed", e);
        }
        byte[] b = !bar.io() && memory.isRam(at, unit) ? memory.read(at, unit)
                : PciBarSpace.read(bar, Integer.numberOfTrailingZeros(unit), offset, 1);
        long v = 0;
        for (int k = unit - 1; k >= 0; k--) {
            v = v << 8 | (b[k] & 0xFF);
        }
        return v;
    }

    /** One unit written to a BAR: to the device model or RAM behind it; a device register's write is dropped. */
    void writeUnit(PciBar bar, long offset, int unit, long value) {
        long at = bar.base() + offset;
        Backing model = bar.io() ? null : backing(at, unit);
        try {
            if (model != null) {
                model.handler().write(at - model.base(), unit, value);
                return;
            }
        } catch (Exception e) {
            throw new IllegalStateException("the device model behind " + bar + " failed", e);
        }
        if (!bar.io() && memory.isRam(at, unit)) {
            byte[] b = new byte[unit];
            for (int k = 0; k < unit; k++) {
                b[k] = (byte) (value >>> (8 * k));
            }
            memory.write(at, b);
        }
    }

    /** The attributes a function has now (Attributes(Get)). */
    public long currentAttributes(String location) {
        return attributes.getOrDefault(location, 0L);
    }
}
