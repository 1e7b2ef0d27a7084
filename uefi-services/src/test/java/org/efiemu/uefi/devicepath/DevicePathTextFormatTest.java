package org.efiemu.uefi.devicepath;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/** The text of the nodes every machine's boot path has is exactly the {@code String.format} text it always was. */
class DevicePathTextFormatTest {

    @Test
    void pciRootPciSataAndHardDriveTextIsTheFormatterTextForRandomValues() {
        SplittableRandom rnd = new SplittableRandom(15);
        for (int i = 0; i < 3000; i++) {
            int uid = i < 10 ? i : rnd.nextInt();
            int dev = rnd.nextInt(32);
            int fn = rnd.nextInt(8);
            int port = rnd.nextInt(0x10000);
            int mult = rnd.nextInt(0x10000);
            int lun = rnd.nextInt(0x10000);
            int number = i < 10 ? i : rnd.nextInt();
            long start = i % 3 == 0 ? rnd.nextLong() : rnd.nextLong(1L << 40);
            long size = i % 5 == 0 ? -1L - rnd.nextLong(10) : rnd.nextLong(1L << 40);
            Guid g = Guid.fromBytes(ByteBuffer.allocate(16).putLong(rnd.nextLong()).putLong(rnd.nextLong()).array());
            DevicePath p = DevicePath.of(DevicePath.pciRoot(uid), DevicePath.pci(dev, fn), DevicePath.sata(port, mult, lun),
                    DevicePath.hardDriveGpt(number, start, size, g), DevicePath.end());
            String expected = String.format("PciRoot(0x%X)/Pci(0x%X,0x%X)/Sata(0x%X,0x%X,0x%X)/HD(%d,GPT,%s,0x%X,0x%X)",
                    Integer.toUnsignedLong(uid), dev, fn, port, mult, lun, Integer.toUnsignedLong(number),
                    g.registryForm(), start, size); // registryForm against the formatter: HexTextTest
            assertThat(p.toString()).isEqualTo(expected);
            int sig = rnd.nextInt();
            assertThat(DevicePath.of(DevicePath.hardDriveMbr(number, start, size, sig), DevicePath.end()).toString())
                    .isEqualTo(String.format("HD(%d,MBR,0x%08X,0x%X,0x%X)", Integer.toUnsignedLong(number), sig, start, size));
        }
    }
}
