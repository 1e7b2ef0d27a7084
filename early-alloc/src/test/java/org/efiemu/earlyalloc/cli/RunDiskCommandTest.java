package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.earlyalloc.cli.EfiemuCommandTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.junit.EfiemuDiskTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code efiemu run --disk IMAGE}: booting a disk's \EFI\BOOT\BOOTX64.EFI, notes on a damaged table, bad images. */
class RunDiskCommandTest {

    @Test
    void runWithADiskAndNoPayloadBootsBootx64FromItsEsp(@TempDir Path dir) throws Exception {
        Path img = EfiemuDiskTestSupport.espDisk(dir.resolve("disk.img"));
        EfiemuCommandTest.Result r = run("run", "--platform", "ovmf-q35-2g", "--disk", img.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("hello.txt (19 bytes): hello from the ESP").contains("close-root EFI_SUCCESS")
                .contains("payload  BOOTX64.EFI");
    }

    @Test
    void aDiskWithBothGptHeadersCorruptHasNoPartitionsAndTheNoteNamesTheImage(@TempDir Path dir) throws Exception {
        Path img = EfiemuDiskTestSupport.espDisk(dir.resolve("disk.img"));
        long last = Files.size(img) / 512 - 1;
        EfiemuDiskTestSupport.writeAt(img, 512 + 16, new byte[] {1, 2, 3, 4});
        EfiemuDiskTestSupport.writeAt(img, last * 512, new byte[] {0});
        EfiemuCommandTest.Result r = run("run", "--platform", "ovmf-q35-2g", "--disk", img.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(img.toString()).contains("primary GPT header (LBA 1)").contains("HeaderCRC32")
                .contains("no partition handles").doesNotContain("Exception").doesNotContain("\tat ");
        EfiemuCommandTest.Result withPayload = run("run", "--platform", "ovmf-q35-2g", "--disk", img.toString(),
                "--payload", EfiemuDiskTestSupport.espReadPayload().toString());
        assertThat(withPayload.err()).contains("efiemu run: note: disk image " + img).contains("backup GPT header");
        // the payload comes from its own boot volume (its DeviceHandle, as BDS sets it), not from the broken disk
        assertThat(withPayload.out()).contains("simple-file-system EFI_SUCCESS").contains("open EFI_NOT_FOUND");
    }

    @Test
    void aTruncatedImageIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path img = dir.resolve("cut.img");
        Files.write(img, new byte[1000]);
        EfiemuCommandTest.Result r = run("run", "--platform", "ovmf-q35-2g", "--disk", img.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("cut.img").contains("not a whole number of 512-byte "
                + "blocks");
        EfiemuCommandTest.Result missing = run("run", "--platform", "ovmf-q35-2g", "--disk", dir.resolve("no.img").toString());
        assertThat(missing.err().strip()).contains("no.img").contains("does not exist");
        EfiemuCommandTest.Result none = run("run", "--platform", "ovmf-q35-2g");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--payload").contains("--disk");
    }

    @Test
    void debugWithADiskAndNoPayloadStopsAtTheDiskLoadersEntryAndRunsItToTheEnd(@TempDir Path dir) throws Exception {
        Path img = EfiemuDiskTestSupport.espDisk(dir.resolve("disk.img"));
        Path script = dir.resolve("disk.commands");
        Files.writeString(script, "break Fs.OpenVolume\ncontinue\ncontinue\n");
        EfiemuCommandTest.Result r = run("debug", "--platform", "ovmf-q35-2g", "--disk", img.toString(), "--commands",
                script.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("BOOTX64.EFI on ovmf-q35-2g, stopped at the entry point")
                .contains("Fs.OpenVolume").contains("the image returned EFI_SUCCESS");
    }
}
