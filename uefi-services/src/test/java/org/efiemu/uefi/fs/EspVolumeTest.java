package org.efiemu.uefi.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.fs.FileModes.DIRECTORY;
import static org.efiemu.uefi.fs.FileModes.MODE_CREATE;
import static org.efiemu.uefi.fs.FileModes.MODE_READ;
import static org.efiemu.uefi.fs.FileModes.MODE_WRITE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EspVolumeTest {

    static final byte[] LOADER = "MZ-loader-bytes".getBytes(StandardCharsets.US_ASCII);
    static final long RW = MODE_READ | MODE_WRITE;
    static final long RWC = MODE_READ | MODE_WRITE | MODE_CREATE;

    static FileHandle root(EspVolume v) {
        return v.openVolume().handle();
    }

    static EspVolume memory(boolean writable) {
        return EspVolume.inMemory("ESP", writable).addFile("\\EFI\\BOOT\\BOOTX64.EFI", LOADER)
                .addFile("\\EFI\\xen\\xen.cfg", "[global]\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aSharedFileReadsItsGiversBytesAndCopiesThemBeforeItsFirstChange() {
        byte[] giver = "..MZ-shared-bytes".getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(giver).position(2).asReadOnlyBuffer();
        EspVolume v = EspVolume.inMemory("ESP", true).addFile("\\EFI\\BOOT\\BOOTX64.EFI", view);
        assertThat(view.position()).as("the view's position is not moved").isEqualTo(2);
        FileHandle f = root(v).open("\\EFI\\BOOT\\BOOTX64.EFI", RW, 0).handle();
        assertThat(v.fileSystemInfo()).as("sizes as a volume holding a copy").isEqualTo(EspVolume.inMemory("ESP", true)
                .addFile("\\EFI\\BOOT\\BOOTX64.EFI", "MZ-shared-bytes".getBytes(StandardCharsets.US_ASCII)).fileSystemInfo());
        assertThat(f.read(100).data()).isEqualTo("MZ-shared-bytes".getBytes(StandardCharsets.US_ASCII));
        f.setPosition(3);
        assertThat(f.read(6).data()).isEqualTo("shared".getBytes(StandardCharsets.US_ASCII));
        f.setPosition(0);
        assertThat(f.write("XY".getBytes(StandardCharsets.US_ASCII)).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(giver).as("the giver's bytes are never written").isEqualTo("..MZ-shared-bytes".getBytes(StandardCharsets.US_ASCII));
        f.setPosition(0);
        assertThat(f.read(100).data()).isEqualTo("XY-shared-bytes".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void openMatchesNamesCaseInsensitivelyAndFollowsDotDot() {
        FileHandle r = root(memory(false));
        OpenResult o = r.open("\\efi\\xen\\..\\boot\\.\\bootx64.efi", MODE_READ, 0);
        assertThat(o.status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(o.handle().path()).isEqualTo("\\EFI\\BOOT\\BOOTX64.EFI");
        assertThat(o.handle().read(100).data()).isEqualTo(LOADER);
    }

    @Test
    void missingFileIsNotFoundAndDotDotAboveRootIsInvalid() {
        FileHandle r = root(memory(false));
        assertThat(r.open("\\EFI\\nope.efi", MODE_READ, 0).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(r.open("\\NOPE\\x.efi", MODE_READ, 0).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(r.open("..", MODE_READ, 0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        FileHandle file = r.open("EFI\\BOOT\\BOOTX64.EFI", MODE_READ, 0).handle();
        assertThat(file.open("x", MODE_READ, 0).status()).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void invalidOpenModesAreInvalidParameter() {
        FileHandle r = root(memory(true));
        assertThat(r.open("EFI", MODE_WRITE, 0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(r.open("EFI", MODE_READ | MODE_CREATE, 0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(r.open("new", RWC, 0x40).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(r.open("a:b", RWC, 0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void readOnlyVolumeRefusesWriteModeWithWriteProtected() {
        FileHandle r = root(memory(false));
        assertThat(r.open("\\EFI\\BOOT\\BOOTX64.EFI", RW, 0).status()).isEqualTo(EfiStatus.WRITE_PROTECTED);
        assertThat(r.open("\\new.txt", RWC, 0).status()).isEqualTo(EfiStatus.WRITE_PROTECTED);
        FileHandle f = r.open("\\EFI\\BOOT\\BOOTX64.EFI", MODE_READ, 0).handle();
        assertThat(f.write(new byte[] {1}).status()).isEqualTo(EfiStatus.WRITE_PROTECTED);
        assertThat(f.delete()).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
        assertThat(f.isClosed()).isTrue();
        assertThat(root(memory(false)).open("\\EFI\\BOOT\\BOOTX64.EFI", MODE_READ, 0).status())
                .isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void writeOnAHandleOpenedReadOnlyIsAccessDenied() {
        FileHandle f = root(memory(true)).open("\\EFI\\BOOT\\BOOTX64.EFI", MODE_READ, 0).handle();
        assertThat(f.write(new byte[] {1}).status()).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(f.flush()).isEqualTo(EfiStatus.ACCESS_DENIED);
    }

    @Test
    void readOnlyAttributeDeniesWriteMode() {
        EspVolume v = memory(true);
        FileHandle f = root(v).open("\\ro.txt", RWC, FileModes.READ_ONLY).handle();
        f.close();
        assertThat(root(v).open("\\RO.TXT", RW, 0).status()).isEqualTo(EfiStatus.ACCESS_DENIED);
    }

    @Test
    void createWriteSeekAndReadBack() {
        EspVolume v = memory(true);
        FileHandle f = root(v).open("\\EFI\\xen\\log.txt", RWC, 0).handle();
        assertThat(f.write("hello".getBytes(StandardCharsets.US_ASCII)).bufferSize()).isEqualTo(5);
        assertThat(f.setPosition(FileHandle.END_OF_FILE)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(f.getPosition().bufferSize()).isEqualTo(5);
        f.write("!".getBytes(StandardCharsets.US_ASCII));
        f.setPosition(0);
        assertThat(new String(f.read(3).data(), StandardCharsets.US_ASCII)).isEqualTo("hel");
        assertThat(new String(f.read(100).data(), StandardCharsets.US_ASCII)).isEqualTo("lo!");
        assertThat(f.read(100).bufferSize()).isZero();
        f.setPosition(100);
        assertThat(f.read(1).status()).isEqualTo(EfiStatus.DEVICE_ERROR);
    }

    @Test
    void directoryReadYieldsFileInfoRecordsThenZeroSize() {
        FileHandle dir = root(memory(false)).open("\\EFI", MODE_READ, 0).handle();
        List<String> names = new ArrayList<>();
        while (true) {
            BufferResult small = dir.read(10);
            if (small.status() == EfiStatus.SUCCESS) {
                assertThat(small.bufferSize()).isZero();
                break;
            }
            assertThat(small.status()).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            BufferResult r = dir.read(small.bufferSize());
            FileInfo info = FileInfo.parse(r.data());
            assertThat(info.size()).isEqualTo(small.bufferSize());
            names.add(info.fileName() + ((info.attribute() & DIRECTORY) != 0 ? "/" : ""));
        }
        assertThat(names).containsExactly("./", "../", "BOOT/", "xen/");
        assertThat(dir.getPosition().status()).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(dir.setPosition(5)).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(dir.write(new byte[1]).status()).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void getInfoEncodesFileInfoWithSizesAndTimes() {
        FileHandle f = root(memory(false)).open("\\EFI\\BOOT\\BOOTX64.EFI", MODE_READ, 0).handle();
        BufferResult small = f.getInfo(Guid.EFI_FILE_INFO_ID, 0);
        assertThat(small.status()).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(small.bufferSize()).isEqualTo(80 + 2 * 12);
        byte[] b = f.getInfo(Guid.EFI_FILE_INFO_ID, 200).data();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bb.getLong(0)).isEqualTo(104);
        assertThat(bb.getLong(8)).isEqualTo(LOADER.length);
        assertThat(bb.getLong(16)).isEqualTo(4096);
        assertThat(bb.getShort(24)).isEqualTo((short) 2024);
        assertThat(bb.getLong(72)).isEqualTo(FileModes.ARCHIVE);
        assertThat(FileInfo.parse(b).fileName()).isEqualTo("BOOTX64.EFI");
        assertThat(f.getInfo(Guid.EFI_GLOBAL_VARIABLE, 200).status()).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void fileSystemInfoEncodesReadOnlyAndLabel() {
        byte[] b = root(memory(false)).getInfo(Guid.EFI_FILE_SYSTEM_INFO_ID, 100).data();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bb.getLong(0)).isEqualTo(36 + 8).isEqualTo(b.length);
        assertThat(b[8]).isEqualTo((byte) 1);
        assertThat(bb.getLong(16)).isEqualTo(EspVolume.DEFAULT_VOLUME_SIZE);
        assertThat(bb.getLong(24)).isEqualTo(EspVolume.DEFAULT_VOLUME_SIZE - LOADER.length - 9);
        assertThat(bb.getInt(32)).isEqualTo(4096);
        assertThat(new String(b, 36, 6, StandardCharsets.UTF_16LE)).isEqualTo("ESP");
    }

    @Test
    void setInfoResizesAndRefusesRenameAndDirectoryToggle() {
        EspVolume v = memory(true);
        FileHandle f = root(v).open("\\EFI\\BOOT\\BOOTX64.EFI", RW, 0).handle();
        FileInfo info = FileInfo.parse(f.getInfo(Guid.EFI_FILE_INFO_ID, 200).data());
        FileInfo shorter = new FileInfo(2, 0, info.createTime(), info.lastAccessTime(), info.modificationTime(),
                info.attribute(), info.fileName());
        assertThat(f.setInfo(Guid.EFI_FILE_INFO_ID, shorter.toBytes())).isEqualTo(EfiStatus.SUCCESS);
        assertThat(FileInfo.parse(f.getInfo(Guid.EFI_FILE_INFO_ID, 200).data()).fileSize()).isEqualTo(2);
        FileInfo dir = new FileInfo(2, 0, info.createTime(), info.lastAccessTime(), info.modificationTime(),
                info.attribute() | DIRECTORY, info.fileName());
        assertThat(f.setInfo(Guid.EFI_FILE_INFO_ID, dir.toBytes())).isEqualTo(EfiStatus.ACCESS_DENIED);
        FileInfo renamed = new FileInfo(2, 0, info.createTime(), info.lastAccessTime(), info.modificationTime(),
                info.attribute(), "OTHER.EFI");
        assertThat(f.setInfo(Guid.EFI_FILE_INFO_ID, renamed.toBytes())).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(f.setInfo(Guid.EFI_FILE_INFO_ID, new byte[10])).isEqualTo(EfiStatus.BAD_BUFFER_SIZE);
    }

    @Test
    void deleteRemovesFilesButNotNonEmptyDirectories() {
        EspVolume v = memory(true);
        assertThat(root(v).open("\\EFI\\xen", RW, 0).handle().delete()).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
        assertThat(root(v).open("\\EFI\\xen\\xen.cfg", RW, 0).handle().delete()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(root(v).open("\\EFI\\xen\\xen.cfg", MODE_READ, 0).status()).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(root(v).open("\\EFI\\xen", RW, 0).handle().delete()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(root(v).delete()).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
    }

    @Test
    void hostDirectoryReadOnlyVolumeLeavesTheDirectoryUntouched(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("EFI/BOOT"));
        Files.write(dir.resolve("EFI/BOOT/BOOTX64.EFI"), LOADER);
        EspVolume v = EspVolume.ofHostDirectory(dir, "HOST", false);
        FileHandle f = root(v).open("\\efi\\boot\\BootX64.efi", MODE_READ, 0).handle();
        assertThat(f.read(64).data()).isEqualTo(LOADER);
        assertThat(f.delete()).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
        assertThat(root(v).open("\\new", RWC, 0).status()).isEqualTo(EfiStatus.WRITE_PROTECTED);
        assertThat(Files.readAllBytes(dir.resolve("EFI/BOOT/BOOTX64.EFI"))).isEqualTo(LOADER);
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).hasSize(1);
        }
    }

    @Test
    void hostDirectoryWritableVolumeCreatesAndWritesFiles(@TempDir Path dir) throws Exception {
        EspVolume v = EspVolume.ofHostDirectory(dir, "HOST", true);
        FileHandle sub = root(v).open("\\logs", RWC, DIRECTORY).handle();
        FileHandle f = sub.open("out.txt", RWC, 0).handle();
        f.write("data".getBytes(StandardCharsets.US_ASCII));
        assertThat(Files.readString(dir.resolve("logs/out.txt"))).isEqualTo("data");
        assertThat(f.delete()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(Files.exists(dir.resolve("logs/out.txt"))).isFalse();
    }
}
