package org.efiemu.uefi.tables;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.List;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.boot.ServiceHandler;
import org.efiemu.uefi.firmware.TableHeader;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * The DXE services table (PI 1.7 vol. 2 §9.2, {@code DXE_SERVICES}; EDK2 {@code gDxeCoreDS}): header "DXE_SERV",
 * revision 1.70 (0x10046) and 18 function slots in the spec's order, 168 bytes as OVMF 2022.11 reports. Implemented
 * over the {@link GcdMemorySpace} model: GetMemorySpaceDescriptor, GetMemorySpaceMap (an EfiBootServicesData pool
 * buffer the caller frees) and SetMemorySpaceAttributes (recorded in the model; no page table changes). Every other slot
 * (adding, allocating, freeing or removing memory or I/O space, the I/O space queries, the dispatcher's Dispatch,
 * Schedule, Trust and ProcessFirmwareVolume, SetMemorySpaceCapabilities) returns EFI_UNSUPPORTED and is recorded as an
 * unimplemented call in the trace.
 */
public final class DxeServicesTable {
    /** "DXE_SERV". */
    public static final long SIGNATURE = 0x565245535F455844L;
    /** DXE_SERVICES_REVISION of PI 1.70. */
    public static final int REVISION = (1 << 16) | 70;
    /** The slots, in the spec's order, with their parameter counts. */
    static final List<Slot> SLOTS = List.of(new Slot("AddMemorySpace", 4), new Slot("AllocateMemorySpace", 7),
            new Slot("FreeMemorySpace", 2), new Slot("RemoveMemorySpace", 2), new Slot("GetMemorySpaceDescriptor", 2),
            new Slot("SetMemorySpaceAttributes", 3), new Slot("GetMemorySpaceMap", 2), new Slot("AddIoSpace", 3),
            new Slot("AllocateIoSpace", 7), new Slot("FreeIoSpace", 2), new Slot("RemoveIoSpace", 2),
            new Slot("GetIoSpaceDescriptor", 2), new Slot("GetIoSpaceMap", 2), new Slot("Dispatch", 0),
            new Slot("Schedule", 2), new Slot("Trust", 2), new Slot("ProcessFirmwareVolume", 3),
            new Slot("SetMemorySpaceCapabilities", 3));
    public static final int HEADER_SIZE = 24;
    public static final int SIZE = HEADER_SIZE + 8 * 18;
    /** Bytes of one EFI_GCD_MEMORY_SPACE_DESCRIPTOR. */
    public static final int DESCRIPTOR_SIZE = 56;

    record Slot(String name, int arity) {}

    private final GuestMemory memory;
    private final GcdMemorySpace space;
    private final LongUnaryOperator allocatePool;

    /**
     * Writes the header at {@code address} (slots zero until {@link #bind}); the table is installed as a
     * configuration table by the caller.
     */
    public static void writeHeader(GuestMemory memory, long address) {
        TableHeader.write(memory, address, SIGNATURE, REVISION, SIZE);
    }

    /** Points the table's slots at their stubs (names {@code DxeServices.GetMemorySpaceMap} ...) and seals the header. */
    public static DxeServicesTable bind(GuestMemory memory, long address, ServiceDispatcher dispatcher, GcdMemorySpace space,
            LongUnaryOperator allocatePool) {
        DxeServicesTable t = new DxeServicesTable(memory, space, allocatePool);
        for (int i = 0; i < SLOTS.size(); i++) {
            Slot s = SLOTS.get(i);
            ServiceHandler h = switch (s.name()) {
                case "GetMemorySpaceDescriptor" -> t::getMemorySpaceDescriptor;
                case "GetMemorySpaceMap" -> t::getMemorySpaceMap;
                case "SetMemorySpaceAttributes" -> t::setMemorySpaceAttributes;
                default -> null;
            };
            memory.putU64(address + HEADER_SIZE + 8L * i, dispatcher.registerBootTime("DxeServices." + s.name(), s.arity(),
                    h));
        }
        TableHeader.seal(memory, address);
        return t;
    }

    private DxeServicesTable(GuestMemory memory, GcdMemorySpace space, LongUnaryOperator allocatePool) {
        this.memory = memory;
        this.space = space;
        this.allocatePool = allocatePool;
    }

    public GcdMemorySpace space() {
        return space;
    }

    private void write(long at, GcdMemorySpace.Entry e) {
        memory.putU64(at, e.base());
        memory.putU64(at + 8, e.length());
        memory.putU64(at + 16, e.capabilities());
        memory.putU64(at + 24, e.attributes());
        memory.putU64(at + 32, e.type()); // EFI_GCD_MEMORY_TYPE (UINT32) and its padding
        memory.putU64(at + 40, 0); // ImageHandle
        memory.putU64(at + 48, 0); // DeviceHandle
    }

    /** {@code GetMemorySpaceDescriptor(BaseAddress, *Descriptor)}. */
    private EfiStatus getMemorySpaceDescriptor(ServiceCall c) {
        long base = c.arg(0);
        long out = c.arg(1);
        c.arguments(hex(base), ptr(out));
        if (!c.isRam("Descriptor", out, DESCRIPTOR_SIZE, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        GcdMemorySpace.Entry e = space.descriptor(base);
        write(out, e);
        c.output(e.toString());
        return EfiStatus.SUCCESS;
    }

    /** {@code GetMemorySpaceMap(*NumberOfDescriptors, **MemorySpaceMap)}: a pool buffer the caller frees. */
    private EfiStatus getMemorySpaceMap(ServiceCall c) {
        long count = c.arg(0);
        long mapOut = c.arg(1);
        c.arguments(ptr(count), ptr(mapOut));
        if (!c.isRam("NumberOfDescriptors", count, 8, Align.UINT64) || !c.isRam("MemorySpaceMap", mapOut, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        List<GcdMemorySpace.Entry> entries = space.entries();
        long buffer = allocatePool.applyAsLong((long) DESCRIPTOR_SIZE * entries.size());
        for (int i = 0; i < entries.size(); i++) {
            write(buffer + (long) DESCRIPTOR_SIZE * i, entries.get(i));
        }
        memory.putU64(count, entries.size());
        memory.putU64(mapOut, buffer);
        c.output(entries.size() + " descriptors at " + hex(buffer));
        return EfiStatus.SUCCESS;
    }

    /** {@code SetMemorySpaceAttributes(BaseAddress, Length, Attributes)}. */
    private EfiStatus setMemorySpaceAttributes(ServiceCall c) {
        c.arguments(hex(c.arg(0)), hex(c.arg(1)), hex(c.arg(2)));
        space.setAttributes(c.arg(0), c.arg(1), c.arg(2));
        return EfiStatus.SUCCESS;
    }
}
