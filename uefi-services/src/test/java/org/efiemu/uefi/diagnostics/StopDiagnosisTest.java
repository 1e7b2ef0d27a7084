package org.efiemu.uefi.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.image.FoundImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-unmet} payload asks for a protocol no handle has, a protocol its own handle lacks, a variable that is
 * not there, and asks once more from a copy of itself it relocated without LoadImage: the run names each with its
 * GUID's spec name and the call site as image+offset, the copy's as the image found by its PE header.
 */
class StopDiagnosisTest {
    private static BootResult result;
    private static long copyBase;
    private static long probeOffset;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-unmet"))
                .build()) {
            result = m.run();
        }
        copyBase = hexAfter("copy-base ");
        probeOffset = hexAfter("probe-offset ");
    }

    private static long hexAfter(String prefix) {
        Matcher mt = Pattern.compile(Pattern.quote(prefix) + "0x([0-9a-f]+)").matcher(result.consoleText());
        assertThat(mt.find()).as("payload printed '%s' in:%n%s", prefix, result.consoleText()).isTrue();
        return Long.parseLong(mt.group(1), 16);
    }

    private static List<UnmetRequest> unmet() {
        return result.diagnosis().unmet();
    }

    @Test
    void locateProtocolOfAProtocolNoHandleHasIsNamedWithItsSpecNameAndCallSite() {
        assertThat(result.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(result.consoleText()).contains("tcg2 EFI_NOT_FOUND");
        UnmetRequest tcg2 = unmet().get(0);
        assertThat(tcg2.kind()).isEqualTo(UnmetRequest.Kind.PROTOCOL_NOT_FOUND);
        assertThat(tcg2.service()).isEqualTo("LocateProtocol");
        assertThat(tcg2.what()).isEqualTo("EFI_TCG2_PROTOCOL_GUID {607F766C-7455-42BE-930B-E4D76DB2720F}");
        assertThat(tcg2.caller()).startsWith("svc-unmet.efi+0x");
        assertThat(tcg2.toString()).startsWith("protocol no handle has: EFI_TCG2_PROTOCOL_GUID");
    }

    @Test
    void handleProtocolAndLocateHandleBufferMissesAreRecordedWithTheirStatuses() {
        assertThat(unmet()).extracting(UnmetRequest::service, UnmetRequest::what, UnmetRequest::status)
                .contains(org.assertj.core.groups.Tuple.tuple("HandleProtocol",
                                "EFI_BLOCK_IO_PROTOCOL_GUID {964E5B21-6459-11D2-8E39-00A0C969723B}", "EFI_UNSUPPORTED"),
                        org.assertj.core.groups.Tuple.tuple("LocateHandleBuffer",
                                "EFI_LOAD_FILE2_PROTOCOL_GUID {4006C0C1-FCB3-403E-996D-4A6C8724E06D}", "EFI_NOT_FOUND"));
    }

    @Test
    void getVariableOfAnAbsentVariableNamesTheVariableAndItsVendorGuid() {
        assertThat(result.diagnosis().unmet(UnmetRequest.Kind.VARIABLE_NOT_FOUND)).singleElement().satisfies(v -> {
            assertThat(v.what()).isEqualTo("\"EfiemuAbsent\" of {8E9E7C1D-1B2A-4C3D-9E8F-0123456789AB} "
                    + "(no spec name known to efiemu)");
            assertThat(v.caller()).startsWith("svc-unmet.efi+0x");
        });
    }

    @Test
    void aCallFromACopyTheGuestRelocatedItselfIsPlacedInTheImageFoundByItsPeHeader() {
        assertThat(result.consoleText()).contains("copy-probe EFI_NOT_FOUND");
        FoundImage copy = result.diagnosis().foundImages().stream().filter(f -> f.base() == copyBase).findFirst()
                .orElseThrow(() -> new AssertionError("no image found at the copy's base 0x" + Long.toHexString(copyBase)
                        + ": " + result.diagnosis().foundImages()));
        assertThat(copy.size()).isEqualTo(result.image().size());
        assertThat(copy.name()).isEqualTo(String.format("image@0x%X", copyBase));
        UnmetRequest fromCopy = unmet().stream().filter(u -> u.what().startsWith("EFI_MEMORY_ATTRIBUTE_PROTOCOL_GUID"))
                .findFirst().orElseThrow();
        // the return address lies a few bytes after the call inside probe_from_copy
        String prefix = String.format("image@0x%X+0x", copyBase);
        assertThat(fromCopy.caller()).startsWith(prefix);
        long offset = Long.parseLong(fromCopy.caller().substring(prefix.length()), 16);
        assertThat(offset).isBetween(probeOffset, probeOffset + 0x40);
    }

    @Test
    void theSummaryLinesListEveryUnmetRequestOnce() {
        List<String> lines = result.diagnosis().lines();
        assertThat(lines).anyMatch(l -> l.startsWith("asked for and did not get (" + unmet().size() + "):"));
        assertThat(unmet()).hasSize(5);
        assertThat(lines).anyMatch(l -> l.startsWith("image found by its PE header: image@0x"));
    }
}
