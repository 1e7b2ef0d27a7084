package org.efiemu.uefi.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;

/**
 * A GPT disk whose FAT16 ESP boots a test payload as {@code \EFI\BOOT\BOOTX64.EFI}, and that payload's run on the q35
 * OVMF profile with the disk drivers: what the storage payload tests and their OVMF live tests share (the live tests
 * boot the same image on QEMU + OVMF).
 */
final class EspBootDisk {
    private EspBootDisk() {
    }

    /** The console lines that start with {@code prefix} (carriage returns dropped), the part a payload test compares. */
    static List<String> lines(String console, String prefix) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith(prefix)).toList();
    }

    /**
     * The disk: mkfs.fat's FAT16 ESP holding {@code files} (path and content pairs, as {@link DiskImages#fat} takes
     * them) and the payload as {@code \EFI\BOOT\BOOTX64.EFI} (mtools), in a GPT image {@code gpt.img} in {@code dir}.
     */
    static Path gpt(Path dir, String payload, String... files) throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, files);
        List<String> mmd = new ArrayList<>(List.of("mmd", "-i", esp.toString()));
        if (!holdsFolder(files, "/EFI/")) mmd.add("::/EFI");
        if (!holdsFolder(files, "/EFI/BOOT/")) mmd.add("::/EFI/BOOT");
        if (mmd.size() > 3) DiskImages.run(dir, null, mmd.toArray(String[]::new));
        DiskImages.run(dir, null, "mcopy", "-i", esp.toString(), TestPlatforms.payload(payload).toAbsolutePath()
                .toString(), "::/EFI/BOOT/BOOTX64.EFI");
        return DiskImages.gpt(dir, "gpt.img", esp);
    }

    private static boolean holdsFolder(String[] files, String folder) {
        for (int i = 0; i < files.length; i += 2) {
            if (files[i].toUpperCase(java.util.Locale.ROOT).startsWith(folder)) return true;
        }
        return false;
    }

    /** The payload booted from {@code img} (read-only: writes stay in the run's overlay) on efiemu. */
    static BootResult run(Path img) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35WithDiskDrivers()).disk(img, false).build()) {
            return m.run();
        }
    }
}
