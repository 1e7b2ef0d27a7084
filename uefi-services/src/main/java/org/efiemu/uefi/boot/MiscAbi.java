package org.efiemu.uefi.boot;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.zip.CRC32;
import org.efiemu.core.clock.VirtualClock;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.MonotonicCounter;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * ABI adapters of the Miscellaneous Boot Services (UEFI 2.10 §7.5) and InstallConfigurationTable (§7.3.19).
 */
public final class MiscAbi {
    /** The largest buffer CalculateCrc32/CopyMem/SetMem handle in one call (1 GiB; the engine reads it into Java). */
    private static final long MAX_BUFFER = 1L << 30;

    private final SystemTable systemTable;
    private final VirtualClock clock;
    private final FirmwareState state;
    private final MonotonicCounter counter;

    public MiscAbi(SystemTable systemTable, VirtualClock clock, FirmwareState state, MonotonicCounter counter) {
        this.systemTable = systemTable;
        this.clock = clock;
        this.state = state;
        this.counter = counter;
    }

    /** {@code GetNextMonotonicCount(*Count)}: NULL → EFI_INVALID_PARAMETER. */
    public EfiStatus getNextMonotonicCount(ServiceCall c) {
        long p = c.arg(0);
        c.arguments(ptr(p));
        if (!c.isRam("Count", p, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long v = counter.next();
        c.memory().putU64(p, v);
        c.output(hex(v));
        return EfiStatus.SUCCESS;
    }

    /** {@code Stall(Microseconds)}: advances the virtual clock by that much time; never fails. */
    public EfiStatus stall(ServiceCall c) {
        clock.advance(stallCycles(c));
        return EfiStatus.SUCCESS;
    }

    /** Stall's Microseconds argument (recorded for the trace) in virtual cycles. */
    long stallCycles(ServiceCall c) {
        long us = c.arg(0);
        c.arguments(Long.toUnsignedString(us));
        long hz = clock.frequencyHz();
        return us < 0 || us > Long.MAX_VALUE / hz ? Long.MAX_VALUE / 4 : us * hz / 1_000_000L;
    }

    /**
     * {@code SetWatchdogTimer(Timeout, WatchdogCode, DataSize, WatchdogData)} as EDK2 {@code CoreSetWatchdogTimer}:
     * Timeout seconds from now (0 disables); always EFI_SUCCESS. An expiry resets the platform at the next call.
     */
    public EfiStatus setWatchdogTimer(ServiceCall c) {
        long timeout = c.arg(0);
        long code = c.arg(1);
        long dataSize = c.arg(2);
        long data = c.arg(3);
        c.arguments(Long.toUnsignedString(timeout), hex(code), Long.toUnsignedString(dataSize), ptr(data));
        if (timeout == 0) {
            state.watchdogDeadline(0);
            c.output("disabled");
        } else {
            // unsigned: 2^64-1 seconds is "practically never", not a negative number of seconds (EDK2 multiplies
            // Timeout by 10^7 in 64 bits; the cap keeps the deadline representable in virtual nanoseconds)
            long seconds = Long.compareUnsigned(timeout, 1L << 30) > 0 ? 1L << 30 : timeout;
            long deadline = clock.nanos() + seconds * 1_000_000_000L;
            state.watchdogDeadline(deadline);
            c.output("expires at virtual " + deadline + " ns");
        }
        return EfiStatus.SUCCESS;
    }

    /** {@code CalculateCrc32(Data, DataSize, *Crc32)}: NULL Data or Crc32, or DataSize 0 → EFI_INVALID_PARAMETER. */
    public EfiStatus calculateCrc32(ServiceCall c) {
        long data = c.arg(0);
        long size = c.arg(1);
        long out = c.arg(2);
        c.arguments(ptr(data), Long.toUnsignedString(size), ptr(out));
        if (size == 0 || Long.compareUnsigned(size, MAX_BUFFER) > 0 || !c.isRam(data, size) || !c.isRam("Crc32", out, 4, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        CRC32 crc = new CRC32();
        crc.update(c.memory().read(data, (int) size));
        c.memory().putU32(out, crc.getValue());
        c.output(String.format("0x%08X", crc.getValue()));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code CopyMem(Destination, Source, Length)} (VOID): overlapping buffers are handled as the spec requires. A
     * range that is not RAM is a violation (real firmware would fault or corrupt memory) and stops the run.
     */
    public EfiStatus copyMem(ServiceCall c) {
        long dst = c.arg(0);
        long src = c.arg(1);
        long len = c.arg(2);
        c.arguments(ptr(dst), ptr(src), Long.toUnsignedString(len));
        if (len == 0) {
            return null;
        }
        if (Long.compareUnsigned(len, MAX_BUFFER) > 0 || !c.isRam(dst, len) || !c.isRam(src, len)) {
            wild(c, "CopyMem: Destination or Source range is not RAM");
            return null;
        }
        c.memory().write(dst, c.memory().read(src, (int) len));
        return null;
    }

    /** {@code SetMem(Buffer, Size, Value)} (VOID); a range that is not RAM is a violation. */
    public EfiStatus setMem(ServiceCall c) {
        long buf = c.arg(0);
        long size = c.arg(1);
        int value = (int) (c.arg(2) & 0xFF);
        c.arguments(ptr(buf), Long.toUnsignedString(size), String.format("0x%02X", value));
        if (size == 0) {
            return null;
        }
        if (Long.compareUnsigned(size, MAX_BUFFER) > 0 || !c.isRam(buf, size)) {
            wild(c, "SetMem: Buffer range is not RAM");
            return null;
        }
        c.memory().fill(buf, size, (byte) value);
        return null;
    }

    private void wild(ServiceCall c, String what) {
        state.violation("wild-pointer", what, c.callerRip());
        c.output(what);
        c.context().stop(what);
    }

    /** {@code InstallConfigurationTable(Guid, Table)}: NULL Guid → EFI_INVALID_PARAMETER. */
    public EfiStatus installConfigurationTable(ServiceCall c) {
        long guidPtr = c.arg(0);
        long table = c.arg(1);
        Guid guid = c.guidAt("Guid", guidPtr);
        c.arguments(guid == null ? ptr(guidPtr) : guid.toString(), ptr(table));
        if (guid == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return systemTable.installConfigurationTable(guid, table);
    }
}
