package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.disk.DiskImage;
import org.junit.jupiter.api.Test;

/** QEMU's {@code -machine pc} hands OVMF four IDE drives at most; a fifth disk is a clear error naming it. */
class PcDiskCountTest {
    private static byte[] probe() {
        try (InputStream in = PcDiskCountTest.class.getResourceAsStream("/payloads/firmware-probe.efi")) {
            assertThat(in).as("the firmware-probe payload built by this module's build").isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static UefiMachineBuilder withDisks(String profile, int count) {
        UefiMachineBuilder b = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(probe(), "probe.efi");
        for (int i = 0; i < count; i++) {
            b.disk(DiskImage.blank("disk" + i + ".img", 1 << 20), true);
        }
        return b;
    }

    @Test
    void aFifthDiskOnThePcMachineIsRefusedNamingIt() {
        assertThatThrownBy(() -> withDisks("ovmf-pc-2g", 5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("disk image disk4.img")
                .hasMessageContaining("IDE controller at 00:01.1 holds 4 drives")
                .hasMessageContaining("5 were given");
    }

    @Test
    void fourDisksFitThePcMachinesIdeController() {
        try (UefiMachine m = withDisks("ovmf-pc-2g", 4).build()) {
            assertThat(m).isNotNull();
        }
    }

    @Test
    void theQ35MachinesAhciControllerTakesAFifthDisk() {
        try (UefiMachine m = withDisks("ovmf-q35-2g", 5).build()) {
            assertThat(m).isNotNull();
        }
    }
}
