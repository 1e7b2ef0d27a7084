package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.InterfaceResult;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * ABI adapters of the protocol lookup services (UEFI 2.10 §7.3) over the handle database. The Protocol GUID pointer
 * and the Interface OUT pointer are validated here (NULL, not RAM or misaligned, UEFI 2.10 §2.3.1 → {@code EFI_INVALID_PARAMETER}, as EDK2's
 * {@code CoreOpenProtocol}/{@code CoreLocateProtocol} check NULL); the statuses beyond that are the database's.
 */
public final class ProtocolAbi {
    private final HandleDatabase handles;
    private DriverAbi drivers;

    public ProtocolAbi(HandleDatabase handles) {
        this.handles = handles;
    }

    /**
     * The driver model an EXCLUSIVE OpenProtocol disconnects BY_DRIVER holders through (UEFI 2.10 §7.3.9); without it
     * such an open is EFI_ACCESS_DENIED.
     */
    public void drivers(DriverAbi drivers) {
        this.drivers = drivers;
    }

    /** {@code HandleProtocol(Handle, *Protocol, **Interface)}. */
    public EfiStatus handleProtocol(ServiceCall c) {
        long handle = c.arg(0);
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        long out = c.arg(2);
        c.arguments(ptr(handle), protocol == null ? ptr(c.arg(1)) : protocol, ptr(out));
        if (protocol == null || !c.isRam("Interface", out, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        c.lockTaken(true); // EDK2 CoreOpenProtocol validates the handle under gProtocolDatabaseLock
        return write(c, out, handles.handleProtocol(handle, protocol));
    }

    /** {@code OpenProtocol(Handle, *Protocol, **Interface, AgentHandle, ControllerHandle, Attributes)}. */
    public EfiStatus openProtocol(ServiceCall c) {
        long handle = c.arg(0);
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        long out = c.arg(2);
        long agent = c.arg(3);
        long controller = c.arg(4);
        int attributes = (int) c.arg(5);
        c.arguments(ptr(handle), protocol == null ? ptr(c.arg(1)) : protocol, ptr(out), ptr(agent), ptr(controller),
                OpenAttributes.nameOf(attributes));
        if (protocol == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        boolean needsOut = attributes != OpenAttributes.TEST_PROTOCOL;
        if (needsOut && !c.isRam("Interface", out, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        c.lockTaken(true); // EDK2 CoreOpenProtocol validates the handles under gProtocolDatabaseLock
        InterfaceResult r = drivers != null && (attributes & OpenAttributes.EXCLUSIVE) != 0
                ? handles.openProtocol(handle, protocol, agent, controller, attributes, drivers.exclusiveDisconnector(c))
                : handles.openProtocol(handle, protocol, agent, controller, attributes);
        return needsOut ? write(c, out, r) : r.status();
    }

    /** {@code CloseProtocol(Handle, *Protocol, AgentHandle, ControllerHandle)}. */
    public EfiStatus closeProtocol(ServiceCall c) {
        long handle = c.arg(0);
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        c.arguments(ptr(handle), protocol == null ? ptr(c.arg(1)) : protocol, ptr(c.arg(2)), ptr(c.arg(3)));
        if (protocol == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        c.lockTaken(true); // EDK2 CoreCloseProtocol validates the handles under gProtocolDatabaseLock
        return handles.closeProtocol(handle, protocol, c.arg(2), c.arg(3));
    }

    /** {@code LocateProtocol(*Protocol, Registration, **Interface)}. */
    public EfiStatus locateProtocol(ServiceCall c) {
        Guid protocol = c.guidAt("Protocol", c.arg(0));
        long registration = c.arg(1);
        long out = c.arg(2);
        c.arguments(protocol == null ? ptr(c.arg(0)) : protocol, ptr(registration), ptr(out));
        if (protocol == null || !c.isRam("Interface", out, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return write(c, out, handles.locateProtocol(protocol, registration));
    }

    private static EfiStatus write(ServiceCall c, long out, InterfaceResult r) {
        if (r.interfaceWritten()) {
            c.memory().putU64(out, r.interfacePointer());
            c.output(hex(r.interfacePointer()));
        }
        return r.status();
    }
}
