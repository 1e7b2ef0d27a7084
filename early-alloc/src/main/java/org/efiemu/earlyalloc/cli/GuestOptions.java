package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Option;

/**
 * The options every command that boots one EFI application shares ({@code efiemu run}, {@code efiemu debug}): which
 * platform, which payload, the ESP folder, the load options and the user profile folder; mixed in with picocli's
 * {@code @Mixin}.
 */
public final class GuestOptions {
    @Option(names = "--platform", required = true, paramLabel = "P", description = "platform name or profile file")
    String platform;

    @Option(names = "--payload", paramLabel = "X.efi", description = "the EFI application (PE32+); without it, "
            + "\\EFI\\BOOT\\BOOTX64.EFI from the first FAT partition of the --disk images, as OVMF boots a disk")
    Path payload;

    @Option(names = "--disk", paramLabel = "IMAGE", description = "a raw disk image (GPT, MBR or bare FAT) as a SATA disk "
            + "with BlockIo, DiskIo, partitions and FAT file systems; repeatable. The file is never written: the guest's "
            + "writes stay in memory")
    java.util.List<Path> disks = new java.util.ArrayList<>();

    @Option(names = "--disk-read-only", description = "the --disk media are read-only (EFI_BLOCK_IO_MEDIA.ReadOnly; "
            + "writes get EFI_WRITE_PROTECTED)")
    boolean diskReadOnly;

    @Option(names = "--esp", paramLabel = "DIR", description = "a host folder as the EFI System Partition (SimpleFileSystem; read-only unless said otherwise)")
    Path esp;

    @Option(names = "--load-options", paramLabel = "TEXT", description = "the LoadedImage LoadOptions (command line)")
    String loadOptions;

    @Option(names = "--profile-dir", paramLabel = "DIR", description = "user profile folder")
    Path profileDir;

    /** The platform named by {@code --platform} (a built-in or user profile name, or a profile file). */
    PlatformProfile profile() throws IOException {
        ProfileRegistry registry = profileDir != null ? new ProfileRegistry(profileDir) : ProfileRegistry.standard();
        return registry.resolve(platform);
    }

    /**
     * Gives {@code b} the payload (unless it boots from a disk) and the {@code --disk} images, each checked to be a
     * readable file; with neither a payload nor a disk, one clear error.
     */
    void applyPayloadAndDisks(org.efiemu.uefi.UefiMachineBuilder b) throws IOException {
        if (payload == null && disks.isEmpty()) {
            throw new IllegalArgumentException("give --payload X.efi, or --disk IMAGE to boot \\EFI\\BOOT\\BOOTX64.EFI "
                    + "from it");
        }
        if (payload != null) {
            b.payload(payloadBytes(), payloadName());
        }
        for (Path d : disks) {
            if (!Files.isRegularFile(d)) {
                throw new IllegalArgumentException("--disk " + d + (Files.exists(d) ? " is not a regular file"
                        : " does not exist"));
            }
            b.disk(d, diskReadOnly);
        }
    }

    /** The payload's bytes; a missing or unreadable file is one clear error naming it. */
    byte[] payloadBytes() throws IOException {
        try {
            return Files.readAllBytes(payload);
        } catch (NoSuchFileException e) {
            throw new IOException("payload " + payload + " does not exist", e);
        } catch (IOException e) {
            throw new IOException("payload " + payload + " cannot be read: " + e.getMessage(), e);
        }
    }

    String payloadName() {
        return payload == null ? "BOOTX64.EFI" : payload.getFileName().toString();
    }

    /** The {@code --esp} folder, checked to be a directory, or null when none was given. */
    Path espFolder() {
        if (esp != null && !Files.isDirectory(esp)) {
            throw new IllegalArgumentException("--esp " + esp + " is not a directory");
        }
        return esp;
    }
}
