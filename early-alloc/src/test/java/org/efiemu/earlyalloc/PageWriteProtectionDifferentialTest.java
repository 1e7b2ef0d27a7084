package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.core.engine.StoreFastPath;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.junit.jupiter.api.Test;

/**
 * The memory sanitizer's write protection through the engine's page set ({@code Engine.writeProtect}: no Unicorn
 * region split) must give exactly what protection by {@code uc_mem_protect} region splits gives: the same JSON trace
 * byte for byte, the same sanitizer findings (kinds, RIPs, addresses, lengths, owners) and protection-fault count, stop
 * report, console and clock. Compared over every built-in strategy on every built-in platform and over hunt-generated
 * machines, on one reused engine for the page set (as a hunt runs) and new engines for region splits.
 */
class PageWriteProtectionDifferentialTest {

    @Test
    void everyBuiltInScenarioObservesWithThePageSetExactlyWhatItObservesWithRegionSplits() {
        assertThat(StoreFastPath.writeProtectStatus().active()).as("%s", StoreFastPath.writeProtectStatus()).isTrue();
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int[] faulted = new int[1];
        try (ReusableEngine engine = new ReusableEngine()) {
            for (String platform : ProfileRegistry.builtInNames()) {
                for (String strategy : StrategyCatalog.builtInNames()) {
                    compare(ProfileRegistry.builtIn(platform), StrategyCatalog.builtIn(strategy), engine, mismatches,
                            strategy + " on " + platform, faulted);
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(40);
        assertThat(faulted[0]).as("scenarios whose guest wrote into protected pages").isPositive();
        assertThat(mismatches).isEmpty();
    }

    @Test
    void huntGeneratedMachinesObserveWithThePageSetExactlyWhatTheyObserveWithRegionSplits() {
        List<String> strategies = List.of("efi-pool", "mem-lower", "place-string-mb2", "static-pool-64k");
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        int[] faulted = new int[1];
        int compared = 0;
        try (ReusableEngine engine = new ReusableEngine()) {
            for (long seed : new long[] {0, 3}) {
                for (long index = 0; index < 100; index++) {
                    Strategy s = StrategyCatalog.builtIn(strategies.get((int) ((seed + index) % strategies.size())));
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, index), settings).profile();
                    compare(p, s, engine, mismatches, s.name() + " on seed " + seed + " index " + index, faulted);
                    compared++;
                }
            }
            EngineReuseDifferentialTest.assertKeptRamWasExercised(engine); // the page set over kept RAM too
        }
        assertThat(compared).isEqualTo(200);
        assertThat(faulted[0]).as("machines whose guest wrote into protected pages").isPositive();
        assertThat(mismatches).isEmpty();
    }

    private static void compare(PlatformProfile p, Strategy s, ReusableEngine engine, List<String> mismatches,
            String what, int[] faulted) {
        String regions = observe(p, s, null, false);
        String pages = observe(p, s, engine, true);
        if (!regions.equals(pages)) {
            mismatches.add(what + ":\n"
                    + EngineReuseDifferentialTest.firstDifference(regions, pages, "regions: ", "page set:"));
        }
        if (regions.contains("protectionFaults=") && !regions.contains("protectionFaults=0,")) {
            faulted[0]++;
        }
    }

    /** Everything a run shows, as text: result, stop report, console, JSON trace, sanitizer report, clock. */
    private static String observe(PlatformProfile platform, Strategy s, ReusableEngine engine, boolean pageSet) {
        try (UefiMachine m = UefiMachine.builder(Platforms.describe(platform).description())
                .payload(s.payloadBytes(), s.payloadName()).engine(engine).build()) {
            if (!pageSet) {
                m.machine().engine().disablePageWriteProtection();
            }
            try (MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
                BootResult r = m.run();
                assertThat(m.machine().engine().pageWriteProtection()).isEqualTo(pageSet);
                SanitizerReport report = sanitizer.report();
                StringBuilder sb = new StringBuilder();
                sb.append(r).append('\n');
                sb.append("virtualNanos=").append(r.virtualNanos()).append('\n');
                sb.append(InstructionCountingDifferentialTest.stopReport(r.stopReport())).append('\n');
                sb.append("console:\n").append(r.consoleText()).append('\n');
                sb.append("trace:\n").append(m.trace().toJsonLines()).append('\n');
                sb.append("sanitizer: ").append(report).append(" protectionFaults=").append(report.protectionFaults())
                        .append(",\n").append(report.toJsonLines()).append('\n');
                sb.append("clock: instructions=").append(m.machine().clock().instructions()).append(" cycles=")
                        .append(m.machine().clock().cycles()).append(" exact=").append(m.machine().positionsExact())
                        .append('\n');
                return sb.toString();
            }
        } catch (IllegalArgumentException e) {
            return "not built: " + e.getMessage();
        }
    }
}
