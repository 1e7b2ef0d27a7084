package org.efiemu.uefi.runtime;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.MonotonicCounter;
import org.efiemu.uefi.spec.EfiStatus;

/** ABI adapters of the Runtime Services efiemu implements (UEFI 2.10 §8.5). */
public final class RuntimeAbi {
    private static final String[] RESET_TYPES = {"EfiResetCold", "EfiResetWarm", "EfiResetShutdown",
        "EfiResetPlatformSpecific"};

    private final FirmwareState state;
    private final MonotonicCounter counter;

    public RuntimeAbi(FirmwareState state, MonotonicCounter counter) {
        this.state = state;
        this.counter = counter;
    }

    /** {@code GetNextHighMonotonicCount(*HighCount)}: NULL → EFI_INVALID_PARAMETER. */
    public EfiStatus getNextHighMonotonicCount(ServiceCall c) {
        long p = c.arg(0);
        c.arguments(ptr(p));
        if (!c.isRam("HighCount", p, 4, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long high = counter.nextHigh();
        c.memory().putU32(p, high);
        c.output(hex(high));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code ResetSystem(ResetType, ResetStatus, DataSize, ResetData)}: does not return; the run ends and the
     * {@code BootResult} reports the reset with its type, status and the NUL-terminated string at the start of
     * ResetData (§8.5.1).
     */
    public EfiStatus resetSystem(ServiceCall c) {
        int type = (int) c.arg(0);
        long status = c.arg(1);
        long size = c.arg(2);
        long data = c.arg(3);
        String typeName = type >= 0 && type < RESET_TYPES.length ? RESET_TYPES[type] : hex(type & 0xFFFF_FFFFL);
        String text = "";
        if (size >= 2 && c.isRam(data, 2)) {
            try {
                text = c.memory().utf16z(data, (int) Math.min(size / 2, 4096));
            } catch (GuestMemoryException e) {
                text = "(ResetData not a NUL-terminated string within DataSize)";
            }
        }
        c.arguments(typeName, EfiStatus.nameOf(status), Long.toUnsignedString(size), ptr(data));
        if (!text.isEmpty()) {
            c.output("\"" + text + "\"");
        }
        state.reset(new FirmwareState.ResetRequest(typeName, EfiStatus.nameOf(status), text));
        c.context().stop("ResetSystem(" + typeName + ")");
        c.returnValue(status); // never returns to the guest: RAX holds ResetStatus when the run ends (a debugger's exit code)
        return null;
    }
}
