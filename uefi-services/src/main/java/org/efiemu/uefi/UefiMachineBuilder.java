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
    byte[] initrd;
    org.efiemu.uefi.protocol.GraphicsOutput.Display graphics;
    java.time.Instant startTime = java.time.Instant.parse("2024-01-01T00:00:00Z");
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

    /**
     * An initial RAM disk handed over as GRUB and systemd-boot hand it to the Linux kernel's EFI stub: an
     * EFI_LOAD_FILE2_PROTOCOL on a handle whose device path is {@code VenMedia(LINUX_EFI_INITRD_MEDIA_GUID)}
     * ({@link org.efiemu.uefi.protocol.InitrdLoadFile2}). Default: none.
     */
    public UefiMachineBuilder initrd(byte[] data) {
        this.initrd = Objects.requireNonNull(data, "data").clone();
        return this;
    }

    /** {@link #initrd(byte[])} from a file; a missing or unreadable file is an error naming it. */
    public UefiMachineBuilder initrd(Path file) {
        try {
            return initrd(java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("initrd " + file + " cannot be read: " + e.getMessage(), e);
        }
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
        if (payload == null) {
            throw new IllegalStateException("UefiMachineBuilder: payload(...) was not set");
        }
        return new UefiMachine(this);
    }
}
