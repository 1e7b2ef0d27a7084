package org.efiemu.uefi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.trace.TraceListener;

/** Configures a {@link UefiMachine}: a platform, a payload and run options. */
public final class UefiMachineBuilder {
    final PlatformDescription platform;
    byte[] payload;
    String payloadName;
    long instructionBudget = 2_000_000_000L;
    Duration wallClock = Duration.ofMinutes(2);
    org.efiemu.core.clock.InstructionCounting counting = org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION;
    boolean stopAfterExitBootServices;
    long loadAddress = -1;
    String loadOptions = "";
    String filePath;
    Path payloadPath;
    org.efiemu.uefi.fs.EspVolume esp;
    Path espDirectory;
    String conInKeys = "";
    org.efiemu.uefi.protocol.GraphicsOutput.Display graphics;
    java.time.Instant startTime = java.time.Instant.parse("2024-01-01T00:00:00Z");
    final List<DiskSpec> disks = new ArrayList<>();
    final List<ConsoleListener> consoleListeners = new ArrayList<>();
    final List<TraceListener> traceListeners = new ArrayList<>();

    UefiMachineBuilder(PlatformDescription platform) {
        this.platform = Objects.requireNonNull(platform, "platform");
    }

    /** The PE32+ image to boot, with the file name used in traces ({@code strategy.efi+0x1A2B}). */
    public UefiMachineBuilder payload(byte[] peBytes, String name) {
        this.payload = peBytes.clone();
        this.payloadName = Objects.requireNonNull(name, "name");
        return this;
    }

    /** The image file to boot. */
    public UefiMachineBuilder payload(Path file) {
        try {
            payload(Files.readAllBytes(file), file.getFileName().toString());
            payloadPath = file.toAbsolutePath().normalize();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("payload " + file + " cannot be read", e);
        }
    }

    /** Deterministic instruction budget (default 2e9; 0 = none). */
    public UefiMachineBuilder instructionBudget(long instructions) {
        this.instructionBudget = instructions;
        return this;
    }

    /** Host wall-clock safety limit (default 2 minutes; {@link Duration#ZERO} = none). */
    public UefiMachineBuilder wallClockLimit(Duration limit) {
        this.wallClock = Objects.requireNonNull(limit, "limit");
        return this;
    }

    /**
     * How the machine's clock counts instructions: per instruction (the default, exact everywhere) or
     * {@link org.efiemu.core.clock.InstructionCounting#BLOCKS by block} (about twice as fast; exact except where
     * {@link org.efiemu.core.machine.Machine#positionsExact()} says, after which a caller reruns per instruction).
     */
    public UefiMachineBuilder instructionCounting(org.efiemu.core.clock.InstructionCounting counting) {
        this.counting = Objects.requireNonNull(counting, "counting");
        return this;
    }

    /** End the run as soon as ExitBootServices succeeds ({@link BootOutcome#EXITED_BOOT_SERVICES}). */
    public UefiMachineBuilder stopAfterExitBootServices(boolean stop) {
        this.stopAfterExitBootServices = stop;
        return this;
    }

    /** Load the image at this address instead of EDK2's policy (e.g. 0x100000 for a multiboot2-style load). */
    public UefiMachineBuilder loadAddress(long address) {
        if (address < 0 || (address & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("load address 0x%X must be a non-negative multiple of 4 KiB", address));
        }
        this.loadAddress = address;
        return this;
    }

    /** The LoadedImage LoadOptions string (a command line), UCS-2 encoded for the guest. */
    public UefiMachineBuilder loadOptions(String options) {
        this.loadOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /** The LoadedImage FilePath (default {@code \EFI\BOOT\<payload name>}). */
    public UefiMachineBuilder filePath(String path) {
        this.filePath = Objects.requireNonNull(path, "path");
        return this;
    }

    /**
     * The EFI System Partition: a volume with SimpleFileSystem and a device path (a SATA disk's first GPT
     * partition) whose handle is the image's DeviceHandle. Default: none.
     */
    public UefiMachineBuilder esp(org.efiemu.uefi.fs.EspVolume volume) {
        this.esp = Objects.requireNonNull(volume, "volume");
        this.espDirectory = null;
        return this;
    }

    /**
     * The ESP as a host directory (read-only unless {@code writable}); a payload file inside it gets its path there as
     * LoadedImage FilePath (e.g. {@code \EFI\BOOT\BOOTX64.EFI}).
     */
    public UefiMachineBuilder esp(Path directory, boolean writable) {
        this.esp = org.efiemu.uefi.fs.EspVolume.ofHostDirectory(directory, "ESP", writable);
        this.espDirectory = directory.toAbsolutePath().normalize();
        return this;
    }

    /** A disk the machine serves: an image file (opened read-only) or a caller's in-memory image. */
    record DiskSpec(Path path, org.efiemu.uefi.disk.DiskImage image, boolean readOnly) {
    }

    /**
     * A raw disk image (GPT, MBR or a bare FAT file system) served as OVMF serves a SATA disk: BlockIo, DiskIo,
     * DiskIo2, a handle per partition with PartitionInfo, SimpleFileSystem on FAT (see
     * {@link org.efiemu.uefi.storage.StorageDevices}). The file is opened read-only and never changed: the guest's
     * writes stay in memory (a copy-on-write overlay; {@link UefiMachine#disks()} gives the image to
     * {@link org.efiemu.uefi.disk.DiskImage#saveTo save} them elsewhere). {@code readOnly} makes the media read-only as
     * well (EFI_BLOCK_IO_MEDIA.ReadOnly, writes get EFI_WRITE_PROTECTED). Disks are on AHCI ports 0, 1, ... in the order
     * given (after the {@link #esp ESP}'s port 0 when there is one). Without a {@link #payload}, the machine boots
     * {@code \EFI\BOOT\BOOTX64.EFI} from the first FAT partition that has it, as OVMF's boot manager boots a disk.
     */
    public UefiMachineBuilder disk(Path image, boolean readOnly) {
        disks.add(new DiskSpec(Objects.requireNonNull(image, "image"), null, readOnly));
        return this;
    }

    /**
     * As {@link #disk(Path, boolean)} for an image in memory. The machine closes it, so a builder given one builds
     * one machine (a path is opened afresh by every machine built, e.g. each replay of a debug session).
     */
    public UefiMachineBuilder disk(org.efiemu.uefi.disk.DiskImage image, boolean readOnly) {
        disks.add(new DiskSpec(null, Objects.requireNonNull(image, "image"), readOnly));
        return this;
    }

    /**
     * A display adapter: EFI_GRAPHICS_OUTPUT_PROTOCOL (UEFI 2.10 §12.9) is installed on its own handle at boot, with
     * the framebuffer as a device range outside the memory map (e.g. {@code GraphicsOutput.Display.ovmfStdVga()}).
     * Without one, LocateHandle(ByProtocol, EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID) finds nothing (a headless machine).
     */
    public UefiMachineBuilder graphics(org.efiemu.uefi.protocol.GraphicsOutput.Display display) {
        this.graphics = java.util.Objects.requireNonNull(display, "display");
        return this;
    }

    /** Keys ConIn delivers, in order (CR is Enter, ESC 0x1B is Escape); default none (ReadKeyStroke: EFI_NOT_READY). */
    public UefiMachineBuilder conInKeys(String keys) {
        this.conInKeys = Objects.requireNonNull(keys, "keys");
        return this;
    }

    /** The wall time GetTime reports at virtual time 0 (default 2024-01-01T00:00:00Z), so runs are deterministic. */
    public UefiMachineBuilder startTime(java.time.Instant time) {
        this.startTime = Objects.requireNonNull(time, "time");
        return this;
    }

    /** The LoadedImage FilePath the builder's options give: explicit, inside the ESP directory, or the default. */
    String effectiveFilePath(String imageName) {
        if (filePath != null) {
            return filePath;
        }
        if (espDirectory != null && payloadPath != null && payloadPath.startsWith(espDirectory)) {
            return "\\" + espDirectory.relativize(payloadPath).toString().replace('/', '\\');
        }
        return "\\EFI\\BOOT\\" + imageName;
    }

    public UefiMachineBuilder consoleListener(ConsoleListener l) {
        consoleListeners.add(Objects.requireNonNull(l, "listener"));
        return this;
    }

    public UefiMachineBuilder traceListener(TraceListener l) {
        traceListeners.add(Objects.requireNonNull(l, "listener"));
        return this;
    }

    /**
     * Builds the machine: memory, firmware tables, services, consoles, and the payload loaded with its LoadedImage.
     *
     * @throws IllegalStateException when no payload was given
     * @throws IllegalArgumentException when the platform or payload cannot be used (message says why)
     */
    public UefiMachine build() {
        if (payload == null && disks.isEmpty()) {
            throw new IllegalStateException("UefiMachineBuilder: payload(...) was not set (nor a disk(...) to boot "
                    + "\\EFI\\BOOT\\BOOTX64.EFI from)");
        }
        return new UefiMachine(this);
    }
}
