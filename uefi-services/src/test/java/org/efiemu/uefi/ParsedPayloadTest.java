package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.junit.jupiter.api.Test;

/**
 * {@link UefiMachineBuilder#payload(PeImage)}: a payload parsed once and shared by machine after machine (as a hunt
 * does) boots exactly as its bytes given to each machine do.
 */
class ParsedPayloadTest {

    @Test
    void aSharedParsedPayloadGivesTheSameTraceConsoleAndImageAsItsBytesOnEveryMachine() throws Exception {
        for (String name : new String[] {"services", "svc-images", "dbg-wait"}) {
            byte[] bytes = Files.readAllBytes(TestPlatforms.payload(name));
            PeImage shared = PeParser.parse(bytes, name + ".efi");
            String[] fromBytes = run(UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(bytes, name + ".efi"));
            for (int machine = 0; machine < 2; machine++) {
                assertThat(run(UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(shared))).as("%s, machine %d", name, machine)
                        .containsExactly(fromBytes);
            }
        }
    }

    @Test
    void bytesGivenAfterAParsedPayloadAreTheOnesBooted() throws Exception {
        byte[] services = Files.readAllBytes(TestPlatforms.payload("services"));
        byte[] images = Files.readAllBytes(TestPlatforms.payload("svc-images"));
        UefiMachineBuilder b = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(PeParser.parse(services, "services.efi"))
                .payload(images, "svc-images.efi");
        assertThat(run(b)).containsExactly(run(UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(images, "svc-images.efi")));
    }

    private static String[] run(UefiMachineBuilder b) {
        try (UefiMachine m = b.build()) {
            BootResult r = m.run();
            return new String[] {m.trace().toJsonLines(), r.consoleText(), r.image().name() + "@0x" + Long.toHexString(r.image().base()),
                    r.outcome().toString(), Long.toString(r.virtualNanos())};
        }
    }
}
