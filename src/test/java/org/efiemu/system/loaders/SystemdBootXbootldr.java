package org.efiemu.system.loaders;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A disk as a systemd-boot installation with an ext4 XBOOTLDR partition has it (Boot Loader Specification: Type #1
 * entries on the ESP or on the Extended Boot Loader partition of the same disk), built in a test with sgdisk, mkfs.fat,
 * mtools and {@code mkfs.ext4 -d}: GPT partition 1 the ESP (FAT16) holding Debian's {@code systemd-bootx64.efi} as
 * {@code \EFI\BOOT\BOOTX64.EFI}, rEFInd's {@code ext4_x64.efi} in {@code \EFI\systemd\drivers\} (where systemd-boot
 * loads drivers from) and {@code \loader\loader.conf}; partition 2 the XBOOTLDR partition (type
 * BC13C2FF-59E6-4262-A352-B275FD6F7172), ext4, holding {@code /loader/entries/debian.conf}, {@code /vmlinuz} (Debian's
 * kernel) and {@code /initrd.img}. Neither OVMF nor efiemu reads ext4: systemd-boot finds the entry and the kernel only
 * through the driver it loaded.
 */
final class SystemdBootXbootldr {
    static final String TITLE = "Debian on ext4";
    static final String OPTIONS = "console=ttyS0 efi=debug panic=1";
    /** XBOOTLDR's partition GUID (sgdisk -u), in the device path of the kernel LoadImage reads. */
    static final String XBOOTLDR_GUID = "3C1B2A09-8F7E-4D6C-9B5A-0F1E2D3C4B5A";

    private SystemdBootXbootldr() {
    }

    /** Builds the disk in {@code dir}; returns its image. */
    static Path build(Path dir) throws Exception {
        Path img = dir.resolve("sdboot.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(80L << 20);
        }
        RefindExt4DriverTest.tool(dir, Map.of(), "sgdisk", "-U", "6B4F1F2D-7E3C-4C9B-AD8F-2E3D4C5B6A7B",
                "-n", "1:2048:+16M", "-t", "1:ef00", "-u", "1:2A0B1C3D-4E5F-4061-8273-94A5B6C7D8E9",
                "-n", "2:34816:+48M", "-t", "2:ea00", "-u", "2:" + XBOOTLDR_GUID, img.toString());
        RefindExt4DriverTest.tool(dir, Map.of(), "mkfs.fat", "-F", "16", "--offset", "2048", "-i", "5EFB0071", "-n",
                "ESP", img.toString(), String.valueOf(16 * 1024));
        String esp = img + "@@" + 2048 * 512;
        for (String d : new String[] {"::/EFI", "::/EFI/BOOT", "::/EFI/systemd", "::/EFI/systemd/drivers", "::/loader"}) {
            RefindExt4DriverTest.tool(dir, Map.of(), "mmd", "-i", esp, d);
        }
        RefindExt4DriverTest.tool(dir, Map.of(), "mcopy", "-i", esp, DebianEfi.file("systemd-boot-efi",
                "usr/lib/systemd/boot/efi/systemd-bootx64.efi").toString(), "::/EFI/BOOT/BOOTX64.EFI");
        RefindExt4DriverTest.tool(dir, Map.of(), "mcopy", "-i", esp, DebianEfi.file("refind",
                "usr/share/refind/refind/drivers_x64/ext4_x64.efi").toString(), "::/EFI/systemd/drivers/ext4_x64.efi");
        Path conf = Files.writeString(dir.resolve("loader.conf"), "timeout 2\nconsole-mode keep\n");
        RefindExt4DriverTest.tool(dir, Map.of(), "mcopy", "-i", esp, conf.toString(), "::/loader/loader.conf");

        Path root = Files.createDirectories(dir.resolve("xbootldr/loader/entries"));
        Files.writeString(root.resolve("debian.conf"), "title " + TITLE + "\nlinux /vmlinuz\ninitrd /initrd.img\n"
                + "options " + OPTIONS + "\n");
        Files.copy(DebianEfi.vmlinuz(), dir.resolve("xbootldr/vmlinuz"));
        Files.write(dir.resolve("xbootldr/initrd.img"), LinuxEfiStubTest.INITRD);
        RefindExt4DriverTest.tool(dir, Map.of("E2FSPROGS_FAKE_TIME", "1700000000"), "mkfs.ext4", "-q", "-F", "-b",
                "4096", "-E", "offset=" + 34816L * 512 + ",hash_seed=11111111-2222-3333-4444-555555555557", "-U",
                "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F2", "-L", "XBOOTLDR", "-d", dir.resolve("xbootldr").toString(),
                img.toString(), "48M");
        return img;
    }
}
