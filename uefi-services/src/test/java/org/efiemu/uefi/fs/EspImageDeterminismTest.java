package org.efiemu.uefi.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FAT image made from an ESP volume is the same bytes whenever and wherever it is made: no host clock in its
 * directory entries' times or its volume serial number (fat32-lib's defaults).
 */
class EspImageDeterminismTest {
    private static final Guid UNIQUE = Guid.parse("1B4D6C5E-0F3A-4C2B-9E8D-7A6B5C4D3E2F");

    private static byte[] image(EspVolume volume) {
        DiskImage disk = EspImage.of(volume, UNIQUE);
        return disk.read(0, (int) Math.min(disk.size(), (EspImage.START_LBA + 8192) * DiskImage.BLOCK_SIZE));
    }

    @Test
    void imageMadeTwiceSecondsApartIsByteForByteTheSame(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("EFI/BOOT"));
        Path file = Files.writeString(dir.resolve("EFI/BOOT/BOOTX64.EFI"), "payload");
        Instant t = Instant.parse("2023-05-06T07:08:10Z");
        Files.setLastModifiedTime(file, FileTime.from(t));
        Files.setLastModifiedTime(dir.resolve("EFI/BOOT"), FileTime.from(t));
        Files.setLastModifiedTime(dir.resolve("EFI"), FileTime.from(t));
        byte[] first = image(EspVolume.ofHostDirectory(dir, "ESP", false));
        Thread.sleep(2100); // past FAT's 2-second time granularity
        byte[] second = image(EspVolume.ofHostDirectory(dir, "ESP", false));
        assertThat(differences(first, second)).as("offsets that differ").isEmpty();
        byte[] memory = image(EspVolume.inMemory("ESP", false).addFile("\\EFI\\BOOT\\BOOTX64.EFI", new byte[] {1, 2}));
        Thread.sleep(2100);
        assertThat(differences(memory, image(EspVolume.inMemory("ESP", false)
                .addFile("\\EFI\\BOOT\\BOOTX64.EFI", new byte[] {1, 2})))).as("offsets that differ").isEmpty();
    }

    @Test
    void volumeSerialNumberComesFromThePartitionGuidAndEntryTimesFromTheVolume(@TempDir Path dir) throws Exception {
        byte[] img = image(EspVolume.inMemory("ESP", false).addFile("\\A.TXT", "x".getBytes(StandardCharsets.US_ASCII)));
        int start = (int) (EspImage.START_LBA * DiskImage.BLOCK_SIZE);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        String fsType = new String(img, start + 0x52, 8, StandardCharsets.US_ASCII);
        int idAt = fsType.startsWith("FAT32") ? 0x43 : 0x27;
        assertThat(b.getInt(start + idAt)).isEqualTo(EspImage.volumeId(UNIQUE)).isEqualTo(0x1B4D6C5E);
        // A.TXT's short entry: created (0x0E time, 0x10 date), accessed (0x12 date), modified (0x16 time, 0x18 date)
        // all 2024-01-01 00:00:00, EspVolume.DEFAULT_TIME
        int entry = indexOf(img, "A       TXT".getBytes(StandardCharsets.US_ASCII));
        assertThat(entry).isPositive();
        int date = (2024 - 1980) << 9 | 1 << 5 | 1;
        assertThat(b.getShort(entry + 0x10) & 0xFFFF).as("created date").isEqualTo(date);
        assertThat(b.getShort(entry + 0x0E) & 0xFFFF).as("created time").isZero();
        assertThat(b.getShort(entry + 0x12) & 0xFFFF).as("accessed date").isEqualTo(date);
        assertThat(b.getShort(entry + 0x18) & 0xFFFF).as("modified date").isEqualTo(date);
        assertThat(b.getShort(entry + 0x16) & 0xFFFF).as("modified time").isZero();
    }

    private static java.util.List<String> differences(byte[] a, byte[] b) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < Math.max(a.length, b.length) && out.size() < 20; i++) {
            if (i >= a.length || i >= b.length || a[i] != b[i]) {
                out.add(String.format("0x%X", i));
            }
        }
        return out;
    }

    private static int indexOf(byte[] a, byte[] p) {
        outer:
        for (int i = 0; i + p.length <= a.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (a[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
