package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.ReusableEngine;
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
 * The memory sanitizer taking the stores to its watched pages in the protection fault (the pages stay write-protected,
 * no {@code UC_HOOK_MEM_WRITE}: its default where the engine can) must give exactly what watching them with bounded
 * write hooks ({@code -Defiemu.watch=hook}) gives: the same findings in the same order (kinds, RIPs, addresses,
 * lengths, owners, as the listener heard them and as the report lists them), the same protection-fault and watched
 * page counts, the same JSON trace, stop report, console and clock. Over the {@code watched-stores} payload (every kind
 * of store, across every kind of page end: src/test/c/watched-stores), every built-in strategy on every built-in
 * platform, and hunt-generated machines on a reused engine.
 */
class WatchedStoresInFaultDifferentialTest {
    private static final Path WATCHED_STORES = Path.of("target/test-classes/payloads/watched-stores.efi");

    @Test
    void everyKindOfStoreOfTheWatchedStoresPayloadIsRecordedInTheFaultAsByTheWriteHookAndEveryStoreLands() throws Exception {
        byte[] payload = Files.readAllBytes(WATCHED_STORES);
        PlatformProfile p = ProfileRegistry.builtIn("ovmf-q35-2g");
        String hook = observe(p, payload, "watched-stores.efi", null, false);
        String fault = observe(p, payload, "watched-stores.efi", null, true);
        // the one difference: with write hooks, the first byte a page-crossing store puts on a protected page never
        // lands (store_helper checks the second page's TLB entry, which holds TLB_DISCARD_WRITE, before the hook lifts
        // the protection); taken in the fault, the store is performed. The payload then prints another line, so what
        // it runs after its check (instructions, clock, registers at the end) differs; everything before is the same
        assertThat(hook).contains("console:\n+0x3000: 0x00, stored 0x44\r\n");
        assertThat(fault).contains("console:\nevery store landed\r\n");
        assertThat(findings(fault)).isEqualTo(findings(hook));
        assertThat(callsBeforeTheCheck(fault)).isEqualTo(callsBeforeTheCheck(hook)).hasSize(8);
        // what the comparison covers: the payload ran to its end and the sanitizer saw its stores
        assertThat(hook).contains("BootResult RETURNED EFI_SUCCESS").contains("protectionFaults=7,")
                .contains("UNALLOCATED_USE");
        assertThat(hook).as("counted per instruction where blocks left positions inexact").endsWith(" exact=true\n");
        assertThat(hook.lines().filter(l -> l.startsWith("unallocated use:")).count()).as("findings").isGreaterThan(15);
    }

    @Test
    void everyBuiltInScenarioObservesTheSameWithStoresTakenInTheFault() {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int watched = 0;
        try (ReusableEngine engine = new ReusableEngine()) {
            for (String platform : ProfileRegistry.builtInNames()) {
                for (String strategy : StrategyCatalog.builtInNames()) {
                    Strategy s = StrategyCatalog.builtIn(strategy);
                    PlatformProfile p = ProfileRegistry.builtIn(platform);
                    String hook = observe(p, s.payloadBytes(), s.payloadName(), null, false);
                    String fault = observe(p, s.payloadBytes(), s.payloadName(), engine, true);
                    if (!hook.equals(fault)) {
                        mismatches.add(strategy + " on " + platform + ":\n"
                                + EngineReuseDifferentialTest.firstDifference(hook, fault, "hook:  ", "fault: "));
                    }
                    if (!hook.contains(", watchedPages=0,")) {
                        watched++;
                    }
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(40);
        assertThat(watched).as("scenarios whose sanitizer watched pages").isPositive();
        assertThat(mismatches).isEmpty();
    }

    @Test
    void huntGeneratedMachinesObserveTheSameWithStoresTakenInTheFault() {
        List<String> strategies = List.of("efi-pool", "mem-lower", "place-string-mb2", "static-pool-64k");
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        int watched = 0;
        try (ReusableEngine engine = new ReusableEngine()) {
            for (long seed : new long[] {0, 3}) {
                for (long index = 0; index < 80; index++) {
                    Strategy s = StrategyCatalog.builtIn(strategies.get((int) ((seed + index) % strategies.size())));
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, index), settings).profile();
                    String hook = observe(p, s.payloadBytes(), s.payloadName(), null, false);
                    String fault = observe(p, s.payloadBytes(), s.payloadName(), engine, true);
                    if (!hook.equals(fault)) {
                        mismatches.add(s.name() + " on seed " + seed + " index " + index + ":\n"
                                + EngineReuseDifferentialTest.firstDifference(hook, fault, "hook:  ", "fault: "));
                    }
                    if (!hook.contains(", watchedPages=0,")) {
                        watched++;
                    }
                }
            }
        }
        assertThat(watched).as("machines whose sanitizer watched pages").isGreaterThan(20);
        assertThat(mismatches).isEmpty();
    }

    /** The findings as heard and as reported, with the counts. */
    private static String findings(String observation) {
        return observation.substring(observation.indexOf("heard:\n"), observation.indexOf("\nclock:"));
    }

    /** The trace's lines of the calls before the payload's check (AllocatePages and the FreePages). */
    private static List<String> callsBeforeTheCheck(String observation) {
        String trace = observation.substring(observation.indexOf("trace:\n"), observation.indexOf("\nheard:"));
        return trace.lines().filter(l -> l.startsWith("{") && !l.contains("ConOut.") && !l.contains("image return"))
                .toList();
    }

    /**
     * Everything a run shows, as text: result, stop report, console, JSON trace, the findings as the listener heard
     * them, the sanitizer report, clock (counted per instruction when counting by block left positions inexact);
     * {@code inFault}: the sanitizer's default way, else {@code -Defiemu.watch=hook}.
     */
    static String observe(PlatformProfile platform, byte[] payload, String name, ReusableEngine engine, boolean inFault) {
        String blocks = observe(platform, payload, name, engine, inFault, InstructionCounting.BLOCKS);
        // a run whose positions are not exact (the writer of a watched store not told apart in its block: RIP read
        // there is where Unicorn last wrote it back) is repeated per instruction, as the scenario runner does
        return blocks.endsWith(" exact=false\n")
                ? observe(platform, payload, name, engine, inFault, InstructionCounting.PER_INSTRUCTION) : blocks;
    }

    private static String observe(PlatformProfile platform, byte[] payload, String name, ReusableEngine engine,
            boolean inFault, InstructionCounting counting) {
        String was = System.getProperty(MemorySanitizer.WATCH_PROPERTY);
        if (inFault) {
            System.clearProperty(MemorySanitizer.WATCH_PROPERTY);
        } else {
            System.setProperty(MemorySanitizer.WATCH_PROPERTY, "hook");
        }
        try (UefiMachine m = UefiMachine.builder(Platforms.describe(platform).description())
                .payload(payload, name).instructionCounting(counting).engine(engine).build()) {
            List<String> heard = new ArrayList<>();
            try (MemorySanitizer sanitizer = MemorySanitizer.attach(m, f -> heard.add(f.toString()))) {
                assertThat(sanitizer.storesInFault()).as("the way asked for").isEqualTo(inFault);
                BootResult r = m.run();
                SanitizerReport report = sanitizer.report();
                StringBuilder sb = new StringBuilder();
                sb.append(r).append('\n');
                sb.append("virtualNanos=").append(r.virtualNanos()).append('\n');
                sb.append(InstructionCountingDifferentialTest.stopReport(r.stopReport())).append('\n');
                sb.append("console:\n").append(r.consoleText()).append('\n');
                sb.append("trace:\n").append(m.trace().toJsonLines()).append('\n');
                sb.append("heard:\n").append(String.join("\n", heard)).append('\n');
                sb.append("sanitizer: ").append(report).append(" protectionFaults=").append(report.protectionFaults())
                        .append(", watchedPages=").append(report.watchedPages()).append(", unwatchedPages=")
                        .append(report.unwatchedPages()).append('\n').append(report.toJsonLines()).append('\n');
                sb.append("clock: instructions=").append(m.machine().clock().instructions()).append(" cycles=")
                        .append(m.machine().clock().cycles()).append(" exact=").append(m.machine().positionsExact())
                        .append('\n');
                return sb.toString();
            }
        } catch (IllegalArgumentException e) {
            return "not built: " + e.getMessage();
        } finally {
            if (was == null) {
                System.clearProperty(MemorySanitizer.WATCH_PROPERTY);
            } else {
                System.setProperty(MemorySanitizer.WATCH_PROPERTY, was);
            }
        }
    }
}
