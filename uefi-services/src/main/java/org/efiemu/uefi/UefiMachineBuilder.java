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
    /** The payload's file as the caller gave it (a copy); null when it was given parsed or boots from a disk. */
    byte[] payload;
    String payloadName;
    /**
     * The payload when the caller gave it parsed ({@link #payload(org.efiemu.core.pe.PeImage)}), else null; its file
     * is read from the image itself, which is immutable (no copy per machine).
     */
    org.efiemu.core.pe.PeImage parsedPayload;
    long instructionBudget = 2_000_000_000L;
    long serviceCallBudget = 1_000_000L;
    long outputBudget = 64L << 20;
    long hostWorkBudget = DEFAULT_HOST_WORK_BUDGET;

    /** Default {@link #hostWorkBudget}: 16 Gi units, e.g. 256 SetMem calls over 64 MiB each. */
    public static final long DEFAULT_HOST_WORK_BUDGET = 16L << 30;
    Duration wallClock = Duration.ofMinutes(2);
    org.efiemu.core.clock.InstructionCounting counting = org.efiemu.core.clock.InstructionCounting.BLOCKS;
    boolean storeFastPath = true;
    boolean nativeClockPorts = org.efiemu.core.clock.NativeClockPorts.enabledByDefault();
    boolean inlineBlockCounting = true;
    boolean uncounted;
    org.efiemu.core.engine.ReusableEngine engine;
    boolean stopAfterExitBootServices;
    long loadAddress = -1;
    String loadOptions = "";
    boolean shellParameters;
    String filePath;
    Path payloadPath;
    org.efiemu.uefi.fs.EspVolume esp;
    Path espDirectory;
    org.efiemu.uefi.protocol.KeyScript keyScript = org.efiemu.uefi.protocol.KeyScript.NONE;
    byte[] initrd;
    org.efiemu.uefi.protocol.GraphicsOutput.Display graphics;
    boolean headless;
    Long rngSeed;
    java.time.Instant startTime = DEFAULT_START_TIME;
    final List<DiskSpec> disks = new ArrayList<>();
    final List<ConsoleListener> consoleListeners = new ArrayList<>();
    final List<TraceListener> traceListeners = new ArrayList<>();

    /** The wall-clock time a machine starts at unless {@link #startTime} says otherwise (parsed once, not per builder). */
    static final java.time.Instant DEFAULT_START_TIME = java.time.Instant.parse("2024-01-01T00:00:00Z");

    UefiMachineBuilder(PlatformDescription platform) {
        this.platform = Objects.requireNonNull(platform, "platform");
    }

    /** The PE32+ image to boot, with the file name used in traces ({@code strategy.efi+0x1A2B}). */
    public UefiMachineBuilder payload(byte[] peBytes, String name) {
        this.payload = peBytes.clone();
        this.payloadName = Objects.requireNonNull(name, "name");
        this.parsedPayload = null;
        return this;
    }

    /**
     * The PE32+ image to boot, already parsed (its file bytes and {@link org.efiemu.core.pe.PeImage#name() name} as
     * {@link #payload(byte[], String)} would take them): a caller booting the same payload on machine after machine (a
     * hunt, a matrix) parses it once instead of once per machine. A {@code PeImage} is immutable, so one can be shared
     * by machines in many threads.
     */
    public UefiMachineBuilder payload(org.efiemu.core.pe.PeImage image) {
        this.payload = null;
        this.payloadName = image.name();
        this.parsedPayload = image;
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
     * How the machine's clock counts instructions: {@link org.efiemu.core.clock.InstructionCounting#BLOCKS by block}
     * (the default; exact except where {@link org.efiemu.core.machine.Machine#positionsExact()} says) or
     * {@link org.efiemu.core.clock.InstructionCounting#PER_INSTRUCTION per instruction} (exact everywhere, several
     * times slower: for a user who asks for it).
     */
    public UefiMachineBuilder instructionCounting(org.efiemu.core.clock.InstructionCounting counting) {
        this.counting = Objects.requireNonNull(counting, "counting");
        return this;
    }

    /**
     * Whether reads of the ACPI PM timer (a pure function of virtual time) are answered in C (default true unless
     * {@code -Defiemu.io.nativeClockPorts=false}; see {@code MachineBuilder.nativeClockPorts}). Same values either way.
     */
    public UefiMachineBuilder nativeClockPorts(boolean on) {
        this.nativeClockPorts = on;
        return this;
    }

    /**
     * Whether guest stores to RAM pages holding no translated code stay on Unicorn's fast path (default true; only
     * with the Unicorn build {@link org.efiemu.core.engine.StoreFastPath} knows). The guest, the instruction count
     * and the trace are the same either way; false is for comparing.
     */
    public UefiMachineBuilder storeFastPath(boolean on) {
        this.storeFastPath = on;
        return this;
    }

    /**
     * Whether blocks counted by block count without a call where the Unicorn build allows it (default true;
     * {@link org.efiemu.core.clock.InlineBlockCounting}). It pays off where blocks run many times each (a loader's
     * loops); short runs that translate most of what they run (a strategy's scenario) are cheaper with the call, since
     * each translation's first run takes the call anyway and the inline translation costs more to make. The count, the
     * stops and the trace are the same either way.
     */
    public UefiMachineBuilder inlineBlockCounting(boolean on) {
        this.inlineBlockCounting = on;
        return this;
    }

    /**
     * Builds the machine on an engine lent by {@code engine} (one per worker thread) instead of a new Unicorn engine;
     * closing the machine gives it back. The machine behaves exactly as on a new engine (docs/performance.md, "Engine
     * reuse"); null (the default): a new engine per machine.
     */
    public UefiMachineBuilder engine(org.efiemu.core.engine.ReusableEngine engine) {
        this.engine = engine;
        return this;
    }

    /** How machines built from here count instructions ({@link #instructionCounting}). */
    public org.efiemu.core.clock.InstructionCounting counting() {
        return counting;
    }

    /**
     * Instructions are not counted at all ({@link org.efiemu.core.clock.ClockMode#HOST_EVENTS}): virtual time moves
     * only with service calls and RDTSC reads, the budget is Unicorn's own, and no hook runs outside the firmware's
     * trap regions: guest code runs at raw Unicorn speed. Not deterministic in time; for measuring what counting
     * costs (the speed benches), not for tests. Timer ticks: the clock asks Unicorn to stop when a service call or
     * RDTSC read reaches a tick, but such a stop was seen to come late (TimerTickCountingModesTest: a spin calling
     * HandleProtocol got one TimerInterrupt at system time 30 ms instead of three at 10, 20 and 30 ms); a spin that
     * calls nothing moves no time and gets no tick.
     */
    public UefiMachineBuilder uncounted() {
        this.uncounted = true;
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

    /**
     * Service calls a run may make (default 1 000 000); one more stops it as {@link BootOutcome#BUDGET_EXHAUSTED}.
     * Bounds host time and the trace of a guest calling in a loop or spinning inside a service stub.
     */
    public UefiMachineBuilder serviceCallBudget(long calls) {
        if (calls < 1) {
            throw new IllegalArgumentException("service-call budget " + calls + ": expected 1 or more");
        }
        this.serviceCallBudget = calls;
        return this;
    }

    /**
     * Host work the run's service calls may cost (default {@link #DEFAULT_HOST_WORK_BUDGET} units): each call costs
     * 4096 units plus one per byte it reads or writes in guest memory (CopyMem, SetMem, CalculateCrc32, file and
     * block reads, GetMemoryMap, its arguments); more stops the run as {@link BootOutcome#BUDGET_EXHAUSTED}. Counted
     * in bytes, not host time, so the stop is the same on every run and machine.
     */
    public UefiMachineBuilder hostWorkBudget(long units) {
        if (units < 1) {
            throw new IllegalArgumentException("host-work budget " + units + ": expected 1 or more units");
        }
        this.hostWorkBudget = units;
        return this;
    }

    /**
     * Console characters (ConOut, StdErr, COM1) a run may write (default 64 Mi); more stops it as
     * {@link BootOutcome#BUDGET_EXHAUSTED}. The console kept in memory is bounded anyway (head and tail).
     */
    public UefiMachineBuilder outputBudget(long chars) {
        if (chars < 1) {
            throw new IllegalArgumentException("output budget " + chars + ": expected 1 or more characters");
        }
        this.outputBudget = chars;
        return this;
    }

    /** The longest LoadOptions string accepted, in characters (its UCS-2 copy lives in firmware memory). */
    public static final int MAX_LOAD_OPTIONS_CHARS = 65_536;

    /**
     * Starts the image as the UEFI Shell does: EFI_SHELL_PARAMETERS_PROTOCOL on its image handle, {@code Argv} split
     * from the LoadOptions as the Shell splits its command line ({@code Argv[0]} is the image's path, so the
     * LoadOptions should start with it, as the Shell's do), StdIn/StdOut/StdErr console handles
     * ({@link org.efiemu.uefi.shell.ShellParameters}). Off by default (a boot manager's start); {@code efiemu diff}
     * turns it on because its QEMU + OVMF side starts the image from the Shell.
     */
    public UefiMachineBuilder shellParameters(boolean on) {
        this.shellParameters = on;
        return this;
    }

    /**
     * The LoadedImage LoadOptions string (a command line), UCS-2 encoded for the guest; at most
     * {@link #MAX_LOAD_OPTIONS_CHARS} characters.
     */
    public UefiMachineBuilder loadOptions(String options) {
        Objects.requireNonNull(options, "options");
        if (options.length() > MAX_LOAD_OPTIONS_CHARS) {
            throw new IllegalArgumentException(String.format("load options are %d characters long; at most %d are "
                    + "accepted (LoadOptions is a UCS-2 copy in firmware memory)", options.length(), MAX_LOAD_OPTIONS_CHARS));
        }
        this.loadOptions = options;
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
     * Without one the platform's display is used ({@code display:} in its profile); a platform without one, or
     * {@link #headless()}, has no GOP handle.
     */
    public UefiMachineBuilder graphics(org.efiemu.uefi.protocol.GraphicsOutput.Display display) {
        this.graphics = java.util.Objects.requireNonNull(display, "display");
        this.headless = false;
        return this;
    }

    /**
     * No display even when the platform has one (no GOP handle, as a machine without a video adapter).
     */
    public UefiMachineBuilder headless() {
        this.headless = true;
        this.graphics = null;
        return this;
    }

    /**
     * Installs EFI_RNG_PROTOCOL seeded with {@code seed} (deterministic bytes, {@link org.efiemu.uefi.protocol.EfiRng});
     * without it the machine has none, as OVMF 2022.11 on q35 without a virtio-rng device.
     */
    public UefiMachineBuilder rng(long seed) {
        this.rngSeed = seed;
        return this;
    }

    /** The display the machine gets: the builder's, else the platform's ({@code display:} in its profile), or none. */
    org.efiemu.uefi.protocol.GraphicsOutput.Display effectiveDisplay() {
        if (headless) {
            return null;
        }
        return graphics != null ? graphics : platform.display();
    }

    /** Keys ConIn delivers, in order (CR is Enter, ESC 0x1B is Escape); default none (ReadKeyStroke: EFI_NOT_READY). */
    public UefiMachineBuilder conInKeys(String keys) {
        this.keyScript = org.efiemu.uefi.protocol.KeyScript.immediate(Objects.requireNonNull(keys, "keys"));
        return this;
    }

    /**
     * Keys ConIn delivers, each from its virtual time on ({@link org.efiemu.uefi.protocol.KeyScript}, the
     * {@code --keys FILE} format); WaitForEvent on WaitForKey advances virtual time to the next one.
     */
    public UefiMachineBuilder keys(org.efiemu.uefi.protocol.KeyScript script) {
        this.keyScript = Objects.requireNonNull(script, "script");
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
        if (payload == null && parsedPayload == null && disks.isEmpty()) {
            throw new IllegalStateException("UefiMachineBuilder: payload(...) was not set (nor a disk(...) to boot "
                    + "\\EFI\\BOOT\\BOOTX64.EFI from)");
        }
        return new UefiMachine(this);
    }
}
