package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code drv-app} + {@code drv-binding} pair on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages, provisioned),
 * run from the UEFI Shell, and on efiemu, compared line for line: the order in which the firmware calls the driver's
 * Supported, Start and Stop (ConnectController's driver order by Version and DriverImageHandle list, Recursive over
 * children, the loop until no driver starts, StartImage connecting the driver's new handles, OpenProtocol EXCLUSIVE
 * disconnecting the holder, DisconnectController children first, UnloadImage running Unload) and every status (UEFI
 * 2.10 §7.3.9, §7.3.12, §7.3.13, §7.4, §11.1). OVMF's own drivers are called too on real firmware; they print nothing
 * and start on none of these controllers.
 */
class DriverBindingOvmfLiveTest {

    @Test
    void driverModelCallsAndStatusesEqualQemuOvmfs(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1(Files.createDirectories(dir.resolve("ovmf")), List.of("drv-app", "drv-binding"),
                List.of("fs0:\\drv-app.efi"), 180);
        List<String> ovmf = DriverBindingPayloadTest.lines(com1);
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).contains("da end");
        BootResult efiemu = DriverBindingPayloadTest.run(Files.createDirectories(dir.resolve("efiemu")), null);
        assertThat(DriverBindingPayloadTest.lines(efiemu.consoleText())).as("efiemu vs QEMU + OVMF")
                .containsExactlyElementsOf(ovmf);
        assertThat(ovmf).containsExactlyElementsOf(DriverBindingPayloadTest.EXPECTED);
    }
}
