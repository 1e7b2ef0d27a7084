package org.efiemu.uefi.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.disk.DiskImages;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
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
    void deletingAnEightDotThreeFileWrittenByMtoolsWorksWithJavaAssertionsOn() throws Exception {
        boolean assertionsOn = false;
        assert assertionsOn = true;
        assertThat(assertionsOn).as("this test needs -ea, as every Surefire run has").isTrue();
        Path img = DiskImages.fat(dir, "fat.img", 16, 32768, "/DATA.TXT", "data", "/EFI/KEEP.TXT", "keep");
        try (DiskImage disk = DiskImage.open(img)) {
            EspVolume v = EspVolume.ofFat(disk, 0, disk.size(), true);
            FileHandle root = v.openVolume().handle();
            OpenResult f = root.open("\\DATA.TXT", FileModes.MODE_READ | FileModes.MODE_WRITE, 0);
            assertThat(f.status()).isEqualTo(EfiStatus.SUCCESS);
            assertThat(f.handle().delete()).isEqualTo(EfiStatus.SUCCESS);
            assertThat(root.open("\\DATA.TXT", FileModes.MODE_READ, 0).status()).isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(read(v, "\\EFI\\KEEP.TXT")).isEqualTo("keep");
            Path after = dir.resolve("after.img");
            disk.saveTo(after);
            assertThat(DiskImages.run(dir, null, "mdir", "-b", "-i", after.toString(), "::/")).doesNotContain("DATA");
            DiskImages.run(dir, null, "fsck.fat", "-n", after.toString()); // exits non-zero on any inconsistency
        }
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

    /** The names a directory read gives, in directory order. */
    private static java.util.List<String> names(EspVolume v, String path) {
        FileHandle root = v.openVolume().handle();
        OpenResult d = root.open(path, FileModes.MODE_READ, 0);
        assertThat(d.status()).as(path).isEqualTo(EfiStatus.SUCCESS);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (BufferResult r = d.handle().read(4096); r.data().length > 0; r = d.handle().read(4096)) {
            out.add(FileInfo.parse(r.data()).fileName());
        }
        d.handle().close();
        root.close();
        return out;
    }

    @Test
    void shortNamesGivenInLowerCaseKeepItThroughTheNtCaseFlagsAsEdk2sFatDriverShowsThem() throws Exception {
        // mtools writes an 8.3 name given in lower case as a short entry with the NT byte's bits 3 (base) / 4 (ext)
        Path img = DiskImages.fat(dir, "fat.img", 16, 32768, "/EFI/systemd/drivers/ext4_x64.efi", "driver",
                "/EFI/systemd/drivers/lower.EFI", "base only", "/EFI/systemd/drivers/UPPER.efi", "ext only",
                "/EFI/systemd/drivers/KEEP.EFI", "no flags", "/EFI/systemd/drivers/Mixed.efi", "long name");
        try (DiskImage disk = DiskImage.open(img)) {
            EspVolume v = EspVolume.ofFat(disk, 0, disk.size(), false);
            assertThat(names(v, "\\EFI")).containsExactly(".", "..", "systemd");
            assertThat(names(v, "\\EFI\\systemd\\drivers")).containsExactly(".", "..", "ext4_x64.efi", "lower.EFI", "UPPER.efi",
                    "KEEP.EFI", "Mixed.efi");
            FileHandle root = v.openVolume().handle();
            OpenResult f = root.open("\\EFI\\SYSTEMD\\DRIVERS\\EXT4_X64.EFI", FileModes.MODE_READ, 0);
            assertThat(f.status()).as("lookups stay case-insensitive").isEqualTo(EfiStatus.SUCCESS);
            BufferResult info = f.handle().getInfo(Guid.EFI_FILE_INFO_ID, 4096);
            assertThat(FileInfo.parse(info.data()).fileName()).isEqualTo("ext4_x64.efi");
        }
    }

    @Test
    void caseFlagsApplyOnlyToTheShortNameTheyBelongTo() {
        byte[] entry = new byte[32];
        System.arraycopy("EXT4_X64EFI".getBytes(StandardCharsets.US_ASCII), 0, entry, 0, 11);
        assertThat(FatBackend.caseFlagName("EXT4_X64.EFI", entry)).isEqualTo("EXT4_X64.EFI");
        entry[12] = 0x08;
        assertThat(FatBackend.caseFlagName("EXT4_X64.EFI", entry)).isEqualTo("ext4_x64.EFI");
        entry[12] = 0x18;
        assertThat(FatBackend.caseFlagName("EXT4_X64.EFI", entry)).isEqualTo("ext4_x64.efi");
        // a long name is the name, whatever the short entry's flags
        assertThat(FatBackend.caseFlagName("Ext4 Driver.efi", entry)).isEqualTo("Ext4 Driver.efi");
        System.arraycopy("README     ".getBytes(StandardCharsets.US_ASCII), 0, entry, 0, 11);
        assertThat(FatBackend.caseFlagName("README", entry)).isEqualTo("readme");
        assertThat(FatBackend.caseFlagName("README", null)).isEqualTo("README");
    }
}
