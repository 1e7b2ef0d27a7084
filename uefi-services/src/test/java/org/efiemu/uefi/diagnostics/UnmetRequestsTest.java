package org.efiemu.uefi.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;
import org.efiemu.uefi.trace.ServiceCallEvent;

/** How trace events are classified into {@link UnmetRequest}s, without an emulator. */
class UnmetRequestsTest {
    private long seq;

    private ServiceCallEvent call(String service, List<String> args, String status, List<String> outputs, String caller) {
        return new ServiceCallEvent(++seq, 0, service, args, status, outputs, caller, 0x1000, false);
    }

    @Test
    void repeatedMissesFromOneCallSiteAreOneEntryWithACount() {
        UnmetRequests u = new UnmetRequests(g -> false);
        for (int i = 0; i < 3; i++) {
            u.onCall(call("LocateProtocol", List.of("F4560CF6-40EC-4B4A-A192-BF1D57D0B189", "0x0", "0x7000"),
                    "EFI_NOT_FOUND", List.of(), "shimx64.efi+0x10"));
        }
        u.onCall(call("LocateProtocol", List.of("F4560CF6-40EC-4B4A-A192-BF1D57D0B189", "0x0", "0x7000"),
                "EFI_NOT_FOUND", List.of(), "shimx64.efi+0x20"));
        assertThat(u.list()).extracting(UnmetRequest::caller, UnmetRequest::count, UnmetRequest::firstSequence)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shimx64.efi+0x10", 3, 1L),
                        org.assertj.core.groups.Tuple.tuple("shimx64.efi+0x20", 1, 4L));
        assertThat(u.list().get(0).toString()).isEqualTo("protocol no handle has: EFI_MEMORY_ATTRIBUTE_PROTOCOL_GUID "
                + "{F4560CF6-40EC-4B4A-A192-BF1D57D0B189}: LocateProtocol = EFI_NOT_FOUND from shimx64.efi+0x10 (#1, 3 calls)");
    }

    @Test
    void handleProtocolOfAProtocolAnotherHandleHasIsNotOnTheHandleAsked() {
        UnmetRequests u = new UnmetRequests(g -> g.equals(Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID));
        u.onCall(call("HandleProtocol", List.of("0x7FDEE330", "EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID", "0x7000"),
                "EFI_UNSUPPORTED", List.of(), "grubx64.efi+0x400"));
        assertThat(u.list()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(UnmetRequest.Kind.PROTOCOL_NOT_ON_HANDLE);
            assertThat(r.what()).isEqualTo("EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID {964E5B22-6459-11D2-8E39-00A0C969723B}"
                    + " on handle 0x7FDEE330");
        });
    }

    @Test
    void unimplementedServicesMissingFilesAndSuccessfulCallsAreToldApart() {
        UnmetRequests u = new UnmetRequests(g -> false);
        u.onCall(call("ConnectController", List.of("0x1", "0x0", "0x0", "1"), "EFI_UNSUPPORTED",
                List.of("not implemented by efiemu"), "0x7CA01234"));
        u.onCall(call("File.Open", List.of("0x7F00", "0x7E00", "\"\\EFI\\debian\\grubx64.efi\"", "EFI_FILE_MODE_READ", "0x0"),
                "EFI_NOT_FOUND", List.of(), "shimx64.efi+0x99"));
        u.onCall(call("LocateProtocol", List.of("EFI_RNG_PROTOCOL_GUID", "0x0", "0x7000"), "EFI_SUCCESS",
                List.of("0x5000"), "x.efi+0x1"));
        u.onCall(call("GetVariable", List.of("\"BootOrder\"", "EFI_GLOBAL_VARIABLE", "0x0", "&8", "0x7000"),
                "EFI_NOT_FOUND", List.of(), "x.efi+0x2"));
        assertThat(u.list()).extracting(UnmetRequest::kind).containsExactly(UnmetRequest.Kind.UNIMPLEMENTED_SERVICE,
                UnmetRequest.Kind.FILE_NOT_FOUND, UnmetRequest.Kind.VARIABLE_NOT_FOUND);
        assertThat(u.list().get(1).what()).isEqualTo("\"\\EFI\\debian\\grubx64.efi\"");
        assertThat(u.list().get(2).what())
                .isEqualTo("\"BootOrder\" of EFI_GLOBAL_VARIABLE {8BE4DF61-93CA-11D2-AA0D-00E098032B8C}");
    }
}
