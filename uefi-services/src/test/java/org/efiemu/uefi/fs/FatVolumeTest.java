package org.efiemu.uefi.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.disk.DiskImages;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FAT12/16/32 volumes made by mkfs.fat and mtools, read and written through EspVolume as SimpleFileSystem does. */
class FatVolumeTest {
    @TempDir
    Path dir;

    private static String read(EspVolume v, String path) {
        FileHandle root = v.openVolume().handle();
        OpenResult f = root.open(path, FileModes.MODE_READ, 0);
        assertThat(f.status()).as(path).isEqualTo(EfiStatus.SUCCESS);
        BufferResult r = f.handle().read(1 << 20);
        f.handle().close();
        root.close();
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "FAT{0}")
    @CsvSource({"12, 4096", "16, 32768", "32, 40960"})
    void mkfsFatVolumeReadsItsFilesAndWritesThatMtoolsReadsBack(int bits, int kib) throws Exception {
        Path img = DiskImages.fat(dir, "fat.img", bits, kib, "/EFI/BOOT/BOOTX64.EFI", "pe bytes", "/grub/grub.cfg",
                "set timeout=0\n", "/Long File Name.txt", "long");
        String before = Files.readString(img, StandardCharsets.ISO_8859_1);
        try (DiskImage disk = DiskImage.open(img)) {
            EspVolume v = EspVolume.ofFat(disk, 0, disk.size(), true);
            assertThat(v.label()).isEqualTo("EFIEMU");
            assertThat(read(v, "\\EFI\\BOOT\\BOOTX64.EFI")).isEqualTo("pe bytes");
            assertThat(read(v, "\\efi\\boot\\bootx64.efi")).isEqualTo("pe bytes");
            assertThat(read(v, "\\grub\\grub.cfg")).isEqualTo("set timeout=0\n");
            assertThat(read(v, "\\Long File Name.txt")).isEqualTo("long");
            FileHandle root = v.openVolume().handle();
            OpenResult w = root.open("\\EFI\\new.txt", FileModes.MODE_READ | FileModes.MODE_WRITE | FileModes.MODE_CREATE, 0);
            assertThat(w.status()).isEqualTo(EfiStatus.SUCCESS);
            assertThat(w.handle().write("written by the guest".getBytes()).status()).isEqualTo(EfiStatus.SUCCESS);
            assertThat(w.handle().close()).isEqualTo(EfiStatus.SUCCESS);
            assertThat(read(v, "\\EFI\\NEW.TXT")).isEqualTo("written by the guest");
            assertThat(v.fileSystemInfo().volumeSize()).isGreaterThan(0);
            Path after = dir.resolve("after.img");
            disk.saveTo(after);
            assertThat(DiskImages.run(dir, null, "mtype", "-i", after.toString(), "::/EFI/new.txt"))
                    .isEqualTo("written by the guest");
            DiskImages.run(dir, null, "fsck.fat", "-n", after.toString()); // exits non-zero on any inconsistency
        }
        assertThat(Files.readString(img, StandardCharsets.ISO_8859_1)).isEqualTo(before);
    }

    @Test
    void readOnlyFatVolumeRefusesWrites() throws Exception {
        Path img = DiskImages.fat(dir, "fat.img", 16, 32768, "/a.txt", "a");
        try (DiskImage disk = DiskImage.open(img)) {
            EspVolume v = EspVolume.ofFat(disk, 0, disk.size(), false);
            OpenResult w = v.openVolume().handle().open("\\b.txt", FileModes.MODE_READ | FileModes.MODE_WRITE
                    | FileModes.MODE_CREATE, 0);
            assertThat(w.status()).isEqualTo(EfiStatus.WRITE_PROTECTED);
            assertThat(disk.writtenBlocks()).isZero();
        }
    }

    @Test
    void bytesThatAreNotFatAreRefusedNamingTheDiskAndWhy() {
        try (DiskImage disk = DiskImage.blank("blank.img", 1 << 20)) {
            assertThatThrownBy(() -> EspVolume.ofFat(disk, 0, disk.size(), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank.img")
                    .hasMessageContaining("not a FAT file system").hasMessageContaining("0xAA55");
        }
    }
}
