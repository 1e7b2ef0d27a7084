package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class MatrixRunnerTest {
    private final List<PlatformProfile> platforms = List.of(ProfileRegistry.builtIn("ovmf-q35-512m"),
            ProfileRegistry.builtIn("ibm-system-x3550-m2"));
    private final List<Strategy> strategies = List.of(StrategyCatalog.builtIn("mem-lower"),
            StrategyCatalog.builtIn("efi-pages-above-1m"), StrategyCatalog.builtIn("static-pool-64k"));

    private MatrixRunner.MatrixResult run(int jobs, List<PlatformProfile> ps) {
        AtomicInteger done = new AtomicInteger();
        MatrixRunner.MatrixResult r = new MatrixRunner(ScenarioRunner.standard(), jobs)
                .run(ps, strategies, MatrixRunner.cross(ps, strategies, ScenarioOptions.defaults()), x -> done.incrementAndGet());
        assertThat(done.get()).isEqualTo(ps.size() * strategies.size());
        return r;
    }

    @Test
    void parallelRunsGiveTheSameReportsAsOneThreadInInputOrder() {
        MatrixRunner.MatrixResult one = run(1, platforms);
        MatrixRunner.MatrixResult four = run(4, platforms);
        assertThat(four.results()).extracting(ScenarioResult::report)
                .containsExactlyElementsOf(one.results().stream().map(ScenarioResult::report).toList());
        assertThat(one.results()).extracting(r -> r.scenario().id()).startsWith("ovmf-q35-512m/mem-lower",
                "ibm-system-x3550-m2/mem-lower", "ovmf-q35-512m/efi-pages-above-1m");
    }

    @Test
    void theReportListsPlatformsStrategiesAndImageCosts() {
        Report report = run(2, platforms).toReport("t", "v", "efiemu matrix", java.util.Map.of(), CostMeter.builtIn());
        assertThat(report.platforms()).extracting(p -> p.name()).containsExactly("ovmf-q35-512m", "ibm-system-x3550-m2");
        assertThat(report.strategies()).filteredOn(s -> s.name().equals("static-pool-64k")).singleElement()
                .satisfies(s -> assertThat(s.imageSizeCost()).isGreaterThanOrEqualTo(64 * 1024));
        assertThat(report.mismatches()).isEmpty();
        assertThat(report.timings().scenarios()).hasSize(6);
    }

    @Test
    void aMachineEfiemuCannotBuildIsAFailSayingSoNotACrash() {
        // RAM only above 1 MiB and no firmware-owned memory for the firmware's own structures
        PlatformProfile bare = PlatformProfile.builder("bare")
                .descriptor(new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x100000, 0x100, 0xF)).build();
        MatrixRunner.MatrixResult r = run(2, List.of(bare));
        assertThat(r.results()).allSatisfy(x -> {
            assertThat(x.report().observed()).isEqualTo(Verdict.FAIL);
            assertThat(x.report().reasons()).singleElement().satisfies(reason -> {
                assertThat(reason.kind()).isEqualTo(ReasonKind.OTHER);
                assertThat(reason.message()).startsWith("efiemu could not run this scenario: platform bare cannot be emulated");
            });
        });
    }
}
