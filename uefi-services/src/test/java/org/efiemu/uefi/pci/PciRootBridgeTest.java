package org.efiemu.uefi.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.efiemu.uefi.pci.PciRootBridge.Aperture;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** The root bridge's Mem/Io checks (EDK2 RootBridgeIoCheckParameter) and SetAttributes, with q35 OVMF's facts. */
class PciRootBridgeTest {
    /** OVMF 2022.11 on q35 2 GiB: attributes 0x70069, I/O 0x6000-0xFFFF, MMIO 0xC0000000-0xFBFFFFFF, 64-bit MMIO. */
    static PciRootBridge q35() {
        return new PciRootBridge(0, 0x70069, 0x70069, new Aperture(0x6000, 0xFFFF), new Aperture(0xC0000000L, 0xFBFFFFFFL),
                new Aperture(0xE000000000L, 0xFFFFFFFFFFL), HexFormat.of().parseHex("7900"));
    }

    private static EfiStatus status(Runnable r) {
        try {
            r.run();
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            return e.status();
        }
    }

    @Test
    void accessesInsideAnApertureAreAllowedAndOutsideInvalidParameter() {
        PciRootBridge rb = q35();
        assertThat(status(() -> rb.check(false, 2, 0xC1011000L, 16))).isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> rb.check(false, 2, 0xE000000000L, 1))).as("above 4 GiB").isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> rb.check(false, 2, 0x1000, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> rb.check(false, 2, 0xFBFFFFFCL, 2))).as("leaves the aperture").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> rb.check(true, 0, 0x6040, 32))).isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> rb.check(true, 0, 0x5000, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> rb.check(true, 0, 0x10000, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void legacyIoBelow4KAndVgaMemoryAreAllowedByTheIsaAndVgaAttributes() {
        assertThat(status(() -> q35().check(true, 0, 0x3F8, 8))).isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> q35().check(false, 2, 0xA0000, 16))).isEqualTo(EfiStatus.SUCCESS);
        PciRootBridge plain = q35().withAttributes(0);
        assertThat(status(() -> plain.check(true, 0, 0x3F8, 8))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> plain.check(false, 2, 0xA0000, 16))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void misalignedIsUnsupportedAndABadWidthOrAnOverflowInvalidParameter() {
        assertThat(status(() -> q35().check(false, 2, 0xC0000002L, 1))).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> q35().check(false, 12, 0xC0000000L, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> q35().check(false, 2, 0xFFFFFFFFFFFFFFF0L, 8))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> q35().check(false, 6, 0xC0000000L, -1L))).as("Fifo counts once")
                .isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void setAttributesOutsideSupportsIsUnsupported() {
        assertThat(q35().setAttributes(0x1).attributes()).isEqualTo(0x1);
        assertThatThrownBy(() -> q35().setAttributes(0x80000000L)).extracting(e -> ((EfiException) e).status())
                .isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void configurationMustBeQwordDescriptorsEndedByTheEndTag() {
        assertThatCode(() -> q35()).doesNotThrowAnyException();
        assertThatThrownBy(() -> new PciRootBridge(0, 0, 0, Aperture.NONE, Aperture.NONE, Aperture.NONE,
                HexFormat.of().parseHex("8a2b00"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("end tag");
        assertThat(Aperture.NONE.exists()).isFalse();
    }
}
