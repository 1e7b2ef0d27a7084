package org.efiemu.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.junit.EfiemuExtensionTest.launch;

import java.util.Map;
import org.efiemu.assertj.EfiemuAssertions;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** The {@link EfiemuTest} attributes {@code keys} (keys at virtual times) and {@code rngSeed}. */
class EfiemuKeysAndRngTest {

    @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/read-keys.efi", keys = "2s \"k\"\n+1s Down Enter",
            rngSeed = 5)
    void keysArriveAtTheirVirtualTimesAndTheSeededRngAnswers(BootResult boot) {
        EfiemuAssertions.assertThat(boot).hasNoViolations().consoleContains("key EFI_SUCCESS scan 0x0 char 0x6b")
                .consoleContains("key EFI_SUCCESS scan 0x2 char 0x0").consoleContains("key EFI_SUCCESS scan 0x0 char 0xd")
                .consoleContains("rng ");
        assertThat(boot.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(boot.virtualNanos()).isBetween(3_000_000_000L, 3_100_000_000L);
    }

    static class KeptScreens {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/read-keys.efi", keys = "1s \"q\" Enter",
                keepArtifacts = EfiemuTest.Keep.ALWAYS)
        void t(BootResult boot) {
        }
    }

    @Test
    void keptArtifactsHoldTheFramebufferAndTheTextConsole(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        TestExecutionSummary s = launch(KeptScreens.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getFailures()).isEmpty();
        java.nio.file.Path kept = dir.resolve(KeptScreens.class.getName()).resolve("t").resolve("ovmf-q35-2g");
        assertThat(kept.resolve(RunArtifacts.FRAMEBUFFER)).isNotEmptyFile();
        assertThat(kept.resolve(RunArtifacts.CONSOLE_PICTURE)).isNotEmptyFile();
        assertThat(kept.resolve(RunArtifacts.CONSOLE_TEXT)).content().contains("key EFI_SUCCESS scan 0x0 char 0x71");
    }

    static class BadScript {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/read-keys.efi", keys = "2s Entr")
        void t(BootResult boot) {
        }
    }

    @Test
    void aBadKeyScriptIsAConfigurationErrorNamingTheAttributeAndLine() {
        TestExecutionSummary s = launch(BadScript.class, Map.of(EfiemuSettings.ARTIFACTS_KEEP, "never"));
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("BadScript.t keys:1: key 'Entr'"));
    }
}
