package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code dir-list} payload booted from a GPT disk whose FAT ESP mtools wrote with 8.3 names given in lower case
 * (short entries with the NT reserved byte's lower-case bits, no long name): the names a directory read and GetInfo
 * give are EDK2's FAT driver's ({@code FatGetFileNameViaCaseFlag}), as real OVMF printed them for the same disk
 * (the committed {@code ovmf-dir-list.txt}; FatCaseFlagsOvmfLiveTest compares live).
 */
class FatCaseFlagsPayloadTest {

    /** The "dl:" lines. */
    static List<String> lines(String console) {
        return EspBootDisk.lines(console, "dl:");
    }

    /**
     * A GPT disk whose FAT16 ESP holds dir-list as \EFI\BOOT\BOOTX64.EFI and, in \EFI\drivers, names in each case mix
     * mtools writes: all lower case (both flags), lower base with upper extension (bit 3), upper base with lower
     * extension (bit 4), all upper (no flag), mixed case (a long name); and lower-case names in the root.
     */
    static Path disk(Path dir) throws Exception {
        return EspBootDisk.gpt(dir, "dir-list", "/hello.txt", "hello\n", "/README", "readme\n",
                "/EFI/drivers/ext4_x64.efi", "driver", "/EFI/drivers/lower.EFI", "base only",
                "/EFI/drivers/UPPER.efi", "extension only", "/EFI/drivers/KEEP.EFI", "no flags",
                "/EFI/drivers/Mixed.efi", "long name");
    }

    static BootResult efiemu(Path img) {
        return EspBootDisk.run(img);
    }

    @Test
    void namesWrittenInLowerCaseAsShortEntriesAreListedAsOvmfsFatDriverListsThem(@TempDir Path dir) throws Exception {
        List<String> ovmf = lines(PartitionChildrenPayloadTest.resource("ovmf-dir-list.txt"));
        assertThat(ovmf).contains("dl: entry drivers ext4_x64.efi file", "dl: getinfo EFI_SUCCESS ext4_x64.efi");
        BootResult r = efiemu(disk(dir));
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
