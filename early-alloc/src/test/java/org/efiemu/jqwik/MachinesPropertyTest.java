package org.efiemu.jqwik;

import static org.efiemu.assertj.EfiemuAssertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/** The docs/example-project property, run here on this module's classes: a real payload on generated machines. */
class MachinesPropertyTest {
    private static final Strategy EFI_POOL = StrategyCatalog.builtIn("efi-pool");

    @Property(tries = 8, seed = "42")
    void efiPoolNeverWritesFirmwareMemoryOnAGeneratedMachine(@ForAll @Machines(maxDescriptors = 200) PlatformProfile machine) {
        try (UefiMachine m = UefiMachine.builder(Platforms.describe(machine).description())
                .payload(EFI_POOL.payloadBytes(), EFI_POOL.payloadName()).stopAfterExitBootServices(true).build();
             MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            BootResult boot = m.run();
            assertThat(boot, sanitizer.report()).exitedBootServices().hasNoFirmwareCorruption();
        }
    }
}
