package org.efiemu.uefi.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class GuidTest {

    @Test
    void registryFormRoundTripsInUpperCase() {
        Guid g = Guid.parse("8be4df61-93ca-11d2-aa0d-00e098032b8c");
        assertThat(g.registryForm()).isEqualTo("8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
        assertThat(Guid.parse("{" + g.registryForm() + "}")).isEqualTo(g);
    }

    @Test
    void encodingIsData1To3LittleEndianThenData4AsWritten() {
        byte[] bytes = Guid.EFI_GLOBAL_VARIABLE.toBytes();
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("61dfe48bca93d211aa0d00e098032b8c");
        assertThat(Guid.fromBytes(bytes)).isEqualTo(Guid.EFI_GLOBAL_VARIABLE);
    }

    @Test
    void wellKnownGuidsPrintTheirSpecName() {
        assertThat(Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID).hasToString("EFI_LOADED_IMAGE_PROTOCOL_GUID");
        assertThat(Guid.parse("F2FD1544-9794-4A2C-992E-E5BBCF20E394")).hasToString("SMBIOS3_TABLE_GUID");
        assertThat(Guid.parse("01234567-89AB-CDEF-0123-456789ABCDEF"))
                .hasToString("01234567-89AB-CDEF-0123-456789ABCDEF");
    }

    @Test
    void guidsXensLoaderProbesPrintTheirNames() {
        // xen/common/efi/boot.c: setup_efi_pci (PCI I/O), efi_arch_edd (Block I/O), the Apple properties and the
        // shim's lock protocol appear in its trace by name, not as raw GUIDs
        assertThat(Guid.parse("4CF5B200-68B8-4CA5-9EEC-B23E3F50029A")).hasToString("EFI_PCI_IO_PROTOCOL_GUID");
        assertThat(Guid.parse("91BD12FE-F6C3-44FB-A5B7-5122AB303AE0")).hasToString("APPLE_PROPERTIES_PROTOCOL_GUID");
        assertThat(Guid.parse("964E5B21-6459-11D2-8E39-00A0C969723B")).hasToString("EFI_BLOCK_IO_PROTOCOL_GUID");
        assertThat(Guid.parse("605DAB50-E046-4300-ABB6-3DD810DD8B23")).hasToString("SHIM_LOCK_GUID");
    }

    @Test
    void malformedTextIsRejectedNamingTheInput() {
        assertThatThrownBy(() -> Guid.parse("8BE4DF61-93CA-11D2-AA0D"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8BE4DF61-93CA-11D2-AA0D")
                .hasMessageContaining("registry form");
    }

    @Test
    void shortBufferIsRejected() {
        assertThatThrownBy(() -> Guid.fromBytes(new byte[20], 8)).hasMessageContaining("need 16 bytes");
    }
}
