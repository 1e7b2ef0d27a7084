package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.platform.ProfileRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every built-in strategy on every built-in machine reaches the verdict strategies/expected-verdicts.txt records. */
class BuiltInScenarioVerdictTest {
    private static final ScenarioRunner RUNNER = ScenarioRunner.standard();

    static List<Arguments> builtInScenarios() {
        List<Arguments> out = new ArrayList<>();
        for (String s : StrategyCatalog.builtInNames()) {
            for (String p : ProfileRegistry.builtInNames()) {
                out.add(Arguments.of(s, p));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("builtInScenarios")
    void observedVerdictIsTheExpectedOne(String strategy, String platform) {
        Scenario scenario = Scenario.of(ProfileRegistry.builtIn(platform), StrategyCatalog.builtIn(strategy));
        ScenarioReport r = RUNNER.run(scenario).report();
        assertThat(r.observed())
                .as("%s: expected %s (%s); observed reasons:%n%s", r.id(), r.expected().verdict(), r.expected().reason(),
                        r.reasons().stream().map(Object::toString).collect(Collectors.joining("\n")))
                .isEqualTo(r.expected().verdict());
    }

    @Test
    void everyBuiltInPairHasARecordedExpectation() {
        ExpectedVerdicts expected = ExpectedVerdicts.builtIn();
        for (String s : StrategyCatalog.builtInNames()) {
            for (String p : ProfileRegistry.builtInNames()) {
                assertThat(expected.lookup(s, p)).as("expectation for %s on %s", s, p).isPresent();
            }
        }
    }

    @Test
    void aRunIsDeterministicTraceAndVerdictRepeatExactly() {
        Scenario scenario = Scenario.of(ProfileRegistry.builtIn("ovmf-q35-2g"), StrategyCatalog.builtIn("mem-lower"));
        ScenarioReport a = RUNNER.run(scenario).report();
        ScenarioReport b = RUNNER.run(scenario).report();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void growingTheMapPastTheStaticPoolMakesTheMapNotFit() {
        // 64 KiB hold 1365 48-byte descriptors; OVMF's ~126 plus 1400 more do not fit (docs/strategies.md static-pool-64k)
        Scenario scenario = new Scenario(ProfileRegistry.builtIn("ovmf-q35-2g"), StrategyCatalog.builtIn("static-pool-64k"),
                ScenarioOptions.defaults().withExtraMapEntries(1400));
        ScenarioReport r = RUNNER.run(scenario).report();
        assertThat(r.id()).isEqualTo("ovmf-q35-2g/static-pool-64k?extra-map-entries=1400");
        assertThat(r.observed()).isEqualTo(org.efiemu.earlyalloc.report.Verdict.FAIL);
        assertThat(r.reasons()).anySatisfy(x -> {
            assertThat(x.kind()).isEqualTo(org.efiemu.earlyalloc.report.ReasonKind.MAP_BUFFER_TOO_SMALL);
            assertThat(x.message()).contains("pool of 65536 bytes");
        });
    }

    @Test
    void theSameGrowthStillFitsTheOneMegabytePool() {
        Scenario scenario = new Scenario(ProfileRegistry.builtIn("ovmf-q35-2g"), StrategyCatalog.builtIn("static-pool-1m"),
                ScenarioOptions.defaults().withExtraMapEntries(1400));
        assertThat(RUNNER.run(scenario).report().observed()).isEqualTo(org.efiemu.earlyalloc.report.Verdict.PASS);
    }
}
