package org.efiemu.uefi.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.fs.FileModes.MODE_READ;
import static org.efiemu.uefi.fs.FileModes.MODE_WRITE;

import java.nio.charset.StandardCharsets;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * Files of a volume the FAT driver's Stop abandoned ({@link FileHandle#abandon}): the statuses of EDK2 2022.11's
 * FatPkg/EnhancedFatDxe once {@code FatAbandonVolume} has set the OFiles' permanent error (EFI_MEDIA_CHANGED while
 * the media is present), with the checks each function makes before it looks at that error. The volume itself is
 * unchanged: a handle opened afresh works.
 */
class AbandonedFileTest {
    private static final long RW = MODE_READ | MODE_WRITE;

    private static EspVolume volume(boolean writable) {
        return EspVolume.inMemory("ESP", writable).addFile("\\hello.txt", "hello\n".getBytes(StandardCharsets.US_ASCII))
                .addFile("\\EFI\\BOOT\\BOOTX64.EFI", new byte[] {'M', 'Z'});
    }

    @Test
    void readWriteGetInfoSetInfoFlushAndOpenAnswerTheVolumesErrorOnceAbandoned() {
        EspVolume v = volume(true);
        FileHandle root = v.openVolume().handle();
        FileHandle f = root.open("hello.txt", RW, 0).handle();
        byte[] info = f.getInfo(Guid.EFI_FILE_INFO_ID, 512).data();
        f.abandon(EfiStatus.MEDIA_CHANGED);
        root.abandon(EfiStatus.MEDIA_CHANGED);

        assertThat(f.read(5).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(f.write(new byte[] {'Q'}).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(f.getInfo(Guid.EFI_FILE_INFO_ID, 512).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(f.getInfo(Guid.EFI_FILE_SYSTEM_INFO_ID, 512).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(f.setInfo(Guid.EFI_FILE_INFO_ID, info)).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(f.flush()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(root.open("hello.txt", MODE_READ, 0).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(root.open("missing.txt", MODE_READ, 0).status()).as("the error before the lookup")
                .isEqualTo(EfiStatus.MEDIA_CHANGED);
        assertThat(root.read(512).status()).as("a directory's read").isEqualTo(EfiStatus.MEDIA_CHANGED);
        // the file is unchanged on the volume: a handle opened afresh reads it
        FileHandle fresh = v.openVolume().handle().open("hello.txt", MODE_READ, 0).handle();
        assertThat(new String(fresh.read(16).data(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
    }

    @Test
    void theChecksEdk2MakesBeforeTheErrorStillComeFirst() {
        FileHandle root = volume(true).openVolume().handle();
        FileHandle readOnly = root.open("hello.txt", MODE_READ, 0).handle();
        FileHandle dir = root.open("EFI", MODE_READ, 0).handle();
        readOnly.abandon(EfiStatus.MEDIA_CHANGED);
        dir.abandon(EfiStatus.MEDIA_CHANGED);

        assertThat(readOnly.write(new byte[] {'Q'}).status()).as("IFile->ReadOnly").isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(dir.write(new byte[] {'Q'}).status()).as("a directory").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(readOnly.setPosition(100)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(readOnly.read(5).status()).as("past the end").isEqualTo(EfiStatus.DEVICE_ERROR);
        assertThat(readOnly.setPosition(2)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(readOnly.getPosition().bufferSize()).isEqualTo(2);
        assertThat(dir.getPosition().status()).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(dir.setPosition(0)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(readOnly.open("x", MODE_READ | MODE_WRITE, 0).status()).isEqualTo(EfiStatus.MEDIA_CHANGED);

        FileHandle onReadOnlyVolume = volume(false).openVolume().handle();
        onReadOnlyVolume.abandon(EfiStatus.MEDIA_CHANGED);
        assertThat(onReadOnlyVolume.open("hello.txt", RW, 0).status()).as("Volume->ReadOnly && WriteMode")
                .isEqualTo(EfiStatus.WRITE_PROTECTED);
    }

    @Test
    void deleteClosesWithWarnDeleteFailureAndCloseSucceeds() {
        EspVolume v = volume(true);
        FileHandle root = v.openVolume().handle();
        FileHandle f = root.open("hello.txt", RW, 0).handle();
        FileHandle g = root.open("hello.txt", MODE_READ, 0).handle();
        f.abandon(EfiStatus.MEDIA_CHANGED);
        g.abandon(EfiStatus.MEDIA_CHANGED);

        assertThat(f.delete()).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
        assertThat(f.isClosed()).isTrue();
        assertThat(v.openVolume().handle().open("hello.txt", MODE_READ, 0).status()).as("not deleted")
                .isEqualTo(EfiStatus.SUCCESS);
        assertThat(g.close()).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void aFileKeepsTheFirstErrorItWasGiven() {
        FileHandle f = volume(true).openVolume().handle().open("hello.txt", MODE_READ, 0).handle();
        f.abandon(EfiStatus.NO_MEDIA);
        f.abandon(EfiStatus.MEDIA_CHANGED);
        assertThat(f.error()).isEqualTo(EfiStatus.NO_MEDIA);
        assertThat(f.read(1).status()).isEqualTo(EfiStatus.NO_MEDIA);
    }
}
