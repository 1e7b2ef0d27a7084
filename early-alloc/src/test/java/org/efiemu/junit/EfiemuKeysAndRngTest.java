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
