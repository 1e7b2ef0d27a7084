package org.efiemu.uefi.boot;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Which protocol functions return with RFLAGS.IF set, as OVMF 2022.11's drivers do: a driver that raises and restores
 * the TPL ({@code gBS->RaiseTPL}/{@code RestoreTPL}, {@code EfiAcquireLock}) or calls a Boot Service that takes a lock
 * (AllocatePool, SignalEvent) executes STI in {@code CoreRestoreTpl} on its way back whenever the caller's TPL is below
 * TPL_HIGH_LEVEL, even after the caller's own {@code cli}; a timer tick that came meanwhile is taken there
 * ({@link EventAbi}). Looked up by the trace name a protocol registers its function under
 * ({@link ServiceDispatcher#registerBootTime(String, int, ServiceHandler)}), so the protocol classes stay as they are;
 * a name without a rule takes no lock (IF as the caller left it).
 *
 * <p>Measured on QEMU 7.2 q35 + OVMF 2022.11 with the {@code timer-tick} payload's {@code if-protocols} case (each
 * function called after {@code cli}; {@code TplInterruptsOvmfLiveTest}); where a rule covers a function or a path the
 * probe does not call it follows the same driver code in edk2-stable202211, and {@link #measured(String)} says so.
 */
public final class ProtocolLocks {
    private static final Map<String, LockRelease> RULES = new LinkedHashMap<>();
    /** Functions whose rule the {@code if-protocols} probe checks on OVMF (the others follow the driver's source). */
    private static final Set<String> MEASURED = new java.util.HashSet<>();

    /** Statuses AtaBusDxe's BlockIoReadWrite returns before it raises the TPL (its checks). */
    private static final Set<EfiStatus> ATA_CHECKS = EnumSet.of(EfiStatus.MEDIA_CHANGED, EfiStatus.INVALID_PARAMETER,
            EfiStatus.BAD_BUFFER_SIZE, EfiStatus.WRITE_PROTECTED, EfiStatus.NO_MEDIA);

    static {
        // Block I/O: PartitionDxe on partitions (every path reads through DiskIo, whose TaskQueueLock sets IF, even
        // its refusals: ProbeMediaStatus), AtaBusDxe on the disk (MediaId, Buffer, BufferSize 0, size, range and
        // alignment are checked before RaiseTPL(TPL_CALLBACK))
        measured("BlockIo.ReadBlocks", blockTransfer(3));
        rule("BlockIo.WriteBlocks", blockTransfer(3));
        measured("BlockIo.Reset", LockRelease.ALWAYS);
        measured("BlockIo.FlushBlocks", LockRelease.NONE);
        rule("BlockIo2.ReadBlocksEx", blockTransfer(4));
        rule("BlockIo2.WriteBlocksEx", blockTransfer(4));
        rule("BlockIo2.Reset", LockRelease.ALWAYS);
        // DiskIoDxe: DiskIo2RemoveCompletedTask takes the TaskQueueLock first, on every call
        measured("DiskIo.ReadDisk", LockRelease.ALWAYS);
        rule("DiskIo.WriteDisk", LockRelease.ALWAYS);
        rule("DiskIo2.ReadDiskEx", LockRelease.ALWAYS);
        rule("DiskIo2.WriteDiskEx", LockRelease.ALWAYS);
        rule("DiskIo2.Cancel", LockRelease.ALWAYS);
        // EnhancedFatDxe: FatAcquireLock after the checks each function makes first
        measured("Esp.OpenVolume", LockRelease.ALWAYS);
        measured("Fs.OpenVolume", LockRelease.ALWAYS);
        measured("File.Open", LockRelease.AFTER_ARGUMENT_CHECKS);
        measured("File.Close", LockRelease.ALWAYS);
        rule("File.Delete", LockRelease.ALWAYS);
        measured("File.Read", LockRelease.before(EfiStatus.UNSUPPORTED, EfiStatus.DEVICE_ERROR,
                EfiStatus.WRITE_PROTECTED, EfiStatus.ACCESS_DENIED));
        rule("File.Write", LockRelease.before(EfiStatus.UNSUPPORTED, EfiStatus.DEVICE_ERROR,
                EfiStatus.WRITE_PROTECTED, EfiStatus.ACCESS_DENIED));
        measured("File.GetPosition", LockRelease.NONE);
        // (FatSetPosition waits for the file's non-blocking tasks under FatTaskLock)
        measured("File.SetPosition", LockRelease.before(EfiStatus.DEVICE_ERROR));
        measured("File.GetInfo", LockRelease.before(EfiStatus.DEVICE_ERROR));
        rule("File.SetInfo", LockRelease.before(EfiStatus.DEVICE_ERROR));
        // FatFlushEx returns an abandoned volume's file's permanent error (EFI_MEDIA_CHANGED, EFI_NO_MEDIA: FatAbandonVolume)
        // before its lock, from the code; the others measured
        measured("File.Flush", LockRelease.before(EfiStatus.WRITE_PROTECTED, EfiStatus.ACCESS_DENIED,
                EfiStatus.UNSUPPORTED, EfiStatus.MEDIA_CHANGED, EfiStatus.NO_MEDIA));
        // QemuVideoDxe: QueryMode allocates the mode information after the mode check; Blt raises TPL_NOTIFY before
        // looking at its arguments; SetMode allocates after the mode check
        measured("GOP.QueryMode", LockRelease.AFTER_ARGUMENT_CHECKS);
        rule("GOP.SetMode", LockRelease.before(EfiStatus.UNSUPPORTED));
        measured("GOP.Blt", LockRelease.ALWAYS);
        // PciSioSerialDxe: RaiseTPL(TPL_NOTIFY) after the argument checks; Write and Read return at once for
        // *BufferSize 0
        measured("SerialIo.GetControl", LockRelease.ALWAYS);
        rule("SerialIo.SetControl", LockRelease.before(EfiStatus.UNSUPPORTED));
        rule("SerialIo.Reset", LockRelease.ALWAYS);
        rule("SerialIo.SetAttributes", LockRelease.AFTER_ARGUMENT_CHECKS);
        measured("SerialIo.Write", bufferSizeNotZero());
        measured("SerialIo.Read", bufferSizeNotZero());
        // VirtioRngDxe: GetRNG allocates its buffer after the argument and algorithm checks
        measured("Rng.GetInfo", LockRelease.NONE);
        measured("Rng.GetRNG", LockRelease.before(EfiStatus.INVALID_PARAMETER, EfiStatus.UNSUPPORTED));
        // PciBusDxe: configuration reads (their root-bridge errors: ProtocolLocks2), GetLocation and Attributes take
        // no lock; GetBarAttributes allocates the descriptors it returns
        measured("PciIo.GetLocation", LockRelease.NONE);
        measured("PciIo.Attributes", LockRelease.NONE);
        measured("PciIo.GetBarAttributes", LockRelease.when("when it returns EFI_SUCCESS with Resources (the "
                + "descriptors are allocated)", (call, before, status) -> status == EfiStatus.SUCCESS
                && call.arg(3) != 0));
        // ConSplitterDxe over TerminalDxe and GraphicsConsoleDxe: what writes to the terminal (escape sequences go
        // through OutputString, which raises the TPL) sets IF; QueryMode and an unchanged attribute do not. StdErr goes
        // through the same drivers.
        for (String con : new String[] {"ConOut", "StdErr"}) {
            boolean m = con.equals("ConOut");
            add(con + ".TestString", LockRelease.ALWAYS, m);
            add(con + ".QueryMode", LockRelease.NONE, m);
            add(con + ".SetAttribute", changedAttribute(), m);
            add(con + ".EnableCursor", LockRelease.ALWAYS, m);
            add(con + ".SetCursorPosition", LockRelease.before(EfiStatus.UNSUPPORTED), m);
            add(con + ".ClearScreen", LockRelease.ALWAYS, false);
            add(con + ".Reset", LockRelease.ALWAYS, false);
            add(con + ".SetMode", LockRelease.before(EfiStatus.UNSUPPORTED), false);
        }
        measured("ConIn.Reset", LockRelease.ALWAYS);
        rule("ConInEx.Reset", LockRelease.ALWAYS);
        ProtocolLocks2.addTo(ProtocolLocks::add);
    }

    private ProtocolLocks() {
    }

    /** The rule of protocol function {@code name} (its trace name, e.g. {@code BlockIo.ReadBlocks}); NONE if unknown. */
    public static LockRelease of(String name) {
        return RULES.getOrDefault(name, LockRelease.NONE);
    }

    /** Every function with a rule, in the order above (docs/services.md). */
    public static Map<String, LockRelease> rules() {
        return Collections.unmodifiableMap(RULES);
    }

    /** The sentence of docs/services.md (Timer tick) that lists the rules: measured ones, then those from source. */
    static String render() {
        java.util.List<String> m = new java.util.ArrayList<>();
        java.util.List<String> src = new java.util.ArrayList<>();
        for (Map.Entry<String, LockRelease> e : RULES.entrySet()) {
            (measured(e.getKey()) ? m : src).add(e.getKey() + " (" + e.getValue() + ")");
        }
        return "measured: " + String.join(", ", m) + "; from the drivers' code (edk2-stable202211), not measured: "
                + String.join(", ", src) + "; every other protocol function leaves IF as the caller left it ("
                + ProtocolLocks2.UNLISTED + ").";
    }

    /** True when the {@code if-protocols} probe checks {@code name}'s rule on QEMU + OVMF. */
    public static boolean measured(String name) {
        return MEASURED.contains(name);
    }

    private static void measured(String name, LockRelease rule) {
        add(name, rule, true);
    }

    private static void rule(String name, LockRelease rule) {
        add(name, rule, false);
    }

    static void add(String name, LockRelease rule, boolean measured) {
        if (RULES.put(name, rule) != null) {
            throw new IllegalStateException(name + " has two lock rules");
        }
        if (measured) {
            MEASURED.add(name);
        }
    }

    /**
     * BlockIo(2) transfers: on a partition (Media->LogicalPartition) always; on a disk only when the transfer starts
     * (a status other than AtaBus's checks, and a BufferSize that is not 0).
     */
    private static LockRelease blockTransfer(int sizeArg) {
        return LockRelease.when("partition: on every path; disk: after the checks (MediaId, Buffer, BufferSize 0, "
                + "size, range, alignment)", new LockRelease.CallRule() {
                    @Override
                    public Object beforeCall(ServiceCall call) {
                        long media = call.isRam(call.arg(0) + 8, 8) ? call.memory().u64(call.arg(0) + 8) : 0;
                        return media != 0 && call.isRam(media + 6, 1) && call.memory().u8(media + 6) != 0;
                    }

                    @Override
                    public boolean afterCall(ServiceCall call, Object partition, EfiStatus status) {
                        if (Boolean.TRUE.equals(partition)) {
                            return true;
                        }
                        return status != null && !ATA_CHECKS.contains(status) && call.arg(sizeArg) != 0;
                    }
                });
    }

    /** SerialIo Write/Read: a lock unless {@code *BufferSize} was 0 (PciSioSerialDxe returns before raising the TPL). */
    private static LockRelease bufferSizeNotZero() {
        return LockRelease.when("unless *BufferSize is 0", new LockRelease.CallRule() {
            @Override
            public Object beforeCall(ServiceCall call) {
                long p = call.arg(1);
                return p != 0 && call.isRam(p, 8) && call.memory().u64(p) != 0;
            }

            @Override
            public boolean afterCall(ServiceCall call, Object nonZero, EfiStatus status) {
                return Boolean.TRUE.equals(nonZero) && status != EfiStatus.INVALID_PARAMETER;
            }
        });
    }

    /**
     * SetAttribute: TerminalDxe writes the escape sequence (OutputString, TPL raised) only when the attribute changes;
     * ConSplitter refuses an attribute above 0x7F first.
     */
    private static LockRelease changedAttribute() {
        return LockRelease.when("when the attribute changes", new LockRelease.CallRule() {
            @Override
            public Object beforeCall(ServiceCall call) {
                long mode = call.isRam(call.arg(0) + 72, 8) ? call.memory().u64(call.arg(0) + 72) : 0;
                if (mode == 0 || !call.isRam(mode + 8, 4)) {
                    return Boolean.FALSE;
                }
                return (call.memory().u32(mode + 8) & 0xFFFF_FFFFL) != call.arg(1);
            }

            @Override
            public boolean afterCall(ServiceCall call, Object changed, EfiStatus status) {
                return Boolean.TRUE.equals(changed) && status == EfiStatus.SUCCESS;
            }
        });
    }
}
