package com.example.boot;

import static org.efiemu.assertj.EfiemuAssertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.efiemu.jqwik.Machines;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/**
 * A property over generated machines (jqwik, next to the @EfiemuTest tests on the same JUnit Platform): the boot code
 * never writes memory the firmware owns, whatever the machine. When it fails, jqwik shrinks the machine as
 * {@code efiemu hunt} does and prints the smallest one; {@code ProfileWriter.write(machine)} turns it into a profile to
 * keep as an @EfiemuTest regression test.
 */
class GeneratedMachinesPropertyTest {
    private static final byte[] PAYLOAD = payload("payloads/efi-pool.efi");

    @Property(tries = 10, seed = "42")
    void efiPoolNeverWritesFirmwareMemory(@ForAll @Machines(maxDescriptors = 200) PlatformProfile machine) {
        try (UefiMachine m = UefiMachine.builder(machine.toDescription()).payload(PAYLOAD, "efi-pool.efi")
                .stopAfterExitBootServices(true).build();
             MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            BootResult boot = m.run();
            assertThat(boot, sanitizer.report()).exitedBootServices().hasNoFirmwareCorruption();
        }
    }

    private static byte[] payload(String resource) {
        try (InputStream in = GeneratedMachinesPropertyTest.class.getClassLoader().getResourceAsStream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
