package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.sanitizer.FindingKind;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.junit.jupiter.api.Test;

class ObservationsTest {
    private static org.efiemu.uefi.sanitizer.SanitizerFinding write(long rip, long address, long length, long afterCall) {
        return new org.efiemu.uefi.sanitizer.SanitizerFinding(FindingKind.FIRMWARE_CORRUPTION, rip, address, length,
                "EfiBootServicesCode", "platform firmware", false, afterCall, 1);
    }

    @Test
    void byteWiseWritesOfOneInstructionMergeIntoOneFindingWithALength() {
        List<org.efiemu.uefi.sanitizer.SanitizerFinding> raw = new ArrayList<>();
        for (int i = 0; i < 0x88; i++) {
            raw.add(write(0x100023F5L, 0x6BF78 + i, 1, 9 + i / 64));
        }
        raw.add(write(0x100015A8L, 0x6BB78, 0x400, 11));
        List<SanitizerFinding> merged = Observations.findings(new SanitizerReport(raw, raw.size(), 0, 0));
        assertThat(merged).hasSize(2);
        assertThat(merged.get(0)).satisfies(f -> {
            assertThat(f.address()).isEqualTo(0x6BF78);
            assertThat(f.length()).isEqualTo(0x88);
            assertThat(f.afterCall()).isEqualTo(9);
            assertThat(f.kind()).isEqualTo(SanitizerFinding.Kind.FIRMWARE_CORRUPTION);
        });
    }

    @Test
    void writesFromDifferentInstructionsOrWithGapsStaySeparate() {
        List<org.efiemu.uefi.sanitizer.SanitizerFinding> raw = List.of(write(1, 0x1000, 8, 1), write(1, 0x1010, 8, 1),
                write(2, 0x1008, 8, 1));
        assertThat(Observations.findings(new SanitizerReport(raw, 3, 0, 0))).hasSize(3);
    }
}
