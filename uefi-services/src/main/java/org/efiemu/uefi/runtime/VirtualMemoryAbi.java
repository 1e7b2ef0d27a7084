package org.efiemu.uefi.runtime;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * ABI adapters of the Virtual Memory Services (UEFI 2.10 §8.4) and the capsule services (§8.5.3), as EDK2's
 * {@code MdeModulePkg/Core/RuntimeDxe/Runtime.c}.
 *
 * <p>SetVirtualAddressMap is accepted once, after ExitBootServices, with DescriptorVersion 1 and a DescriptorSize of at
 * least 40; efiemu also checks each EFI_MEMORY_RUNTIME descriptor against the final memory map the OS received (same
 * start and size, page-aligned VirtualStart) and answers EFI_INVALID_PARAMETER otherwise, where EDK2 would relocate
 * with wrong data. The virtual map is recorded ({@link #virtualMap()}); the emulated CPU keeps running identity-mapped,
 * so the firmware's own pointers are not converted. EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE notifications run in the guest.
 */
public final class VirtualMemoryAbi {
    private static final long EFI_OPTIONAL_PTR = 0x1;

    private final FirmwareState state;
    private final Consumer<ServiceCall> virtualAddressChange;
    private List<MemoryDescriptor> virtualMap;

    /** @param virtualAddressChange signals EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE within the call */
    public VirtualMemoryAbi(FirmwareState state, Consumer<ServiceCall> virtualAddressChange) {
        this.state = state;
        this.virtualAddressChange = virtualAddressChange;
    }

    /** The map the OS passed to a successful SetVirtualAddressMap. */
    public Optional<List<MemoryDescriptor>> virtualMap() {
        return Optional.ofNullable(virtualMap);
    }

    /** {@code SetVirtualAddressMap(MemoryMapSize, DescriptorSize, DescriptorVersion, *VirtualMap)}. */
    public EfiStatus setVirtualAddressMap(ServiceCall c) {
        long size = c.arg(0);
        long dsz = c.arg(1);
        long dver = c.arg(2) & 0xFFFF_FFFFL;
        long map = c.arg(3);
        c.arguments(Long.toUnsignedString(size), Long.toUnsignedString(dsz), dver, ptr(map));
        c.requireAligned("VirtualMap", map, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (!state.exitedBootServices() || virtualMap != null) {
            c.output(virtualMap != null ? "already in virtual mode" : "ExitBootServices has not succeeded");
            return EfiStatus.UNSUPPORTED;
        }
        if (dver != 1 || dsz < MemoryDescriptor.SPEC_SIZE || dsz > 4096 || size % dsz != 0 || size > (1 << 20)
                || !c.isRam(map, Math.max(size, 1))) {
            c.output("DescriptorVersion must be 1, DescriptorSize >= 40 dividing MemoryMapSize, VirtualMap in RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        List<MemoryDescriptor> given = MemoryMapSnapshot.parse(c.memory().read(map, (int) size), 0, size, (int) dsz);
        MemoryMapSnapshot last = state.finalMap().orElseThrow();
        List<MemoryDescriptor> runtime = new ArrayList<>();
        for (MemoryDescriptor d : given) {
            if ((d.attribute() & MemoryAttribute.RUNTIME) == 0) {
                continue;
            }
            boolean known = last.descriptors().stream().anyMatch(f -> f.physicalStart() == d.physicalStart()
                    && f.numberOfPages() == d.numberOfPages() && (f.attribute() & MemoryAttribute.RUNTIME) != 0);
            if (!known || (d.virtualStart() & 0xFFF) != 0) {
                c.output("descriptor " + d + " virtual " + hex(d.virtualStart()) + (known ? " is not page-aligned"
                        : " is not a runtime descriptor of the final memory map"));
                return EfiStatus.INVALID_PARAMETER;
            }
            runtime.add(d);
        }
        virtualMap = List.copyOf(given);
        c.output(runtime.size() + " runtime descriptors");
        virtualAddressChange.accept(c);
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code ConvertPointer(DebugDisposition, **Address)}: through the recorded virtual map's runtime descriptors;
     * EFI_NOT_FOUND outside them (and always before SetVirtualAddressMap); a NULL *Address is EFI_SUCCESS only with
     * EFI_OPTIONAL_PTR.
     */
    public EfiStatus convertPointer(ServiceCall c) {
        long disposition = c.arg(0);
        long p = c.arg(1);
        c.arguments(hex(disposition), ptr(p));
        if (!c.isRam("Address", p, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long address = c.memory().u64(p);
        c.arguments(hex(disposition), "&" + hex(address));
        if (address == 0) {
            return (disposition & EFI_OPTIONAL_PTR) != 0 ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
        }
        for (MemoryDescriptor d : virtualMap == null ? List.<MemoryDescriptor>of() : virtualMap) {
            if ((d.attribute() & MemoryAttribute.RUNTIME) != 0 && address >= d.physicalStart() && address < d.end()) {
                long v = address - d.physicalStart() + d.virtualStart();
                c.memory().putU64(p, v);
                c.output(hex(v));
                return EfiStatus.SUCCESS;
            }
        }
        return EfiStatus.NOT_FOUND;
    }

    /** {@code UpdateCapsule(**CapsuleHeaderArray, CapsuleCount, ScatterGatherList)}: EFI_UNSUPPORTED (no capsule support). */
    public EfiStatus updateCapsule(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(c.arg(1)), hex(c.arg(2)));
        c.output("no capsule support (as OVMF without CapsuleRuntimeDxe)");
        return EfiStatus.UNSUPPORTED;
    }

    /** {@code QueryCapsuleCapabilities(**CapsuleHeaderArray, CapsuleCount, *MaximumCapsuleSize, *ResetType)}: EFI_UNSUPPORTED. */
    public EfiStatus queryCapsuleCapabilities(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(c.arg(1)), ptr(c.arg(2)), ptr(c.arg(3)));
        c.output("no capsule support (as OVMF without CapsuleRuntimeDxe)");
        return EfiStatus.UNSUPPORTED;
    }
}
