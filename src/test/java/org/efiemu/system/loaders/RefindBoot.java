package org.efiemu.system.loaders;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The media of a real rEFInd installation as Debian's {@code refind} package (0.13.2) lays it out, built in a test: an
 * ESP folder holding {@code \EFI\refind\refind_x64.efi}, its {@code drivers_x64\ext4_x64.efi} and a
 * {@code refind.conf}, and a GPT disk whose partition 1 is an ext4 root file system (4 KiB blocks, made by
 * {@code mkfs.ext4 -d} with fixed UUIDs, hash seed and time) holding {@code /boot/vmlinuz-<version>} (Debian's
 * kernel), {@code /boot/initrd.img-<version>} ({@link LinuxEfiStubTest#INITRD}) and {@code /boot/refind_linux.conf}
 * (the kernel's options). rEFInd finds the ext4 partition only through its driver: OVMF and efiemu have no ext4 file
 * system of their own.
 */
final class RefindBoot {
    /** Where rEFInd lies on the ESP. */
    static final String PATH = "\\EFI\\refind\\refind_x64.efi";
    /** The options refind_linux.conf gives the kernel (rEFInd adds {@code initrd=} for the initrd it found). */
    static final String OPTIONS = "console=ttyS0 efi=debug panic=1";
    /** The ext4 file system's label (rEFInd's menu names the volume by it). */
    static final String LABEL = "DEBROOT";

    final Path esp;
    final Path disk;
    final String kernel;
    final String version;

    private RefindBoot(Path esp, Path disk, String kernel, String version) {
        this.esp = esp;
        this.disk = disk;
        this.kernel = kernel;
        this.version = version;
    }

    /** The kernel's command line as rEFInd hands it over: the options, then the initrd it found beside the kernel. */
    String commandLine() {
        return OPTIONS + " initrd=boot\\initrd.img-" + version;
    }

    /** Builds the ESP folder and the disk image in {@code dir}, with {@code conf} as refind.conf. */
    static RefindBoot build(Path dir, String conf) throws Exception {
        return build(dir, conf, 4096);
    }

    /**
     * The same with ext4 blocks of {@code blockSize} bytes. With 1024 the 8 MB kernel crosses block groups (8 MiB
     * each), which rEFInd 0.13.2's ext4 driver cannot read (its Read returns EFI_VOLUME_CORRUPTED, on OVMF too).
     */
    static RefindBoot build(Path dir, String conf, int blockSize) throws Exception {
        Path refind = DebianEfi.extracted("refind").resolve("usr/share/refind/refind");
        Path home = Files.createDirectories(dir.resolve("esp/EFI/refind/drivers_x64"));
        Files.copy(refind.resolve("refind_x64.efi"), home.getParent().resolve("refind_x64.efi"));
        Files.copy(refind.resolve("drivers_x64/ext4_x64.efi"), home.resolve("ext4_x64.efi"));
        Files.writeString(home.getParent().resolve("refind.conf"), conf);

        Path vmlinuz = DebianEfi.vmlinuz();
        String kernel = vmlinuz.getFileName().toString();
        String version = kernel.substring("vmlinuz-".length());
        Path boot = Files.createDirectories(dir.resolve("root/boot"));
        Files.copy(vmlinuz, boot.resolve(kernel));
        Files.write(boot.resolve("initrd.img-" + version), LinuxEfiStubTest.INITRD);
        Files.writeString(boot.resolve("refind_linux.conf"), "\"Boot with serial console\" \"" + OPTIONS + "\"\n");

        Path img = dir.resolve("root.img");
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.position(64L * 1024 * 1024 - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        RefindExt4DriverTest.tool(dir, Map.of(), "sgdisk", "-U", "5A3F0E1C-6D2B-4B8A-9C7E-1F2D3C4B5A6A", "-n",
                "1:2048:+48M", "-t", "1:8300", "-u", "1:7E6D5C4B-3A29-4817-8695-A4B3C2D1E0F2", img.toString());
        RefindExt4DriverTest.tool(dir, Map.of("E2FSPROGS_FAKE_TIME", "1700000000"), "mkfs.ext4", "-q", "-F", "-b",
                String.valueOf(blockSize), "-E", "offset=1048576,hash_seed=11111111-2222-3333-4444-555555555556", "-U",
                "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F1", "-L", LABEL, "-d", dir.resolve("root").toString(),
                img.toString(), "48M");
        return new RefindBoot(dir.resolve("esp"), img, kernel, version);
    }
}
