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
 * <p>One difference is known and named, {@link #FILE_BUFFER_DIFFERENCE}: real OVMF's BDS loads the image with
 * LoadImage, and EDK2's CoreLoadImage first reads the whole file into an EfiBootServicesData pool buffer
 * (GetFileBufferByFilePath, MdeModulePkg/Core/Dxe/Image/Image.c), allocates the image pages (SizeOfImage +
 * SectionAlignment = 0x1200000) below it, and frees the buffer after loading. Xen's first top-down
 * AllocateMaxAddress requests then land in that freed hole, above the image. efiemu's ImageLoader takes no file
 * buffer, so the same requests land directly below the image: every module is exactly one image allocation lower.
 * Arithmetic check on the capture: freed hole top 0x7DE8F000 (end of the vmlinuz pages), hole size 0x2B3000
 * (2827721-byte file + pool header), image pages below: 0x7C9DC000, aligned up to 2 MiB = 0x7CA00000, the
 * "Xen image load base address" real Xen prints.
 */
class XenOvmfDifferentialTest {
    static final String FILE_BUFFER_DIFFERENCE = "efiemu's ImageLoader does not model EDK2 CoreLoadImage's file buffer"
            + " (an EfiBootServicesData pool of the file size taken before the image pages and freed after loading),"
            + " so Xen's modules land one image allocation lower than on OVMF";

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
    void efiemuAndRealOvmfPrintTheSameLoaderLinesAndModulePlacementsUpToTheNamedFileBufferDifference() {
        String real = new String(XenEsp.resource("ovmf-q35-2g.serial.txt"), StandardCharsets.UTF_8);
        XenBoot boot = XenBoot.run("ovmf-q35-2g", XenEsp.xenBytes());

        assertThat(lines(boot.console(), "Xen ", "Using configuration file"))
                .isEqualTo(lines(real, "Xen ", "Using configuration file"))
                .containsExactly("Xen 4.17.7 (c/s ) EFI loader", "Using configuration file 'BOOTX64.cfg'");

        List<XenBoot.Placement> ovmf = XenBoot.placements(real);
        List<XenBoot.Placement> efiemu = boot.placements();
        assertThat(ovmf).as("placement lines in the OVMF capture").hasSize(2);
        assertThat(efiemu).extracting(XenBoot.Placement::file, XenBoot.Placement::size)
                .isEqualTo(ovmf.stream().map(p -> org.assertj.core.groups.Tuple.tuple(p.file(), p.size())).toList());
        if (efiemu.equals(ovmf)) {
            return; // identical: the file buffer has been modelled
        }
        long imageAllocation = boot.image().pages() * 4096;
        for (int i = 0; i < ovmf.size(); i++) {
            assertThat(ovmf.get(i).first() - efiemu.get(i).first())
                    .as("%s: OVMF %s, efiemu %s; the only difference allowed is the named one: %s", ovmf.get(i).file(),
                            ovmf.get(i), efiemu.get(i), FILE_BUFFER_DIFFERENCE)
                    .isEqualTo(imageAllocation);
        }
    }
}
