package org.efiemu.assertj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.junit.jupiter.api.Test;

/** hasNoFirmwareCorruption/hasNoUnallocatedUse rest on the sanitizer's findings from real boots. */
class SanitizerAssertionsTest {

    private record Run(BootResult boot, SanitizerReport report) {
    }

    private static Run boot(String strategy, String platform) {
        Strategy s = StrategyCatalog.builtIn(strategy);
        try (UefiMachine m = UefiMachine.builder(Platforms.describe(ProfileRegistry.builtIn(platform)).description())
                .payload(s.payloadBytes(), s.payloadName()).build();
                MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            BootResult r = m.run();
            return new Run(r, sanitizer.report());
        }
    }

    @Test
    void memLowerOnOvmfWritesUnallocatedMemoryAndTheMessageListsEachFinding() {
        Run r = boot("mem-lower", "ovmf-q35-2g");
        assertThat(r.report().findings()).isNotEmpty();
        assertThatThrownBy(() -> EfiemuAssertions.assertThat(r.boot(), r.report()).hasNoUnallocatedUse())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expecting no guest write to free memory nobody allocated")
                .hasMessageContaining("unallocated use: 0x")
                .hasMessageContaining("written by RIP mem-lower.efi+0x")
                .hasMessageContaining("ExitBootServices, after call #");
    }

    @Test
    void efiPoolOnOvmfPassesBothSanitizerAssertions() {
        Run r = boot("efi-pool", "ovmf-q35-2g");
        EfiemuAssertions.assertThat(r.boot(), r.report()).hasNoFirmwareCorruption().hasNoUnallocatedUse();
    }

    @Test
    void sanitizerAssertionsWithoutAReportFailSayingHowToGetOne() {
        Run r = boot("efi-pool", "ovmf-q35-2g");
        assertThatThrownBy(() -> EfiemuAssertions.assertThat(r.boot()).hasNoFirmwareCorruption())
                .hasMessageContaining("not watched by the memory-ownership sanitizer");
    }

    @Test
    void allocationAcceptsAnObservedCallSiteAndReportsTheLiveAllocationsWhenNothingMatches() {
        Run r = boot("efi-pool", "ovmf-q35-2g");
        var app = r.boot().livePages().stream()
                .filter(a -> a.requester() == org.efiemu.uefi.memory.Requester.APPLICATION
                        && r.boot().image().contains(a.tag().callerRip())).toList();
        assertThat(app).isNotEmpty();
        var a = app.get(app.size() - 1);
        EfiemuAssertions.assertThat(r.boot()).allocation(r.boot().image().describe(a.tag().callerRip()))
                .isAtOrAbove(a.base()).isBelow(a.end());
        assertThatThrownBy(() -> EfiemuAssertions.assertThat(r.boot()).allocation("no-such-label"))
                .hasMessageContaining("Expecting a region or allocation 'no-such-label'")
                .hasMessageContaining("from efi-pool.efi+0x");
    }
}
