package org.efiemu.uefi.pci;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * PollMem and PollIo (UEFI 2.10 §14.2, §14.4) as EDK2's PciHostBridgeDxe does them ({@code RootBridgeIoPollMem}), pure:
 * one read; its value ANDed with Mask equal to Value is EFI_SUCCESS; otherwise a Delay of 0 is EFI_SUCCESS too (the
 * value read is returned); otherwise the location is read again until Delay (100 ns units) has passed, then
 * EFI_TIMEOUT. The device registers efiemu presents do not change while nothing else runs (captured bytes; the
 * framebuffer changes only by guest writes), so a poll that does not match at once reads again only after each timer
 * tick inside the Delay (whose notification functions may have written the location, as they may on OVMF, where the
 * poll spins with interrupts on: the adapters' busy-wait), else times out after the whole Delay: the outcome carries
 * the time it takes.
 *
 * <p>{@code *Result} receives only the width's bytes: the bytes above them keep what the caller's UINT64 held (EDK2
 * reads with {@code Mem.Read(Width, Address, 1, Result)}), and the comparison uses the whole UINT64.
 */
public final class PciPolling {
    private PciPolling() {}

    /** The status, the value left in *Result and the time the poll took. */
    public record Outcome(EfiStatus status, long result, long nanos) {}

    /**
     * @param previous the UINT64 *Result held before the call
     * @param read the value read, {@code unitBytes} wide
     */
    /** The UINT64 *Result holds after a read of {@code read} ({@code unitBytes} wide) over {@code previous}. */
    public static long result(long previous, long read, int unitBytes) {
        long keep = unitBytes >= 8 ? 0 : -1L << (8 * unitBytes);
        return (previous & keep) | (read & ~keep);
    }

    public static Outcome poll(long previous, long read, int unitBytes, long mask, long value, long delay) {
        long keep = unitBytes >= 8 ? 0 : -1L << (8 * unitBytes);
        long result = (previous & keep) | (read & ~keep);
        if ((result & mask) == value || delay == 0) {
            return new Outcome(EfiStatus.SUCCESS, result, 0);
        }
        long nanos = Long.compareUnsigned(delay, Long.MAX_VALUE / 100) > 0 ? Long.MAX_VALUE : delay * 100;
        return new Outcome(EfiStatus.TIMEOUT, result, nanos);
    }
}
