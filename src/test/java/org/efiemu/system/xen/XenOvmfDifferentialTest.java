package org.efiemu.system.xen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same Xen binary and ESP on real firmware and on efiemu print the same module placement lines.
 *
 * <p>Real side: {@code src/test/resources/xen/ovmf-q35-2g.serial.txt}, the serial console captured by
 * {@code src/test/xen/run-xen-on-ovmf.sh --mem 2G} (QEMU 7.2 q35 TCG, Debian OVMF 2022.11). efiemu side: profile
 * {@code ovmf-q35-2g}, captured from the same firmware.
 *
 * <p>The module addresses depend on EDK2's file buffer, which efiemu models ({@code ImageLoader.loadFromFile}): the
 * boot manager reads the whole file into an EfiBootServicesData pool buffer (EfiBootManagerGetLoadOptionBuffer,
 * MdeModulePkg/Library/UefiBootManagerLib), LoadImage allocates the image pages (SizeOfImage + SectionAlignment =
 * 0x1200000) below it, and the buffer is freed afterwards, so Xen's first top-down AllocateMaxAddress requests land
 * in the freed hole above the image. Arithmetic on the capture: hole top 0x7DE8F000 (end of the vmlinuz pages),
 * hole 0x2B3000 bytes (2827721-byte file + pool overhead), image pages below from 0x7C9DC000, aligned up to 2 MiB =
 * 0x7CA00000, the "Xen image load base address" real Xen prints. Without the buffer every module was exactly
 * 0x1200000 lower.
 */
class XenOvmfDifferentialTest {
    static List<String> lines(String text, String... prefixes) {
        List<String> out = new ArrayList<>();
        for (String line : text.replace("\r", "").split("\n")) {
            for (String p : prefixes) {
                if (line.startsWith(p)) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    @Test
    void efiemuAndRealOvmfPrintTheSameLoaderLinesAndModulePlacements() {
        String real = new String(XenEsp.resource("ovmf-q35-2g.serial.txt"), StandardCharsets.UTF_8);
        XenBoot boot = XenBoot.run("ovmf-q35-2g", XenEsp.xenBytes());

        assertThat(lines(boot.console(), "Xen ", "Using configuration file"))
                .isEqualTo(lines(real, "Xen ", "Using configuration file"))
                .containsExactly("Xen 4.17.7 (c/s ) EFI loader", "Using configuration file 'BOOTX64.cfg'");

        List<XenBoot.Placement> ovmf = XenBoot.placements(real);
        assertThat(ovmf).as("placement lines in the OVMF capture").hasSize(2);
        assertThat(boot.placements()).as("module placements on efiemu (profile ovmf-q35-2g) vs real OVMF")
                .isEqualTo(ovmf);
    }

    @Test
    void xenImageSitsBelowTheFreedFileBufferAtTheLoadBaseRealXenPrints() {
        String real = new String(XenEsp.resource("ovmf-q35-2g.serial.txt"), StandardCharsets.UTF_8);
        List<String> printed = lines(real, "(XEN) Xen image load base address: ");
        assertThat(printed).as("load base line in the OVMF capture").hasSize(1);
        long realBase = Long.decode(printed.get(0).substring(printed.get(0).lastIndexOf(' ') + 1));
        XenBoot boot = XenBoot.run("ovmf-q35-2g", XenEsp.xenBytes());
        // image pages from 0x7C9DC000 (0x1200 pages below the 0x2B3-page buffer that ended at 0x7DE8F000), the load
        // base aligned up to SectionAlignment 2 MiB
        assertThat(boot.image().base()).as("Xen image load base on efiemu vs the one real Xen prints")
                .isEqualTo(realBase).isEqualTo(0x7CA00000L);
    }
}
