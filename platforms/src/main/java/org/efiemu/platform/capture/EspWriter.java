package org.efiemu.platform.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the capture application onto a folder that becomes a USB stick's (or any FAT volume's) root:
 * {@code EFI/BOOT/BOOTX64.EFI} and a short README. Never overwrites a different existing file.
 */
public final class EspWriter {
    /** The README written next to the EFI folder. */
    public static final String README = "EFIEMU-CAPTURE-README.TXT";

    private EspWriter() {}

    /**
     * Writes the probe, its marker {@link ProbeImage#RETURN_MARKER} (end=return: report to the volume, return to the
     * firmware) and the README into {@code dir}; returns the files written.
     */
    public static List<Path> write(Path dir, byte[] probe) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--write-esp " + dir + ": exists and is not a folder");
        }
        Path efi = dir.resolve(ProbeImage.BOOT_PATH);
        Path cfg = dir.resolve(ProbeImage.RETURN_MARKER);
        Path readme = dir.resolve(README);
        List<Path> files = List.of(efi, cfg, readme);
        List<byte[]> content = List.of(probe, (ProbeImage.RETURN_OPTION + "\r\n").getBytes(StandardCharsets.US_ASCII),
                readme(probe).getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < files.size(); i++) {
            if (Files.exists(files.get(i)) && !Arrays.equals(Files.readAllBytes(files.get(i)), content.get(i))) {
                throw new IllegalArgumentException(files.get(i) + " already exists with other content; it is not "
                        + "overwritten (use an empty folder or remove it first)");
            }
        }
        Files.createDirectories(efi.getParent());
        for (int i = 0; i < files.size(); i++) {
            Files.write(files.get(i), content.get(i));
        }
        return files;
    }

    /** The README text (CRLF line ends, for any machine that shows it). */
    static String readme(byte[] probe) {
        return String.join("\r\n",
                "efiemu capture application (efiemu profile capture --write-esp)",
                "",
                "1. Copy this folder's contents to the root of a FAT-formatted USB stick (EFI\\BOOT\\BOOTX64.EFI and",
                "   EFI\\BOOT\\EFIEMU.CFG, which tells the program to return to the firmware instead of shutting down).",
                "2. Boot the machine from the stick: the firmware's boot menu (UEFI entry of the stick), or from the",
                "   UEFI Shell: FS0:  then  \\EFI\\BOOT\\BOOTX64.EFI",
                "3. The program measures the firmware at its start (memory map, memory-type bins, placement, pool,",
                "   variables, GOP and text modes, SMBIOS/ACPI/CPU identity), allocates a little memory and frees it",
                "   again, writes its report to " + ProbeImage.REPORT_FILE + " at the root of this stick and to COM1",
                "   where the machine has one, prints where it wrote, and returns to the firmware. It writes no",
                "   variables and changes nothing on the machine.",
                "4. On your workstation:  efiemu profile import " + ProbeImage.REPORT_FILE + " --name my-machine",
                "",
                "probe sha256: " + ProbeImage.sha256(probe),
                "");
    }
}
