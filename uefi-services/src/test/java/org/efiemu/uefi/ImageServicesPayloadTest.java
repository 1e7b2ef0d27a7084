package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code svc-images} payload booted as {@code \EFI\BOOT\BOOTX64.EFI} from a read-only ESP folder on OVMF q35:
 * LoadedImage/DevicePath of the ESP, SimpleFileSystem and EFI_FILE_PROTOCOL (UEFI 2.10 §13.4-§13.5), and
 * LoadImage/StartImage/Exit/UnloadImage of {@code svc-child} (§7.4).
 */
class ImageServicesPayloadTest {
    @TempDir
    static Path esp;
    private static BootResult result;

    @BeforeAll
    static void boot() throws IOException {
        Path boot = Files.createDirectories(esp.resolve("EFI/BOOT"));
        Path payload = Files.copy(TestPlatforms.payload("svc-images"), boot.resolve("BOOTX64.EFI"));
        Files.copy(TestPlatforms.payload("svc-child"), Files.createDirectories(esp.resolve("EFI/efiemu")).resolve("child.efi"));
        Files.writeString(esp.resolve("hello.txt"), "hello, ESP\n", StandardCharsets.US_ASCII);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).esp(esp, false).payload(payload).build()) {
            result = m.run();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    private static List<String> calls(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary).toList();
    }

    @Test
    void exitFromTheBootedImageEndsTheRunWithItsStatus() {
        assertThat(result.outcome()).as(result::toString).isEqualTo(BootOutcome.RETURNED);
        assertThat(result.statusName()).contains("EFI_SUCCESS");
        assertThat(result.consoleText()).doesNotContain("Exit returned");
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void loadedImageNamesTheEspDeviceAndThePayloadsPathInsideIt() {
        assertThat(lines()).containsSubsequence("device-set 1", "file-path \\EFI\\BOOT\\BOOTX64.EFI",
                "device-path EFI_SUCCESS", "device-path-first 2/1", "sfs EFI_SUCCESS", "open-volume EFI_SUCCESS",
                "locate-device-path EFI_SUCCESS", "located-esp 1 remaining 4/4");
    }

    @Test
    void fileProtocolReadsSeeksAndDescribesAnEspFile() {
        assertThat(lines()).containsSubsequence("open EFI_SUCCESS", "read-4 EFI_SUCCESS", "read 4 'hell'",
                "get-position EFI_SUCCESS", "position 4", "set-position EFI_SUCCESS", "read-all EFI_SUCCESS",
                "read 11 'hello, ESP", "'", "read-eof EFI_SUCCESS", "read-eof-size 0", "info-small EFI_BUFFER_TOO_SMALL",
                "info-needs 100", "info EFI_SUCCESS", "info size 11 attr 0x20", "info-name hello.txt");
    }

    @Test
    void readOnlyEspRefusesWritesAndDeleteOnlyClosesTheFile() {
        // 0x2 is EFI_WARN_DELETE_FAILURE (the payload runtime names errors only)
        assertThat(lines()).containsSubsequence("write EFI_WRITE_PROTECTED", "flush EFI_WRITE_PROTECTED",
                "delete 0x2", "read-after-delete EFI_INVALID_PARAMETER",
                "open-missing EFI_NOT_FOUND", "open-for-write EFI_WRITE_PROTECTED", "open-null-name EFI_INVALID_PARAMETER",
                "fs-info EFI_SUCCESS", "fs read-only 1 block 4096", "fs-label ESP");
    }

    @Test
    void directoryReadListsDotEntriesThenTheFiles() {
        assertThat(lines()).containsSubsequence("open-dir EFI_SUCCESS", "entry .", "entry ..", "entry child.efi",
                "dir-get-position EFI_UNSUPPORTED", "close-dir EFI_SUCCESS", "close-root EFI_SUCCESS",
                "close-root-again EFI_INVALID_PARAMETER");
    }

    @Test
    void startImageRunsTheChildAndReturnsItsExitStatusAndExitData() {
        assertThat(lines()).containsSubsequence("load-from-path EFI_SUCCESS", "child-loaded-image EFI_SUCCESS",
                "child parent-is-me 1 code 1", "child running: parent-set 1 device-set 1 from-file 1 code 1",
                "start EFI_ABORTED", "exit-data-size 30", "exit-data child says bye", "free-exit-data EFI_SUCCESS",
                "start-again EFI_INVALID_PARAMETER");
        assertThat(result.consoleText()).doesNotContain("child: Exit returned");
        assertThat(calls("StartImage").get(0)).contains("child.efi returned EFI_ABORTED", "application unloaded");
    }

    @Test
    void childLoadedFromABufferReturnsFromItsEntryPointAndIsUnloaded() {
        assertThat(lines()).containsSubsequence("child-file 1", "load-from-buffer EFI_SUCCESS",
                "child running: parent-set 1 device-set 0 from-file 0 code 1", "start-buffer EFI_SUCCESS",
                "unload-after-start EFI_INVALID_PARAMETER", "load-unstarted EFI_SUCCESS", "unload-unstarted EFI_SUCCESS");
    }

    @Test
    void loadImageRejectsBadInputWithEdk2Statuses() {
        assertThat(lines()).containsSubsequence("load-garbage EFI_LOAD_ERROR", "load-missing-file EFI_NOT_FOUND",
                "load-null-handle EFI_INVALID_PARAMETER", "load-bad-parent EFI_INVALID_PARAMETER",
                "start-bad-handle EFI_INVALID_PARAMETER", "unload-booted-image EFI_UNSUPPORTED");
    }

    @Test
    void childImagePagesAreFreedAfterUnload() {
        assertThat(result.livePages()).noneSatisfy(a -> assertThat(a.tag().label()).contains("child"));
    }
}
