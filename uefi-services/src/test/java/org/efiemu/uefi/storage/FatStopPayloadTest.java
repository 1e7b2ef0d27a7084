package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code fat-stop} payload booted from a GPT disk's FAT ESP: files it holds open while the partition, then the
 * disk, is disconnected answer as EDK2's FAT driver makes them answer after {@code FatAbandonVolume}
 * (EFI_MEDIA_CHANGED from Read, Write, GetInfo, SetInfo, Flush and Open; GetPosition, SetPosition and Close working;
 * Delete closing with EFI_WARN_DELETE_FAILURE), the connect afterwards installs a new Simple File System interface
 * whose files work, as real OVMF did for the same disk (the committed {@code ovmf-fat-stop.txt};
 * FatStopOvmfLiveTest compares live).
 */
class FatStopPayloadTest {

    /** The "fs:" lines. */
    static List<String> lines(String console) {
        return EspBootDisk.lines(console, "fs:");
    }

    /** A GPT disk whose FAT16 ESP holds fat-stop as \EFI\BOOT\BOOTX64.EFI, \hello.txt and \data.txt. */
    static Path disk(Path dir) throws Exception {
        return EspBootDisk.gpt(dir, "fat-stop", "/hello.txt", "hello\n", "/data.txt", "data\n");
    }

    static BootResult efiemu(Path img) {
        return EspBootDisk.run(img);
    }

    @Test
    void filesOpenAcrossTheFatDriversStopAnswerAsOvmfsAbandonedVolumeAndTheNextStartMakesANewVolume(@TempDir Path dir)
            throws Exception {
        List<String> ovmf = lines(PartitionChildrenPayloadTest.resource("ovmf-fat-stop.txt"));
        assertThat(ovmf).contains("fs: a-hello read EFI_MEDIA_CHANGED size 5 data -", "fs: reconnected sfs EFI_SUCCESS new",
                "fs: end");
        BootResult r = efiemu(disk(dir));
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
