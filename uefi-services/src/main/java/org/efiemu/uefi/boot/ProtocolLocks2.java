package org.efiemu.uefi.boot;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * The second half of {@link ProtocolLocks}: RFLAGS.IF after the PCI root bridge and PciIo functions beyond those
 * {@code if-protocols} calls, DiskInfo, ConInEx SetState/RegisterKeyNotify/UnregisterKeyNotify, the UEFI Shell's
 * StdIn/StdOut/StdErr file functions, BlockIo2/DiskIo2 flushes and the DXE services (PI 1.7 vol. 2 §7.2). Measured on
 * QEMU 7.2 q35 + OVMF 2022.11 with the {@code timer-tick} payload's {@code if-protocols2} case (each function called
 * after {@code cli}; {@code TplInterruptsOvmfLiveTest}); the rest follows edk2-stable202211's code:
 *
 * <ul>
 * <li>PciHostBridgeDxe's root bridge functions raise no TPL: only AllocateBuffer and FreeBuffer (gBS->AllocatePages /
 *     FreePages) and a Map or Unmap with a bounce buffer (AllocatePool/AllocatePages, FreePages/FreePool) set IF.
 * <li>PciBusDxe's PciIo functions call the root bridge after their own checks and report a root-bridge error as a
 *     status code ({@code REPORT_STATUS_CODE_WITH_DEVICE_PATH}), whose router raises and restores the TPL: a PollMem
 *     that times out returns with IF set (the root bridge's own PollMem does not).
 * </ul>
 */
final class ProtocolLocks2 {
    /** Functions without a rule here or in {@link ProtocolLocks}: IF as the caller left it. */
    static final String UNLISTED = "not measured: the DXE services Dispatch (nothing to dispatch on efiemu), "
            + "InitrdLoadFile2.LoadFile (the loader's own LoadFile2: systemd-stub and OVMF's LinuxInitrdDynamicShellCommand "
            + "copy from memory without a lock; GRUB's reads the file through DiskIo, which would set IF), the device path "
            + "protocols";

    /** Where a rule goes: {@code (name, rule, measured)}. */
    interface Sink {
        void add(String name, LockRelease rule, boolean measured);
    }

    private ProtocolLocks2() {
    }

    static void addTo(Sink s) {
        // PciHostBridgeDxe (root bridge): measured on the stdvga function's framebuffer
        for (String f : new String[] {"Pci.Read", "Mem.Read", "Mem.Write", "Io.Read", "PollMem", "CopyMem", "Flush",
                "GetAttributes", "SetAttributes", "Configuration"}) {
            s.add("PciRootBridgeIo." + f, LockRelease.NONE, true);
        }
        for (String f : new String[] {"Pci.Write", "Io.Write", "PollIo"}) {
            s.add("PciRootBridgeIo." + f, LockRelease.NONE, false);
        }
        s.add("PciRootBridgeIo.AllocateBuffer", LockRelease.before(EfiStatus.INVALID_PARAMETER, EfiStatus.UNSUPPORTED),
                true);
        s.add("PciRootBridgeIo.FreeBuffer", LockRelease.ALWAYS, true);
        s.add("PciRootBridgeIo.Map", bounce(false), true);
        s.add("PciRootBridgeIo.Unmap", bounceUnmap(false), true);
        // PciBusDxe (PciIo): its checks, then the root bridge; a root-bridge error reports a status code
        for (String f : new String[] {"Flush", "SetBarAttributes"}) {
            s.add("PciIo." + f, LockRelease.NONE, true);
        }
        LockRelease statusCode = LockRelease.when("when the root bridge returns an error (TIMEOUT, Result NULL, "
                + "misaligned: PciBusDxe reports a status code)", (call, before, status) -> false);
        // Mem/Io/Pci reads and writes and CopyMem: measured without a lock on success; a root-bridge refusal (an
        // offset not aligned to the width; Pci: also Buffer NULL) is reported as a status code (edk2-stable202211
        // PciIo.c: REPORT_STATUS_CODE_WITH_DEVICE_PATH after the root bridge call), PciBusDxe's own refusals take none
        LockRelease rootBridgeError = LockRelease.when("when the root bridge refuses it (an offset not aligned to the "
                + "width; Pci.Read/Write: also Buffer NULL): PciBusDxe reports a status code", (call, before, status) -> false);
        for (String f : new String[] {"Mem.Read", "Mem.Write", "Io.Read", "Pci.Read", "Pci.Write", "CopyMem"}) {
            s.add("PciIo." + f, rootBridgeError, true);
        }
        s.add("PciIo.Io.Write", rootBridgeError, false);
        s.add("PciIo.PollMem", statusCode, true);
        s.add("PciIo.PollIo", statusCode, false);
        s.add("PciIo.AllocateBuffer", LockRelease.before(EfiStatus.UNSUPPORTED), true);
        s.add("PciIo.FreeBuffer", LockRelease.ALWAYS, true);
        s.add("PciIo.Map", bounce(true), true);
        s.add("PciIo.Unmap", bounceUnmap(true), true);
        // AtaBusDxe's DiskInfo copies what it identified at start
        for (String f : new String[] {"Inquiry", "Identify", "SenseData", "WhichIde"}) {
            s.add("DiskInfo." + f, LockRelease.NONE, true);
        }
        // ConSplitterDxe: SetState calls the keyboards' SetState (TPL raised; a state without EFI_TOGGLE_STATE_VALID is
        // refused by TerminalDxe, asked first, before any lock), RegisterKeyNotify allocates, UnregisterKeyNotify frees
        // the handle it finds (none found: EFI_INVALID_PARAMETER without a lock)
        s.add("ConInEx.SetState", LockRelease.before(EfiStatus.INVALID_PARAMETER, EfiStatus.UNSUPPORTED), true);
        s.add("ConInEx.RegisterKeyNotify", LockRelease.AFTER_ARGUMENT_CHECKS, true);
        s.add("ConInEx.UnregisterKeyNotify", LockRelease.AFTER_ARGUMENT_CHECKS, true);
        // The UEFI Shell's console file handles: StdOut/StdErr Write is ConOut/StdErr->OutputString; StdIn's Read is
        // the line editor (WaitForEvent on WaitForKey, echo through OutputString)
        LockRelease whenSuccess = LockRelease.when("when it returns EFI_SUCCESS (console output)",
                (call, before, status) -> status == EfiStatus.SUCCESS);
        s.add("ShellFile.Write", whenSuccess, true);
        s.add("ShellFile.GetPosition", LockRelease.NONE, true);
        s.add("ShellFile.Flush", LockRelease.NONE, true);
        s.add("ShellFile.Read", whenSuccess, false);
        // BlockIo2/DiskIo2 flushes: with a Token and an Event the task is allocated (partition, DiskIo2) or the
        // event signalled (AtaBus); a blocking flush takes no lock
        s.add("BlockIo2.FlushBlocksEx", tokenWithEvent(1), false);
        s.add("DiskIo2.FlushDiskEx", tokenWithEvent(1), false);
        // DXE services (MdeModulePkg/Core/Dxe/Gcd): the GCD locks after the NULL and range checks
        for (String f : new String[] {"GetMemorySpaceDescriptor", "GetMemorySpaceMap", "GetIoSpaceDescriptor",
                "GetIoSpaceMap"}) {
            s.add("DxeServices." + f, LockRelease.AFTER_ARGUMENT_CHECKS, true);
        }
        for (String f : new String[] {"AddMemorySpace", "AllocateMemorySpace", "FreeMemorySpace", "RemoveMemorySpace",
                "SetMemorySpaceAttributes", "SetMemorySpaceCapabilities", "AddIoSpace", "AllocateIoSpace",
                "FreeIoSpace", "RemoveIoSpace"}) {
            s.add("DxeServices." + f, LockRelease.AFTER_ARGUMENT_CHECKS, false);
        }
        s.add("DxeServices.Schedule", LockRelease.before(EfiStatus.NOT_FOUND), false);
        s.add("DxeServices.Trust", LockRelease.before(EfiStatus.NOT_FOUND), false);
        s.add("DxeServices.ProcessFirmwareVolume", LockRelease.ALWAYS, false);
    }

    /** NO_MAPPING, the {@code *Mapping} of a transfer that needed no bounce buffer (PciHostBridgeDxe). */
    private static final long NO_MAPPING = -1L;

    /**
     * Map: a bounce buffer (MAP_INFO from AllocatePool, pages from AllocatePages) sets IF; {@code pciIo}: PciBusDxe's
     * Map also reports a root-bridge error (a common buffer that cannot be bounced, no pages) as a status code.
     */
    private static LockRelease bounce(boolean pciIo) {
        return LockRelease.when(pciIo ? "when it bounces (a buffer above 4 GiB) or the root bridge refuses it"
                : "when it bounces (a buffer above 4 GiB)", (call, before, status) -> {
                    if (status == EfiStatus.SUCCESS) {
                        long at = call.arg(5);
                        return at != 0 && call.isRam(at, 8) && call.memory().u64(at) != NO_MAPPING;
                    }
                    return status == EfiStatus.OUT_OF_RESOURCES || pciIo && status == EfiStatus.UNSUPPORTED;
                });
    }

    /** Unmap: a bounce mapping is freed (FreePages, FreePool); PciBusDxe reports an unknown mapping as a status code. */
    private static LockRelease bounceUnmap(boolean pciIo) {
        return LockRelease.when(pciIo ? "when the mapping was a bounce buffer or is unknown"
                : "when the mapping was a bounce buffer", (call, before, status) -> status == EfiStatus.SUCCESS
                        ? call.arg(1) != NO_MAPPING : pciIo);
    }

    /** A non-blocking request: a Token (argument {@code tokenArg}) whose Event (its first member) is not NULL. */
    private static LockRelease tokenWithEvent(int tokenArg) {
        return LockRelease.when("with a Token and its Event (non-blocking)", (call, before, status) -> {
            long token = call.arg(tokenArg);
            return token != 0 && call.isRam(token, 8) && call.memory().u64(token) != 0;
        });
    }
}
