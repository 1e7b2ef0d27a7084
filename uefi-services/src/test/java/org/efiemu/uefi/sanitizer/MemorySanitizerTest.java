package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.Test;

/** The sanitizer against the sanitize-* payloads: exact findings for bad writes, none for owned memory. */
class MemorySanitizerTest {

    record Run(BootResult result, SanitizerReport report, List<SanitizerFinding> live, List<Store> stores) {}

    /** A store the payload announced: {@code store <what> 0x<address> len 0x<length> rip 0x<rip>}. */
    record Store(String what, long address, long length, long rip) {}

    private static final Pattern STORE = Pattern.compile("store (\\S+) 0x([0-9a-f]+) len 0x([0-9a-f]+) rip 0x([0-9a-f]+)");

    /** Boots the payload {@code sanitize-<name>} with a sanitizer attached. */
    static Run run(String name) {
        List<SanitizerFinding> live = new ArrayList<>();
        try (UefiMachine m = UefiMachine.builder(SanitizerPlatform.ovmfLike())
                .payload(SanitizerPlatform.payload("sanitize-" + name)).build();
                MemorySanitizer sanitizer = MemorySanitizer.attach(m, live::add)) {
            BootResult r = m.run();
            List<Store> stores = new ArrayList<>();
            Matcher x = STORE.matcher(r.consoleText());
            while (x.find()) {
                stores.add(new Store(x.group(1), Long.parseUnsignedLong(x.group(2), 16), Long.parseUnsignedLong(x.group(3), 16),
                        Long.parseUnsignedLong(x.group(4), 16)));
            }
            return new Run(r, sanitizer.report(), live, stores);
        }
    }

    private static void assertReturnedSuccess(Run run) {
        assertThat(run.result().outcome()).as("%s", run.result()).isEqualTo(BootOutcome.RETURNED);
        assertThat(run.result().statusName()).as(run.result().consoleText()).contains("EFI_SUCCESS");
    }

    @Test
    void writeIntoBootServicesDataIsFirmwareCorruptionAtTheExactAddressLengthAndRip() {
        Run run = run("bs-data");
        assertReturnedSuccess(run);
        Store s = run.stores().get(0);
        assertThat(s.address()).isEqualTo(0xE001008L);
        assertThat(run.report().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.FIRMWARE_CORRUPTION);
            assertThat(f.address()).isEqualTo(s.address());
            assertThat(f.length()).isEqualTo(16);
            assertThat(f.rip()).isEqualTo(s.rip());
            assertThat(f.ownerType()).isEqualTo("EfiBootServicesData");
            assertThat(f.owner()).isEqualTo("platform firmware");
            assertThat(f.writes()).isEqualTo(2);
            assertThat(f.afterExitBootServices()).isFalse();
        });
        assertThat(run.live()).singleElement().satisfies(f -> assertThat(f.length()).isEqualTo(8));
    }

    @Test
    void memsetOver64KiBOfFirmwareMemoryIsOneFindingWithTheWholeLength() {
        Run run = run("bs-memset");
        assertReturnedSuccess(run);
        Store s = run.stores().get(0);
        assertThat(run.report().findings()).singleElement().satisfies(f -> {
            assertThat(f.address()).isEqualTo(s.address());
            assertThat(f.length()).isEqualTo(0x10000);
            assertThat(f.rip()).isEqualTo(s.rip());
            assertThat(f.writes()).isEqualTo(0x10000 / 8);
        });
        assertThat(run.report().protectionFaults()).isEqualTo(17); // 0x1008..0x11008 touches 17 pages
    }

    @Test
    void writeIntoFreeMemoryWithoutAllocatingIsUnallocatedUse() {
        Run run = run("free");
        assertReturnedSuccess(run);
        Store s = run.stores().get(0);
        assertThat(run.report().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.UNALLOCATED_USE);
            assertThat(f.address()).isEqualTo(s.address());
            assertThat(f.length()).isEqualTo(8);
            assertThat(f.rip()).isEqualTo(s.rip());
            assertThat(f.ownerType()).isEqualTo("EfiConventionalMemory");
        });
    }

    @Test
    void writesToOwnAllocationsImageAndStackAreNotFlagged() {
        Run run = run("own");
        assertReturnedSuccess(run);
        assertThat(run.result().consoleText()).contains("own done 2");
        assertThat(run.report().findings()).isEmpty();
        assertThat(run.report().isClean()).isTrue();
    }

    @Test
    void writeIntoPagesAfterFreeingThemIsUnallocatedUse() {
        Run run = run("freed");
        assertReturnedSuccess(run);
        Store freed = run.stores().get(1);
        assertThat(run.report().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.UNALLOCATED_USE);
            assertThat(f.address()).isEqualTo(freed.address());
            assertThat(f.length()).isEqualTo(8);
        });
    }

    @Test
    void afterExitBootServicesBootServicesDataIsTheOsButRuntimeDataIsStillFirmware() {
        Run run = run("ebs");
        assertReturnedSuccess(run);
        Store rt = run.stores().get(1);
        assertThat(rt.what()).isEqualTo("after-ebs-rt-data");
        assertThat(run.report().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.FIRMWARE_CORRUPTION);
            assertThat(f.address()).isEqualTo(rt.address());
            assertThat(f.length()).isEqualTo(8);
            assertThat(f.rip()).isEqualTo(rt.rip());
            assertThat(f.ownerType()).isEqualTo("EfiRuntimeServicesData");
            assertThat(f.afterExitBootServices()).isTrue();
        });
    }

    @Test
    void reportIsDeterministicAcrossRuns() {
        assertThat(run("bs-memset").report().toJsonLines()).isEqualTo(run("bs-memset").report().toJsonLines());
    }

    @Test
    void sanitizerClosedAfterItsMachineKeepsItsReportAndLeavesTheClosedEngineAlone() {
        UefiMachine m = UefiMachine.builder(SanitizerPlatform.ovmfLike()).payload(SanitizerPlatform.payload("sanitize-bs-data")).build();
        MemorySanitizer sanitizer = MemorySanitizer.attach(m);
        m.run();
        String before = sanitizer.report().toJsonLines();
        m.close();
        sanitizer.close();
        sanitizer.close();
        assertThat(m.machine().engine().isOpen()).isFalse();
        assertThat(sanitizer.report().findings()).isNotEmpty();
        assertThat(sanitizer.report().toJsonLines()).isEqualTo(before);
    }
}
