package org.efiemu.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.junit.EfiemuExtensionTest.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.efiemu.assertj.EfiemuAssertions;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The {@link EfiemuTest} attributes {@code sanitizer}, {@code esp} and {@code espWritable}, the configuration
 * parameter {@code efiemu.sanitizer.default}, and the files kept for a failing run of a payload that is not one of
 * the seed's strategies. The nested fixture classes are run through a nested JUnit launcher (surefire skips them).
 */
class EfiemuEspAndSanitizerTest {

    /** Served as the ESP (copied from src/test/resources/esp-sample; surefire runs in the module folder). */
    static final String ESP_SAMPLE = "target/test-classes/esp-sample";
    /** A writable ESP folder, created by the test that uses it. */
    static final String ESP_WRITABLE = "target/esp-writable-test";

    @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/esp-read.efi", esp = ESP_SAMPLE)
    void espFolderIsServedAsSimpleFileSystemOnTheImagesDevice(BootResult boot) {
        EfiemuAssertions.assertThat(boot).hasNoViolations().consoleContains("open-volume EFI_SUCCESS")
                .consoleContains("hello.txt (19 bytes): hello from the ESP").consoleContains("close-root EFI_SUCCESS");
    }

    static class ReadOnlyEsp {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/esp-read.efi", esp = ESP_SAMPLE, loadOptions = "write")
        void t(BootResult boot) {
            EfiemuAssertions.assertThat(boot).consoleContains("create EFI_SUCCESS");
        }
    }

    @Test
    void espIsReadOnlyUnlessEspWritable() {
        TestExecutionSummary s = launch(ReadOnlyEsp.class, Map.of(EfiemuSettings.ARTIFACTS_KEEP, "never"));
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException().getMessage())
                .contains("Expecting the console to contain").contains("create EFI_WRITE_PROTECTED"));
        assertThat(Path.of(ESP_SAMPLE, "written.txt")).doesNotExist();
    }

    static class WritableEsp {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/esp-read.efi", esp = ESP_WRITABLE, espWritable = true,
                loadOptions = "write")
        void t(BootResult boot) {
            EfiemuAssertions.assertThat(boot).consoleContains("write EFI_SUCCESS").consoleContains("close-written EFI_SUCCESS");
        }
    }

    @Test
    void espWritableLetsTheGuestCreateAndWriteFilesInTheHostFolder() throws Exception {
        Path esp = Path.of(ESP_WRITABLE);
        RunArtifacts.delete(esp);
        Files.createDirectories(esp);
        Files.copy(Path.of(ESP_SAMPLE, "hello.txt"), esp.resolve("hello.txt"));
        TestExecutionSummary s = launch(WritableEsp.class, Map.of());
        assertThat(s.getFailures()).extracting(f -> f.getException().toString()).isEmpty();
        assertThat(s.getTestsSucceededCount()).isEqualTo(1);
        assertThat(Files.readString(esp.resolve("written.txt"))).isEqualTo("written by esp-read\n");
        RunArtifacts.delete(esp);
    }

    static class MissingEsp {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/esp-read.efi", esp = "target/no-such-esp-folder")
        void t(BootResult boot) {
        }
    }

    @Test
    void espThatIsNotAFolderIsAConfigurationErrorNamingTheFolder() {
        TestExecutionSummary s = launch(MissingEsp.class, Map.of());
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("esp = \"target/no-such-esp-folder\" is not a folder")
                .hasMessageContaining(Path.of("target/no-such-esp-folder").toAbsolutePath().toString()));
    }

    static class SanitizerOff {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/efi-pool.efi", untilExitBootServices = true,
                sanitizer = EfiemuTest.Toggle.OFF)
        void t(BootResult boot, EfiemuRun run) {
            assertThat(run.sanitizerReport()).isEmpty();
            EfiemuAssertions.assertThat(run).exitedBootServices().hasNoFirmwareCorruption();
        }
    }

    @Test
    void sanitizerOffGivesNoReportAndTheOwnershipAssertionSaysHowToGetOne(@TempDir Path dir) throws Exception {
        TestExecutionSummary s = launch(SanitizerOff.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getFailures()).singleElement().satisfies(f -> {
            String message = f.getException().getMessage();
            assertThat(message).contains("Expecting no guest write to firmware-owned memory")
                    .contains("not watched by the memory-ownership sanitizer").contains("sanitizer = ON")
                    .contains("efiemu.sanitizer.default");
            Path kept = dir.resolve(SanitizerOff.class.getName()).resolve("t").resolve("ovmf-q35-2g");
            assertThat(kept.resolve(RunArtifacts.RUN)).content().contains("sanitizer off");
            assertThat(kept.resolve(RunArtifacts.FINDINGS)).doesNotExist();
        });
    }

    static class SanitizerByDefault {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/efi-pool.efi", untilExitBootServices = true)
        void t(BootResult boot, EfiemuRun run) {
            assertThat(run.sanitizerReport()).as("sanitizer report").isEmpty();
        }
    }

    @Test
    void sanitizerDefaultFalseTurnsTheSanitizerOffForTestsThatDoNotSayOtherwise() {
        Map<String, String> keepNothing = Map.of(EfiemuSettings.ARTIFACTS_KEEP, "never");
        TestExecutionSummary off = launch(SanitizerByDefault.class,
                Map.of(EfiemuSettings.SANITIZER_DEFAULT, "false", EfiemuSettings.ARTIFACTS_KEEP, "never"));
        assertThat(off.getFailures()).extracting(f -> f.getException().toString()).isEmpty();
        assertThat(off.getTestsSucceededCount()).isEqualTo(1);
        TestExecutionSummary on = launch(SanitizerByDefault.class, keepNothing);
        assertThat(on.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .hasMessageContaining("sanitizer report").hasMessageContaining("Expecting an empty Optional"));
        TestExecutionSummary bad = launch(SanitizerByDefault.class,
                Map.of(EfiemuSettings.SANITIZER_DEFAULT, "sometimes", EfiemuSettings.ARTIFACTS_KEEP, "never"));
        assertThat(bad.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("efiemu.sanitizer.default=sometimes is not true or false"));
    }

    static class WritesFirmwareMemory {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/bs-data-write.efi")
        void t(EfiemuRun run) {
            EfiemuAssertions.assertThat(run).hasNoViolations().hasNoUnallocatedUse().hasNoFirmwareCorruption();
        }
    }

    @Test
    void writeIntoBootServicesDataFailsHasNoFirmwareCorruptionAndKeepsFindingsAndReportPage(@TempDir Path dir)
            throws Exception {
        TestExecutionSummary s = launch(WritesFirmwareMemory.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getFailures()).hasSize(1);
        String message = s.getFailures().get(0).getException().getMessage();
        String store = message.lines().filter(l -> l.startsWith("  firmware corruption: 0x")).findFirst().orElseThrow(() ->
                new AssertionError("no finding line in:\n" + message));
        assertThat(message).contains("Expecting no guest write to firmware-owned memory")
                .contains("but the sanitizer found 1:");
        assertThat(store).contains("(0x10 bytes) in EfiBootServicesData").contains("written by RIP bs-data-write.efi+0x")
                .contains("before ExitBootServices, after call #");
        Path kept = Path.of(message.substring(message.indexOf("kept in ") + "kept in ".length()).trim());
        assertThat(kept).isEqualTo(dir.resolve(WritesFirmwareMemory.class.getName()).resolve("t").resolve("ovmf-q35-2g"));
        String address = store.substring("  firmware corruption: ".length(), store.indexOf('-'));
        assertThat(kept.resolve(RunArtifacts.RUN)).content().contains("store " + address.toLowerCase() + " len 0x10");
        assertThat(kept.resolve(RunArtifacts.FINDINGS)).content().hasLineCount(1).contains("FIRMWARE_CORRUPTION");
        assertThat(kept.resolve(RunArtifacts.PICTURE)).content().contains("<svg").contains("bs-data-write");
        assertThat(kept.resolve(RunArtifacts.TRACE)).content().contains("\"service\":\"GetMemoryMap\"");
        assertThat(kept.resolve(RunArtifacts.MAP)).content().contains("EfiBootServicesData");
    }
}
