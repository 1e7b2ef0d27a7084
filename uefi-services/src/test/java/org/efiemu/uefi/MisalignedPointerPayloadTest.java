package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-misaligned} payload: guest pointers that designate RAM but are not naturally aligned for the type
 * they point to (UEFI 2.10 §2.3.1) are rejected with EFI_INVALID_PARAMETER, nothing is written through them, and the
 * trace says which argument was misaligned; VOID* buffers have no alignment requirement.
 */
class MisalignedPointerPayloadTest {
    private static BootResult result;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-misaligned"))
                .build()) {
            result = m.run();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    private static List<String> summaries(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary).toList();
    }

    @Test
    void payloadRunsToItsEndWithoutViolations() {
        assertThat(result.outcome()).as(result.consoleText()).isEqualTo(BootOutcome.RETURNED);
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void allocatePagesWithAMisalignedMemoryPointerReturnsInvalidParameterAndWritesNothing() {
        assertThat(lines()).containsSubsequence("allocate-pages-misaligned EFI_INVALID_PARAMETER",
                "allocate-pages-untouched 1", "allocate-pages-aligned EFI_SUCCESS");
        assertThat(summaries("AllocatePages").get(0))
                .containsPattern("= EFI_INVALID_PARAMETER -> Memory=0x[0-9A-F]*[13579BDF] misaligned \\(UEFI 2.10 §2.3.1\\)$");
    }

    @Test
    void getMemoryMapWithMisalignedMemoryMapSizeMapKeyOrDescriptorSizeReturnsInvalidParameter() {
        assertThat(lines()).containsSubsequence("get-memory-map-size-misaligned EFI_INVALID_PARAMETER",
                "get-memory-map-key-misaligned EFI_INVALID_PARAMETER", "get-memory-map-key-untouched 1",
                "get-memory-map-dsize-misaligned EFI_INVALID_PARAMETER", "get-memory-map-aligned EFI_BUFFER_TOO_SMALL");
        List<String> calls = summaries("GetMemoryMap");
        assertThat(calls.get(0)).containsPattern("-> MemoryMapSize=0x[0-9A-F]+ misaligned \\(UEFI 2.10 §2.3.1\\)$");
        assertThat(calls.get(1)).containsPattern("-> MapKey=0x[0-9A-F]+ misaligned \\(UEFI 2.10 §2.3.1\\)$");
        assertThat(calls.get(2)).containsPattern("-> DescriptorSize=0x[0-9A-F]+ misaligned \\(UEFI 2.10 §2.3.1\\)$");
    }

    @Test
    void handleProtocolWithAMisalignedInterfacePointerReturnsInvalidParameter() {
        assertThat(lines()).containsSubsequence("handle-protocol-misaligned EFI_INVALID_PARAMETER",
                "handle-protocol-untouched 1", "handle-protocol-aligned EFI_SUCCESS");
        assertThat(summaries("HandleProtocol").get(0)).containsPattern("Interface=0x[0-9A-F]+ misaligned");
    }

    @Test
    void allocatePoolWithAMisalignedBufferPointerReturnsInvalidParameterAndAllocatesNothing() {
        assertThat(lines()).containsSubsequence("allocate-pool-misaligned EFI_INVALID_PARAMETER",
                "allocate-pool-untouched 1", "allocate-pool-aligned EFI_SUCCESS");
        assertThat(summaries("AllocatePool").get(0)).containsPattern("= EFI_INVALID_PARAMETER -> Buffer=0x[0-9A-F]+ misaligned");
        ServiceCallEvent first = result.trace().stream().filter(e -> e.service().equals("AllocatePool")).findFirst()
                .orElseThrow();
        assertThat(first.outputs()).as("no pool address was handed out").singleElement().asString().contains("misaligned");
    }

    @Test
    void outputStringWithAnOddCharSixteenPointerReturnsInvalidParameterAndPrintsNothing() {
        assertThat(lines()).containsSubsequence("output-string-misaligned EFI_INVALID_PARAMETER", "ok",
                "output-string-aligned EFI_SUCCESS");
        assertThat(summaries("ConOut.OutputString")).anyMatch(s -> s.matches(".*String=0x[0-9A-F]*[13579BDF] misaligned.*"));
    }

    @Test
    void voidBuffersHaveNoAlignmentRequirementButAUint32OutPointerDoes() {
        assertThat(lines()).containsSubsequence("calculate-crc32-odd-data EFI_SUCCESS",
                "calculate-crc32-misaligned-out EFI_INVALID_PARAMETER");
        assertThat(summaries("CalculateCrc32").get(1)).contains("Crc32=0x").contains("misaligned");
    }
}
