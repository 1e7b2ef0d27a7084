package org.efiemu.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.efiemu.assertj.EfiemuAssertions;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

class EfiemuExtensionTest {

    @EfiemuTest(platforms = {"ovmf-q35-2g", "dell-poweredge-r820"}, payload = "payloads/efi-pool.efi",
            untilExitBootServices = true)
    void bootResultParameterIsAFinishedRunOnEachListedPlatform(BootResult boot, PlatformProfile profile) {
        EfiemuAssertions.assertThat(boot).exitedBootServices().hasNoViolations();
        assertThat(profile.name()).isIn("ovmf-q35-2g", "dell-poweredge-r820");
    }

    @EfiemuTest(platform = "ovmf-q35-512m", payload = "classpath:payloads/efi-pool.efi", untilExitBootServices = true)
    void machineParameterIsReadyAndNotYetRun(UefiMachine machine) {
        BootResult r = machine.run();
        EfiemuAssertions.assertThat(r).exitedBootServices();
    }

    /** Runs {@code test} in a nested JUnit launcher with these configuration parameters. */
    static TestExecutionSummary launch(Class<?> test, Map<String, String> config) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(test))
                .configurationParameters(config).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    static class FailingOnTwoPlatforms {
        @EfiemuTest(platforms = {"ovmf-q35-2g", "lowalloc-firmware"}, payload = "payloads/efi-pool.efi",
                untilExitBootServices = true)
        void fails(BootResult boot) {
            EfiemuAssertions.assertThat(boot).allocation("trampoline").isBelow(0x1000);
        }
    }

    @Test
    void failingRunKeepsTraceMapAndPictureInTheFolderTheMessageNames(@TempDir Path dir) throws Exception {
        TestExecutionSummary s = launch(FailingOnTwoPlatforms.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getTestsFailedCount()).isEqualTo(2);
        for (TestExecutionSummary.Failure f : s.getFailures()) {
            String message = f.getException().getMessage();
            assertThat(message).contains("Expecting region 'trampoline' to lie below 0x1000").contains("kept in " + dir);
            Path kept = Path.of(message.substring(message.indexOf("kept in ") + "kept in ".length()).trim());
            assertThat(kept).isDirectory();
            assertThat(Files.readString(kept.resolve(RunArtifacts.TRACE))).contains("\"service\":\"ExitBootServices\"");
            assertThat(Files.readString(kept.resolve(RunArtifacts.MAP))).contains("EfiConventionalMemory");
            // memory.html opens on this run: its verdict, evidence and pictures with no click and no script
            assertThat(Files.readString(kept.resolve(RunArtifacts.PICTURE))).contains("<svg").doesNotContain("<script")
                    .contains("<article class=\"scenario page").contains("<section id=\"legend\">")
                    .doesNotContain("href=\"../index.html\"");
        }
    }

    static class Passing {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/efi-pool.efi", untilExitBootServices = true)
        void passes(BootResult boot) {
            EfiemuAssertions.assertThat(boot).exitedBootServices();
        }
    }

    @Test
    void passingRunRemovesItsFolderUnlessKeptAlways(@TempDir Path dir) throws Exception {
        Path stale = dir.resolve(Passing.class.getName()).resolve("passes").resolve("ovmf-q35-2g");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("trace.jsonl"), "left by an earlier failing run");
        assertThat(launch(Passing.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString())).getTestsSucceededCount())
                .isEqualTo(1);
        assertThat(stale).doesNotExist();
        assertThat(launch(Passing.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString(),
                EfiemuSettings.ARTIFACTS_KEEP, "always")).getTestsSucceededCount()).isEqualTo(1);
        assertThat(stale.resolve(RunArtifacts.TRACE)).isRegularFile();
    }

    static class AllPlatformsInParallel {
        @EfiemuTest(payload = "payloads/efi-pool.efi", untilExitBootServices = true)
        // the 1.5 TiB R820 loads the image above 1 TiB, past Unicorn 2.0.1's 40-bit physical limit (FAULT
        // ABOVE_PHYSICAL_LIMIT before the first call; docs/architecture.md)
        @AllPlatforms(except = "dell-poweredge-r820-1.5t")
        void boots(BootResult boot) {
            EfiemuAssertions.assertThat(boot).trace().calledInOrder("GetMemoryMap", "ExitBootServices")
                    .neverCalledAfterExitBootServices();
        }
    }

    @Test
    void allPlatformsRunsOncePerBuiltInProfileWithParallelExecution() {
        TestExecutionSummary s = launch(AllPlatformsInParallel.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent"));
        assertThat(s.getFailures()).extracting(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException())
                .isEmpty();
        assertThat(s.getTestsSucceededCount()).isEqualTo(org.efiemu.platform.ProfileRegistry.builtInNames().size() - 1);
    }

    static class StoppedByItsBudget {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/efi-pool.efi", instructionBudget = 20_000)
        void byAttribute(BootResult boot) {
            EfiemuAssertions.assertThat(boot).exitedBootServices();
        }
    }

    static class StoppedByTheConfiguredBudget {
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/efi-pool.efi")
        void byParameter(BootResult boot) {
            EfiemuAssertions.assertThat(boot).exitedBootServices();
        }
    }

    @Test
    void aFailureOfARunStoppedByItsBudgetNamesTheBudgetAndWhereItWasSet(@TempDir Path dir) {
        TestExecutionSummary s = launch(StoppedByItsBudget.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException().getMessage())
                .contains("but it was never called").contains("BUDGET_EXHAUSTED")
                .contains("the run stopped at its instruction budget of 20000 instructions (@EfiemuTest(instructionBudget))"));
        TestExecutionSummary p = launch(StoppedByTheConfiguredBudget.class, Map.of(EfiemuSettings.ARTIFACTS_DIR,
                dir.toString(), EfiemuSettings.BUDGET_DEFAULT, "30_000"));
        assertThat(p.getFailures()).singleElement().satisfies(f -> assertThat(f.getException().getMessage()).contains(
                "the run stopped at its instruction budget of 30000 instructions (configuration parameter "
                        + EfiemuSettings.BUDGET_DEFAULT + ")"));
    }

    @Test
    void aBudgetOrTimeLimitParameterBelowOneIsAConfigurationError() {
        TestExecutionSummary s = launch(StoppedByTheConfiguredBudget.class, Map.of(EfiemuSettings.WALL_CLOCK_DEFAULT, "0"));
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(org.junit.jupiter.api.extension.ExtensionConfigurationException.class)
                .hasMessageContaining(EfiemuSettings.WALL_CLOCK_DEFAULT + "=0 must be at least 1"));
    }

    static class PayloadThatGivesUp {
        // multiboot2-style load at 1 MiB: place-string grows its map buffer into the 0xA0000-0xFFFFF hole and gives up
        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/place-string-mb2.efi", loadAddress = 0x10_0000)
        void reachesExitBootServices(BootResult boot) {
            EfiemuAssertions.assertThat(boot).exitedBootServices();
        }

        @EfiemuTest(platform = "ovmf-q35-2g", payload = "payloads/place-string-mb2.efi", loadAddress = 0x10_0000)
        void ownAssertion(BootResult boot) {
            assertThat(boot.trace().size()).as("service calls").isGreaterThan(1_000);
        }
    }

    @Test
    void theFailureMessageQuotesThePayloadsOwnFailureLine(@TempDir Path dir) {
        TestExecutionSummary s = launch(PayloadThatGivesUp.class, Map.of(EfiemuSettings.ARTIFACTS_DIR, dir.toString()));
        assertThat(s.getFailures()).hasSize(2).allSatisfy(f -> assertThat(f.getException().getMessage())
                .containsOnlyOnce("@efiemu result fail get-memory-map-failed EFI_INVALID_PARAMETER"));
        assertThat(s.getFailures()).anySatisfy(f -> assertThat(f.getException().getMessage())
                .contains("The payload said: @efiemu result fail get-memory-map-failed"));
        assertThat(s.getFailures()).anySatisfy(f -> assertThat(f.getException().getMessage())
                .contains("the payload said: @efiemu result fail get-memory-map-failed"));
    }

    static class NoPlatform {
        @EfiemuTest(payload = "payloads/efi-pool.efi")
        void t(BootResult boot) {
        }
    }

    @Test
    void missingPlatformIsAConfigurationErrorNamingTheFix() {
        TestExecutionSummary s = launch(NoPlatform.class, Map.of());
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(org.junit.jupiter.api.extension.ExtensionConfigurationException.class)
                .hasMessageContaining("efiemu.platform.default").hasMessageContaining("@EfiemuTest(platform ="));
    }
}
