package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A captured firmware driver's Unload and the drivers' opens as an application meets them on efiemu with
 * {@code ovmf-q35-2g} (the {@code driver-unload} payload): the first driver whose Unload is set is OVMF's handle 040,
 * whose UnloadImage removed handles 040 and 041 on OVMF ({@code image-unload: 040 EFI_SUCCESS 040,041}). Calling the
 * Unload function directly gives that status and removes 041 but keeps the image's handle and its loaded image
 * protocol (EDK2 frees the image only in UnloadImage); UnloadImage then removes the image's handle. What OVMF does on a
 * direct call, an EXCLUSIVE open of a driver-held protocol and DisconnectController of a managed controller is not
 * captured (they run the drivers' code): these are efiemu's documented answers (docs/services.md "Driver opens and
 * driver Unload"), each recorded in the trace.
 */
class CapturedDriverUnloadTest {
    private static List<String> lines;
    private static BootResult result;

    @BeforeAll
    static void boot() {
        byte[] payload;
        try (InputStream in = CapturedDriverUnloadTest.class.getResourceAsStream("/payloads/driver-unload.efi")) {
            if (in == null) {
                throw new IllegalStateException("payloads/driver-unload.efi is not on the test class path");
            }
            payload = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(payload, "driver-unload.efi").build()) {
            result = m.run();
        }
        assertThat(result.outcome()).as("%s", result).isEqualTo(BootOutcome.RESET);
        lines = result.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "").lines().toList();
    }

    private static int handles(String prefix) {
        String l = lines.stream().filter(s -> s.startsWith(prefix)).findFirst().orElseThrow();
        return Integer.parseInt(l.replaceFirst(".* handles=(\\d+).*", "$1"));
    }

    @Test
    void callingADriversUnloadDirectlyGivesOvmfsStatusAndKeepsTheImagesHandle() {
        assertThat(lines).anyMatch(l -> l.startsWith("first: 040 "));
        assertThat(lines).anyMatch(l -> l.startsWith("direct: (EFI_SUCCESS) ") && l.endsWith("loaded-image (EFI_SUCCESS)"));
        assertThat(handles("direct:")).isEqualTo(handles("first:") - 1);
        assertThat(result.trace()).anyMatch(e -> e.service().equals("EFI_LOADED_IMAGE_PROTOCOL.Unload (captured driver)")
                && e.outputs().stream().anyMatch(o -> o.contains("the driver's code is not run")));
    }

    @Test
    void unloadImageOfTheDriverThenRemovesItsHandleAndASecondUnloadImageFindsNoHandle() {
        assertThat(lines).anyMatch(l -> l.startsWith("unload: (EFI_SUCCESS) ") && l.endsWith("loaded-image (EFI_INVALID_PARAMETER)"));
        assertThat(handles("unload:")).isEqualTo(handles("first:") - 2);
        assertThat(lines).contains("again: (EFI_INVALID_PARAMETER)");
        assertThat(result.trace()).anyMatch(e -> e.service().equals("UnloadImage") && e.status().equals("EFI_SUCCESS")
                && e.outputs().stream().anyMatch(o -> o.contains("OVMF's UnloadImage gave EFI_SUCCESS")));
    }

    @Test
    void theUnloadFunctionCalledWithAnotherImageHandleIsInvalidParameter() {
        assertThat(lines).contains("foreign: (EFI_INVALID_PARAMETER)");
    }

    @Test
    void anExclusiveOpenOfADriverHeldProtocolIsDeniedAndDisconnectingItsControllerRemovesNothing() {
        assertThat(lines).anyMatch(l -> l.startsWith("exclusive: ") && l.endsWith("(EFI_ACCESS_DENIED)"));
        assertThat(lines).anyMatch(l -> l.startsWith("disconnect: ") && l.contains("(EFI_SUCCESS)"));
        assertThat(handles("disconnect:")).isEqualTo(handles("unload:"));
        assertThat(result.trace()).anyMatch(e -> e.service().equals("DisconnectController")
                && e.outputs().stream().anyMatch(o -> o.contains("its Stop is not run")));
    }
}
