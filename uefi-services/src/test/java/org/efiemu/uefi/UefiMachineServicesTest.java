package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code services} payload on the OVMF q35 2 GiB platform (the platforms module's built-in profile, copied):
 * exact statuses and addresses of every implemented service and its edge cases, as EDK2 returns them.
 */
class UefiMachineServicesTest {
    private static BootResult result;

    @BeforeAll
    static void boot() {
        result = run("return");
    }

    static BootResult run(String options) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("services"))
                .loadOptions(options).build()) {
            return m.run();
        }
    }

    static List<String> calls(BootResult r, String service) {
        return r.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary).toList();
    }

    @Test
    void entryPointReturnEndsTheRunWithItsStatus() {
        assertThat(result.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(result.statusName()).contains("EFI_SUCCESS");
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void applicationIsLoadedAtItsLinkedImageBaseAsEfiLoaderCode() {
        assertThat(result.image().base()).isEqualTo(0x10000000L);
        assertThat(result.consoleText()).contains("image base 0x10000000 size 0x17000 code 1 data 2");
        assertThat(result.livePages()).anySatisfy(a -> {
            assertThat(a.base()).isEqualTo(0x10000000L);
            assertThat(a.memoryType()).isEqualTo(1);
        });
    }

    @Test
    void allocatePagesReturnsEdk2StatusesAndWritesMemoryOnlyOnSuccess() {
        assertThat(calls(result, "AllocatePages")).containsExactly(
                "AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x9FFFF) = EFI_SUCCESS -> 0x9C000",
                "AllocatePages(AllocateAddress, EfiLoaderData, 1, 0x9C000) = EFI_NOT_FOUND",
                "AllocatePages(AllocateAddress, EfiLoaderData, 1, 0x1234) = EFI_NOT_FOUND",
                "AllocatePages(AllocateMaxAddress, EfiLoaderData, 1, 0xFFF) = EFI_OUT_OF_RESOURCES",
                "AllocatePages(AllocateAnyPages, Invalid(0x20), 1, &0x7FDEBEC8) = EFI_INVALID_PARAMETER",
                "AllocatePages(AllocateAnyPages, EfiLoaderData, 1, NULL) = EFI_INVALID_PARAMETER -> Memory is NULL",
                "AllocatePages(AllocateAnyPages, EfiLoaderData, 1, &0xFFC00000) = EFI_INVALID_PARAMETER -> Memory 0xFFC00000 is not RAM",
                "AllocatePages(0x3, EfiLoaderData, 1, &0x7FDEBEC8) = EFI_INVALID_PARAMETER",
                "AllocatePages(AllocateMaxAddress, OEM(0x70000001), 2, 0x80000000) = EFI_SUCCESS -> 0x7E52F000");
    }

    @Test
    void freePagesOfFreeOrUnalignedPagesFails() {
        assertThat(calls(result, "FreePages")).containsExactly(
                "FreePages(0x7E52F000, 2) = EFI_SUCCESS -> was OEM(0x70000001)",
                "FreePages(0x9C000, 4) = EFI_SUCCESS -> was EfiLoaderData",
                "FreePages(0x9C000, 4) = EFI_NOT_FOUND",
                "FreePages(0x9C001, 1) = EFI_INVALID_PARAMETER");
    }

    @Test
    void poolPointersAreEdk2BlockHeadPlus0x18() {
        assertThat(calls(result, "AllocatePool")).containsExactly(
                "AllocatePool(EfiLoaderData, 1, 0x7FDEBED0) = EFI_SUCCESS -> 0x7E530018",
                "AllocatePool(EfiLoaderData, 8, 0x7FDEBED8) = EFI_SUCCESS -> 0x7E530F18",
                "AllocatePool(EfiLoaderData, 5000, 0x7FDEBEE0) = EFI_SUCCESS -> 0x7E52E018",
                "AllocatePool(EfiLoaderData, 8, NULL) = EFI_INVALID_PARAMETER -> Buffer is NULL",
                "AllocatePool(Invalid(0x20), 8, 0x7FDEBEE0) = EFI_INVALID_PARAMETER");
        assertThat(calls(result, "FreePool")).containsExactly(
                "FreePool(0x7E530F18) = EFI_SUCCESS -> was EfiLoaderData",
                "FreePool(NULL) = EFI_INVALID_PARAMETER",
                "FreePool(0x7E530020) = EFI_INVALID_PARAMETER");
        assertThat(result.livePool()).extracting(p -> p.buffer()).contains(0x7E530018L, 0x7E52E018L)
                .doesNotContain(0x7E530F18L);
    }

    @Test
    void getMemoryMapChecksSizeThenBufferAndAlwaysReportsSizeAndKey() {
        assertThat(calls(result, "GetMemoryMap")).containsExactly(
                "GetMemoryMap(NULL, 0x10005000, 0x7FDEBED8, 0x7FDEBEE0, 0x7FDEBEC8) = EFI_INVALID_PARAMETER -> MemoryMapSize is NULL",
                "GetMemoryMap(&0, NULL, 0x7FDEBED8, 0x7FDEBEE0, 0x7FDEBEC8) = EFI_BUFFER_TOO_SMALL -> MemoryMapSize=6240, MapKey=0x9, DescriptorSize=48, DescriptorVersion=1",
                "GetMemoryMap(&65536, NULL, 0x7FDEBED8, 0x7FDEBEE0, 0x7FDEBEC8) = EFI_INVALID_PARAMETER -> MemoryMapSize=6240, MapKey=0x9, DescriptorSize=48, DescriptorVersion=1",
                "GetMemoryMap(&65536, 0xFFC00000, 0x7FDEBED8, 0x7FDEBEE0, 0x7FDEBEC8) = EFI_INVALID_PARAMETER -> MemoryMap 0xFFC00000 is not 5904 bytes of RAM",
                "GetMemoryMap(&65536, 0x10005000, 0x7FDEBED8, 0x7FDEBEE0, 0x7FDEBEC8) = EFI_SUCCESS -> MemoryMapSize=5904, MapKey=0x9, DescriptorSize=48, DescriptorVersion=1, 123 descriptors");
        assertThat(result.consoleText()).contains("map 5904 bytes key 0x9 dsz 48 dver 1");
    }

    @Test
    void miscellaneousServicesComputeCrcCopyOverlappingAndCount() {
        assertThat(calls(result, "CalculateCrc32")).containsExactly(
                "CalculateCrc32(0x10004108, 9, 0x7FDEBEC8) = EFI_SUCCESS -> 0xCBF43926",
                "CalculateCrc32(0x10004108, 0, 0x7FDEBEC8) = EFI_INVALID_PARAMETER",
                "CalculateCrc32(0x10004108, 9, NULL) = EFI_INVALID_PARAMETER");
        assertThat(result.consoleText()).contains("crc 0xcbf43926 copy ababcdefzzzz", "count 1 high 1 tables 8");
        assertThat(calls(result, "GetNextMonotonicCount")).containsExactly(
                "GetNextMonotonicCount(0x7FDEBED8) = EFI_SUCCESS -> 0x0",
                "GetNextMonotonicCount(0x7FDEBED8) = EFI_SUCCESS -> 0x1",
                "GetNextMonotonicCount(NULL) = EFI_INVALID_PARAMETER");
        assertThat(calls(result, "SetWatchdogTimer")).containsExactly("SetWatchdogTimer(0, 0x0, 0, NULL) = EFI_SUCCESS -> disabled");
    }

    @Test
    void stallAdvancesVirtualTime() {
        ServiceCallEvent stall = result.trace().stream().filter(e -> e.service().equals("Stall")).findFirst().orElseThrow();
        ServiceCallEvent next = result.trace().get((int) stall.sequence());
        assertThat(next.virtualNanos() - stall.virtualNanos()).isGreaterThanOrEqualTo(1_000_000L);
    }

    @Test
    void connectControllerOfNullHandleIsInvalidParameterAndNothingIsUnimplemented() {
        assertThat(calls(result, "ConnectController")).containsExactly(
                "ConnectController(NULL, NULL, NULL, 0) = EFI_INVALID_PARAMETER");
        assertThat(result.unimplementedCalls()).isEmpty();
    }

    @Test
    void protocolLookupFindsTheLoadedImageOnTheImageHandle() {
        assertThat(calls(result, "HandleProtocol")).containsExactly(
                "HandleProtocol(0x7FDEE330, EFI_LOADED_IMAGE_PROTOCOL_GUID, 0x7FDEBEA8) = EFI_SUCCESS -> 0x7FDEE280",
                "HandleProtocol(0x7FDEE330, EFI_LOADED_IMAGE_PROTOCOL_GUID, NULL) = EFI_INVALID_PARAMETER",
                "HandleProtocol(0x7FDEE330, EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, 0x7FDEBEB0) = EFI_UNSUPPORTED -> 0x0");
        assertThat(calls(result, "LocateProtocol")).containsExactly(
                "LocateProtocol(EFI_LOADED_IMAGE_PROTOCOL_GUID, NULL, 0x7FDEBEB0) = EFI_SUCCESS -> 0x7FDEE280");
    }

    @Test
    void consoleOutputIsCapturedPerSourceAndModeCallsFollowTheSpec() {
        assertThat(result.console().text(org.efiemu.uefi.protocol.ConsoleListener.Source.STD_ERR)).isEqualTo("to stderr\r\n");
        assertThat(calls(result, "ConOut.QueryMode")).containsExactly(
                "ConOut.QueryMode(0x7FDEE180, 0, 0x7FDEBED8, 0x7FDEBEE0) = EFI_SUCCESS -> 80x25",
                "ConOut.QueryMode(0x7FDEE180, 99, 0x7FDEBED8, 0x7FDEBEE0) = EFI_UNSUPPORTED");
        assertThat(calls(result, "ConOut.SetAttribute")).containsExactly(
                "ConOut.SetAttribute(0x7FDEE180, 0x1E) = EFI_SUCCESS", "ConOut.SetAttribute(0x7FDEE180, 0x80) = EFI_UNSUPPORTED");
        assertThat(calls(result, "ConOut.SetCursorPosition")).containsExactly(
                "ConOut.SetCursorPosition(0x7FDEE180, 79, 24) = EFI_SUCCESS",
                "ConOut.SetCursorPosition(0x7FDEE180, 80, 0) = EFI_UNSUPPORTED");
        assertThat(result.consoleText()).contains("mode 80x25 cursor 0,0");
    }

    @Test
    void callSitesAreImageRelative() {
        assertThat(result.trace()).allSatisfy(e -> assertThat(e.caller()).startsWith("services.efi+0x"));
    }
}
