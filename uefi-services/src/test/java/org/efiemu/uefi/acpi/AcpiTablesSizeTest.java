package org.efiemu.uefi.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AcpiTablesBuilder#size()} is the length of the tables {@link AcpiTablesBuilder#build} lays out (ACPI 6.5
 * §5.2: FACS, RSDP, XSDT, FADT, DSDT, MADT, RSDT), at 0 and at any 64-byte aligned base below 4 GiB, for every CPU
 * count (x2APIC entries from 255 on) and identity: the firmware reserves that many bytes before it encodes them.
 */
class AcpiTablesSizeTest {

    @Test
    void sizeIsTheLengthOfTheBuiltTablesAtZeroAndAtEvery64ByteAlignedBaseBelow4GiB() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 600; i++) {
            int cpus = i < 300 ? i + 1 : 1 + rnd.nextInt(2000);
            AcpiTablesBuilder b = new AcpiTablesBuilder().oemId(i % 2 == 0 ? "DELL  " : "OVMF").oemTableId("PE_SC3")
                    .cpuCount(cpus);
            int size = b.size();
            assertThat(size).as("%d CPUs at 0", cpus).isEqualTo(b.build(0).bytes().length);
            long base = (rnd.nextLong(0xFFF0_0000L) & ~63L);
            assertThat(size).as("%d CPUs at 0x%X", cpus, base).isEqualTo(b.build(base).bytes().length);
        }
    }
}
